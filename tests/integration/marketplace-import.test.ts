import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRows, importRuns, marketplaceMappings, orders, outbox, payments, skuAliases, stockLevels } from '#src/db/schema/index.ts';
import { importsIdle, type ParsedOrder } from '#src/modules/imports/index.ts';
import { linesOf } from '#src/modules/orders/index.ts';
import { importOne } from '#src/workflows/imports/marketplace-import.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/marketplace');
const fixture = (name: string) => readFile(path.join(fixtures, name));

let t: TestApp;
let admin: AdminClient;
let staff: AdminClient;
let packer: AdminClient;
const variants: Record<string, number> = {};

/** A multipart form as a browser sends it, with the CSRF token in the header as htmx sends it. */
function multipart(fields: Record<string, string>, file?: { filename: string; data: Buffer }) {
  const boundary = `----talad${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

function upload(client: AdminClient, url: string, fields: Record<string, string>, file?: { filename: string; data: Buffer }, csrf = true) {
  const body = multipart(fields, file);
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: client.cookie, 'content-type': body.type, ...(csrf ? { 'x-csrf-token': client.csrf } : {}) },
    payload: body.payload,
  });
}

function runIdOf(res: LightMyRequestResponse): number {
  expect(res.statusCode, res.body.slice(0, 500)).toBe(303);
  const m = /^\/admin\/imports\/(\d+)$/.exec(String(res.headers.location));
  expect(m, String(res.headers.location)).not.toBeNull();
  return Number(m![1]);
}

async function uploadRun(kind: string, filename: string, data: Buffer): Promise<number> {
  return runIdOf(await upload(admin, '/admin/imports', { kind }, { filename, data }));
}

async function apply(runId: number) {
  const res = await admin.post(`/admin/imports/${runId}/apply`);
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  await importsIdle();
  const [run] = await t.database.db.select().from(importRuns).where(eq(importRuns.id, runId));
  expect(run!.status).toBe('done');
  return run!;
}

async function rowsOf(runId: number) {
  return t.database.db.select().from(importRows).where(eq(importRows.runId, runId)).orderBy(importRows.line);
}

function count(html: string, key: string): number {
  const m = new RegExp(`data-count="${key}">(\\d+)<`).exec(html);
  return m ? Number(m[1]) : NaN;
}

async function reserved(sku: string): Promise<number> {
  const rows = await t.database.db
    .select({ reserved: sql<number>`coalesce(sum(${stockLevels.reserved}), 0)::int` })
    .from(stockLevels)
    .where(eq(stockLevels.variantId, variants[sku]!));
  return Number(rows[0]!.reserved);
}

async function marketplaceOrder(channel: 'shopee' | 'lazada' | 'tiktok' | 'api', externalId: string) {
  const [o] = await t.database.db.select().from(orders).where(and(eq(orders.channel, channel), eq(orders.externalId, externalId)));
  return o;
}

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.database.db;
  for (const [sku, stock, price] of [
    ['MP-COF', 10, 99_00],
    ['MP-TEA', 20, 89_00],
    ['MP-MUG', 5, 250_00],
    ['MP-LOW', 1, 500_00],
  ] as const) {
    const p = await makeProduct(db, { sku, price, stock: { MAIN: stock }, nameTh: `สินค้า ${sku}` });
    variants[sku] = p.variant.id;
  }
  admin = await signIn(t.app, (await makeUser(db, 'admin')).email);
  staff = await signIn(t.app, (await makeUser(db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(db, 'packer')).email);
});
afterAll(async () => {
  await importsIdle();
  await t?.close();
});

describe('a Shopee export', () => {
  let firstRun: number;

  it('previews what will happen: new orders, skipped, unmatched SKUs and rows with errors by line', async () => {
    firstRun = await uploadRun('shopee', 'Order.all.20250301_20250305.csv', await fixture('shopee-orders.csv'));
    const page = await admin.get(`/admin/imports/${firstRun}`);
    expect(page.statusCode).toBe(200);
    expect(count(page.body, 'new')).toBe(2);
    expect(count(page.body, 'duplicate')).toBe(0);
    expect(count(page.body, 'skipped')).toBe(1);
    expect(count(page.body, 'unmatched')).toBe(1);
    expect(count(page.body, 'errors')).toBe(1);
    expect(page.body).toContain('SHP-UNKNOWN-9');
    // Nothing is imported by a preview.
    expect(await marketplaceOrder('shopee', '250301ABCD0001')).toBeUndefined();
  });

  it('imports the orders as paid, with the file prices, Thai text exactly, stock reserved and no chat message', async () => {
    const outboxBefore = (await t.database.db.select().from(outbox)).length;
    const run = await apply(firstRun);
    expect(run.summary).toMatchObject({ created: 3, skipped: 1, unmatched: 1, error: 1 });

    const o1 = (await marketplaceOrder('shopee', '250301ABCD0001'))!;
    expect(o1.status).toBe('paid');
    // Paid on Shopee, on the marketplace's order date (10:15 in Bangkok), not the import's.
    expect(o1.paymentMethod).toBe('marketplace');
    expect(o1.createdAt.toISOString()).toBe('2025-03-01T03:15:00.000Z');
    expect(o1.customerName).toBe('สมหญิง ใจดี');
    expect(o1.shippingAddress).toEqual({
      name: 'สมหญิง ใจดี',
      phone: '66812345678',
      address: '99/1 ซอยสุขุมวิท 21, แขวงคลองเตยเหนือ, เขตวัฒนา, กรุงเทพมหานคร',
      postcode: '10110',
    });
    // 2 x ฿1,234.50 + ฿150 + ฿40 shipping, and the buyer paid ฿2,459.00: the voucher is the discount.
    expect(o1.subtotal).toBe(2619_00);
    expect(o1.shippingFee).toBe(40_00);
    expect(o1.total).toBe(2459_00);
    const lines = await linesOf(t.database.db, o1.id);
    expect(lines.map((l) => [l.sku, l.qty, l.unitPrice])).toEqual([
      ['MP-COF', 2, 1234_50],
      ['MP-TEA', 1, 150_00],
    ]);
    const paid = await t.database.db.select().from(payments).where(eq(payments.orderId, o1.id));
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ method: 'marketplace', status: 'confirmed', amount: 2459_00, reference: 'shopee:250301ABCD0001' });
    expect(paid[0]!.confirmedAt!.toISOString()).toBe('2025-03-01T03:15:00.000Z');

    // A lower-case seller SKU matches ours; the address keeps its line break; the phone is normalised.
    const o2 = (await marketplaceOrder('shopee', '250302EFGH0002'))!;
    expect(o2.shippingAddress.address).toBe('12 หมู่ 3 ตำบลสุเทพ\nอำเภอเมืองเชียงใหม่, เชียงใหม่');
    expect(o2.customerPhone).toBe('66897654321');
    expect(o2.total).toBe(1200_00);

    expect(await marketplaceOrder('shopee', '250303IJKL0003')).toBeUndefined();
    expect(await reserved('MP-COF')).toBe(3);
    expect(await reserved('MP-TEA')).toBe(1);
    expect((await t.database.db.select().from(outbox)).length).toBe(outboxBefore);

    const rows = await rowsOf(firstRun);
    expect(rows.map((r) => [r.line, r.status])).toEqual([
      [2, 'created'],
      [3, 'created'],
      [4, 'created'],
      [5, 'skipped'],
      [6, 'unmatched'],
      [7, 'error'],
    ]);
    expect(rows[0]!.ref).toBe(o1.number);

    const result = decodeEntities((await admin.get(`/admin/imports/${firstRun}/progress`)).body);
    expect(result).not.toContain('hx-trigger');
    expect(result).toContain(o1.number);
    expect(result).toContain('TH1234567890A');
    expect(result).toContain('SKU SHP-UNKNOWN-9 is not matched to ours.');
  });

  it('importing the same file again creates nothing: every order is a duplicate', async () => {
    const again = await uploadRun('shopee', 'Order.all.20250301_20250305.csv', await fixture('shopee-orders.csv'));
    const page = await admin.get(`/admin/imports/${again}`);
    expect(count(page.body, 'new')).toBe(0);
    expect(count(page.body, 'duplicate')).toBe(2);
    // Applying anyway (a stale preview) still finds them.
    await t.database.db.update(importRuns).set({ status: 'preview' }).where(eq(importRuns.id, again));
    const before = (await t.database.db.select().from(orders).where(eq(orders.channel, 'shopee'))).length;
    const run = await apply(again);
    expect(run.summary.duplicate).toBe(3);
    expect(run.summary.created ?? 0).toBe(0);
    expect((await t.database.db.select().from(orders).where(eq(orders.channel, 'shopee'))).length).toBe(before);
    expect(await reserved('MP-COF')).toBe(3);
  });

  it('a file holding an order already imported imports only the new one', async () => {
    const runId = await uploadRun('shopee', 'shopee-duplicate.csv', await fixture('shopee-duplicate.csv'));
    const run = await apply(runId);
    expect(run.summary).toMatchObject({ duplicate: 2, created: 1 });
    const o5 = (await marketplaceOrder('shopee', '250305QRST0005'))!;
    expect(o5.customerName).toBe('มะลิ พูลสวัสดิ์');
    expect(o5.total).toBe(450_00);
  });

  it('an unmatched seller SKU is matched to ours on the preview, remembered, and the order imports', async () => {
    const runId = await uploadRun('shopee', 'again.csv', await fixture('shopee-orders.csv'));
    const refused = await admin.post(`/admin/imports/${runId}/skus`, { externalSku: 'SHP-UNKNOWN-9', sku: 'NO-SUCH' });
    expect(refused.statusCode).toBe(400);
    expect(decodeEntities(refused.body)).toContain('We have no SKU NO-SUCH.');

    const saved = await admin.post(`/admin/imports/${runId}/skus`, { externalSku: 'SHP-UNKNOWN-9', sku: 'mp-mug' });
    expect(saved.statusCode).toBe(303);
    const aliases = await t.database.db.select().from(skuAliases).where(eq(skuAliases.channel, 'shopee'));
    expect(aliases).toMatchObject([{ externalSku: 'SHP-UNKNOWN-9', variantId: variants['MP-MUG'] }]);

    const page = await admin.get(`/admin/imports/${runId}`);
    expect(count(page.body, 'new')).toBe(1);
    expect(count(page.body, 'unmatched')).toBe(0);
    await apply(runId);
    const o4 = (await marketplaceOrder('shopee', '250304MNOP0004'))!;
    expect(o4.customerName).toBe('วิภา ศรีสุข');
    expect(o4.total).toBe(380_00);
    expect((await linesOf(t.database.db, o4.id)).map((l) => [l.sku, l.unitPrice])).toEqual([['MP-MUG', 350_00]]);
    expect(await reserved('MP-MUG')).toBe(1);
  });
});

describe('other marketplaces and files', () => {
  it('reads a Lazada workbook (one row per unit) and a TikTok CSV', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('orders');
    ws.addRow(['Order Number', 'Status', 'Created at', 'Seller SKU', 'Item Name', 'Variation', 'Unit Price', 'Paid Price', 'Shipping Fee', 'Customer Name', 'Shipping Name', 'Shipping Phone', 'Shipping Address', 'Shipping Postcode', 'Payment Method', 'Tracking Code']);
    const addr = 'คอนโดลุมพินี ห้อง 1203, ถนนพหลโยธิน, จตุจักร, กรุงเทพฯ';
    ws.addRow(['4012345678', 'pending', '01 Mar 2025 10:00', 'MP-TEA', 'ชาไทย', 'ถุง', 150, 140, 20, 'Pim', 'พิมพ์ชนก สายสุข', '0891234567', addr, '10900', 'COD', 'LEXTH0123456789']);
    ws.addRow(['4012345678', 'pending', '01 Mar 2025 10:00', 'MP-TEA', 'ชาไทย', 'ถุง', 150, 140, 20, 'Pim', 'พิมพ์ชนก สายสุข', '0891234567', addr, '10900', 'COD', 'LEXTH0123456789']);
    ws.addRow(['4012345678', 'pending', '01 Mar 2025 10:00', 'MP-COF', 'กาแฟ', '', '฿1,250.00', '1200', 0, 'Pim', 'พิมพ์ชนก สายสุข', '0891234567', addr, '10900', 'COD', 'LEXTH0123456789']);
    const data = Buffer.from(await wb.xlsx.writeBuffer());
    const lazRun = await uploadRun('lazada', 'lazada.xlsx', data);
    const run = await apply(lazRun);
    expect(run.summary.created).toBe(3);
    const o = (await marketplaceOrder('lazada', '4012345678'))!;
    // Cash on delivery through Lazada: accepted to ship, nothing received yet, said as such.
    expect(o).toMatchObject({ paymentMethod: 'cod', status: 'confirmed' });
    expect(o.createdAt.toISOString()).toBe('2025-03-01T03:00:00.000Z');
    expect(o.customerName).toBe('พิมพ์ชนก สายสุข');
    expect(o.shippingAddress.address).toBe(addr);
    expect(o.shippingFee).toBe(40_00);
    // Lazada's own tracking number is on the order for whoever ships it.
    expect(o.note).toContain('tracking LEXTH0123456789');
    expect(o.total).toBe(140_00 + 140_00 + 1200_00 + 40_00);
    expect((await linesOf(t.database.db, o.id)).map((l) => [l.sku, l.qty])).toEqual([
      ['MP-TEA', 2],
      ['MP-COF', 1],
    ]);

    const tikRun = await uploadRun('tiktok', 'tiktok.csv', await fixture('tiktok-orders.csv'));
    const tik = await apply(tikRun);
    expect(tik.summary).toMatchObject({ created: 1, skipped: 1 });
    const to = (await marketplaceOrder('tiktok', '576912345678901234'))!;
    expect(to.customerName).toBe('กัญญา รักไทย');
    expect(to.customerPhone).toBe('66812223333');
    expect(to.total).toBe(3600_00);
  });

  it('imports a Shopee export downloaded from the Thai Seller Centre (Thai headers, the full column layout) without any mapping', async () => {
    // shopee-orders-thai.xlsx: Shopee's Thai order export, every column in its order (the shipping
    // postcode and the tax-invoice one both named รหัสไปรษณีย์): a two-line order paid by ShopeePay with a
    // seller voucher, a cash-on-delivery order (ชำระเงินปลายทาง) and a cancelled one (ยกเลิกแล้ว).
    expect(await t.database.db.select().from(marketplaceMappings).where(eq(marketplaceMappings.kind, 'shopee'))).toEqual([]);
    const runId = await uploadRun('shopee', 'Order.all.20250315_20250316.xlsx', await fixture('shopee-orders-thai.xlsx'));
    const page = await admin.get(`/admin/imports/${runId}`);
    expect(count(page.body, 'new')).toBe(2);
    expect(count(page.body, 'skipped')).toBe(1);
    expect(count(page.body, 'errors')).toBe(0);
    const run = await apply(runId);
    expect(run.summary).toMatchObject({ created: 3, skipped: 1 });

    const paid = (await marketplaceOrder('shopee', '2503150T8KQ3WB'))!;
    expect(paid).toMatchObject({ status: 'paid', paymentMethod: 'marketplace', customerName: 'กนกวรรณ ศรีสวัสดิ์', customerPhone: '66817778899' });
    expect(paid.createdAt.toISOString()).toBe('2025-03-15T12:42:00.000Z');
    expect(paid.shippingAddress).toMatchObject({ name: 'กนกวรรณ ศรีสวัสดิ์', postcode: '12130' });
    expect(paid.shippingAddress.address).toContain('อำเภอธัญบุรี');
    // 2 × ฿1,234.50 + ฿150 + ฿35 shipping − the ฿50 seller voucher = ฿2,604, what the buyer paid.
    expect(paid.shippingFee).toBe(35_00);
    expect(paid.total).toBe(2604_00);
    expect((await linesOf(t.database.db, paid.id)).map((l) => [l.sku, l.qty, l.unitPrice])).toEqual([
      ['MP-COF', 2, 1234_50],
      ['MP-TEA', 1, 150_00],
    ]);
    expect(paid.note).toContain('SPXTH038842215503');
    const cod = (await marketplaceOrder('shopee', '2503160AB12CDE'))!;
    expect(cod).toMatchObject({ paymentMethod: 'cod', status: 'confirmed', total: 350_00 });
    expect(cod.shippingAddress.postcode).toBe('50200');
    expect(await marketplaceOrder('shopee', '2503160ZZ99YYX')).toBeUndefined();
  });

  it('refuses a file without the marketplace columns, naming them, and a file that is not a spreadsheet', async () => {
    const wrong = await upload(admin, '/admin/imports', { kind: 'shopee' }, { filename: 'orders.csv', data: await fixture('wrong-columns.csv') });
    expect(wrong.statusCode).toBe(400);
    const text = decodeEntities(wrong.body);
    for (const col of ['Order ID', 'SKU Reference No.', 'Receiver Name', 'Phone Number', 'Delivery Address']) expect(text).toContain(`“${col}”`);

    // A Shopee file uploaded as Lazada: wrong marketplace chosen.
    const asLazada = await upload(admin, '/admin/imports', { kind: 'lazada' }, { filename: 'x.csv', data: await fixture('shopee-orders.csv') });
    expect(asLazada.statusCode).toBe(400);
    expect(decodeEntities(asLazada.body)).toContain('“Order Number”');

    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const image = await upload(admin, '/admin/imports', { kind: 'shopee' }, { filename: 'orders.csv', data: png });
    expect(image.statusCode).toBe(400);
    expect(decodeEntities(image.body)).toContain('neither an XLSX workbook nor a CSV');
  });

  it('uses the merchant\'s column mapping for a custom export, and offers the headers of the last upload', async () => {
    const saved = await admin.post('/admin/imports/mapping', {
      kind: 'custom',
      col_externalId: 'เลขที่คำสั่งซื้อ',
      col_sku: 'รหัสสินค้า',
      col_qty: 'จำนวน',
      col_unitPrice: 'ราคา',
      col_recipientName: 'ชื่อผู้รับ',
      col_phone: 'โทร',
      col_address: 'ที่อยู่',
      col_shippingFee: '',
    });
    expect(saved.statusCode).toBe(303);
    const [row] = await t.database.db.select().from(marketplaceMappings).where(eq(marketplaceMappings.kind, 'custom'));
    expect(row!.columns.externalId).toBe('เลขที่คำสั่งซื้อ');

    const csv = '\uFEFFเลขที่คำสั่งซื้อ,รหัสสินค้า,จำนวน,ราคา,ชื่อผู้รับ,โทร,ที่อยู่\r\nFB-1,MP-TEA,2,"1,000",ใจดี มีสุข,081-555-6666,"5 ถนนเพชรบุรี, ราชเทวี"\r\n';
    const runId = await uploadRun('custom', 'facebook.csv', Buffer.from(csv));
    await apply(runId);
    const o = (await marketplaceOrder('api', 'FB-1'))!;
    expect(o.customerName).toBe('ใจดี มีสุข');
    expect(o.total).toBe(2000_00);

    const page = await admin.get('/admin/imports/mapping?kind=custom');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<option value="รหัสสินค้า" selected>');

    const missingRequired = await admin.post('/admin/imports/mapping', { kind: 'custom', col_externalId: '' });
    expect(missingRequired.statusCode).toBe(400);
  });
});

describe('stock and concurrency', () => {
  const order = (externalId: string, sku: string, qty: number): ParsedOrder => ({
    externalId,
    lines: [{ line: 2, externalSku: sku, productName: sku, qty, unitPrice: 100_00 }],
    status: '',
    createdAt: '',
    buyerName: '',
    recipientName: 'ทดสอบ พร้อมกัน',
    phone: '0812223344',
    address: '1 ถนนทดสอบ กรุงเทพฯ',
    postcode: undefined,
    paymentMethod: '',
    trackingNumber: '',
    shippingFee: 0,
    total: qty * 100_00,
  });

  it('an order beyond stock fails alone, in the user\'s language, and reserves nothing', async () => {
    const csv =
      'Order ID,SKU,Quantity,Unit Price,Recipient Name,Phone,Address\r\n' +
      'ST-1,MP-LOW,5,100,คนแรก,0811111111,1 ถนนหนึ่ง กรุงเทพฯ\r\n' +
      'ST-1,MP-TEA,1,100,คนแรก,0811111111,1 ถนนหนึ่ง กรุงเทพฯ\r\n' +
      'ST-2,MP-TEA,1,100,คนที่สอง,0822222222,2 ถนนสอง กรุงเทพฯ\r\n';
    // The custom mapping above was changed: back to the built-in columns first.
    expect((await admin.post('/admin/imports/mapping/reset', { kind: 'custom' })).statusCode).toBe(303);
    const teaBefore = await reserved('MP-TEA');
    const runId = await uploadRun('custom', 'stock.csv', Buffer.from(csv));
    const run = await apply(runId);
    expect(run.summary).toMatchObject({ error: 2, created: 1 });
    expect(await marketplaceOrder('api', 'ST-1')).toBeUndefined();
    expect((await marketplaceOrder('api', 'ST-2'))!.status).toBe('paid');
    expect(await reserved('MP-LOW')).toBe(0);
    expect(await reserved('MP-TEA')).toBe(teaBefore + 1);
    const rows = await rowsOf(runId);
    expect(rows.filter((r) => r.status === 'error').map((r) => r.line)).toEqual([2, 3]);
    const page = decodeEntities((await admin.get(`/admin/imports/${runId}`)).body);
    expect(page).toContain('Not enough stock: MP-LOW 5 > 1');
  });

  it('the same marketplace order imported by four uploads at once is created once', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => importOne(t.database.db, 'tiktok', order('RACE-1', 'MP-TEA', 1), { actor: 'test', currency: 'THB', billing: t.config.shop })),
    );
    const statuses = results.map((r) => r[0]!.status).sort();
    expect(statuses).toEqual(['created', 'duplicate', 'duplicate', 'duplicate']);
    const rows = await t.database.db.select().from(orders).where(and(eq(orders.channel, 'tiktok'), eq(orders.externalId, 'RACE-1')));
    expect(rows).toHaveLength(1);
  });

  it('two uploads of one file applied at the same time create each order once', async () => {
    const csv = 'Order ID,SKU,Quantity,Unit Price,Recipient Name,Phone,Address\r\nTWIN-1,MP-TEA,1,100,แฝด หนึ่ง,0833333333,3 ถนนสาม กรุงเทพฯ\r\nTWIN-2,MP-TEA,1,100,แฝด สอง,0844444444,4 ถนนสี่ กรุงเทพฯ\r\n';
    const a = await uploadRun('custom', 'twin.csv', Buffer.from(csv));
    const b = await uploadRun('custom', 'twin.csv', Buffer.from(csv));
    const [ra, rb] = await Promise.all([admin.post(`/admin/imports/${a}/apply`), admin.post(`/admin/imports/${b}/apply`)]);
    expect([ra.statusCode, rb.statusCode]).toEqual([303, 303]);
    await importsIdle();
    const runs = await t.database.db.select().from(importRuns).where(sql`${importRuns.id} in (${a}, ${b})`);
    expect(runs.reduce((s, r) => s + (r.summary.created ?? 0), 0)).toBe(2);
    expect(runs.reduce((s, r) => s + (r.summary.duplicate ?? 0), 0)).toBe(2);
    const twins = await t.database.db.select().from(orders).where(sql`${orders.externalId} like 'TWIN-%'`);
    expect(twins).toHaveLength(2);
    // Apply twice on the same run: the second click is refused.
    expect((await admin.post(`/admin/imports/${a}/apply`)).statusCode).toBe(409);
  });
});

describe('who may import', () => {
  it('staff may import; packers are refused; an upload without the CSRF token is refused', async () => {
    expect((await staff.get('/admin/imports')).statusCode).toBe(200);
    expect((await staff.get('/admin/imports/mapping')).statusCode).toBe(200);
    expect((await packer.get('/admin/imports')).statusCode).toBe(403);
    expect((await packer.get('/admin/imports/mapping')).statusCode).toBe(403);
    const data = await fixture('tiktok-orders.csv');
    expect((await upload(packer, '/admin/imports', { kind: 'tiktok' }, { filename: 't.csv', data })).statusCode).toBe(403);
    const runsBefore = (await t.database.db.select().from(importRuns)).length;
    expect((await upload(staff, '/admin/imports', { kind: 'tiktok' }, { filename: 't.csv', data }, false)).statusCode).toBe(403);
    expect((await t.database.db.select().from(importRuns)).length).toBe(runsBefore);
    const ok = await upload(staff, '/admin/imports', { kind: 'tiktok' }, { filename: 't.csv', data });
    expect(ok.statusCode).toBe(303);
    const id = runIdOf(ok);
    expect((await staff.post(`/admin/imports/${id}/apply`, {}, { csrf: false })).statusCode).toBe(403);
    expect((await packer.post(`/admin/imports/${id}/apply`)).statusCode).toBe(403);
    const [run] = await t.database.db.select().from(importRuns).where(eq(importRuns.id, id));
    expect(run!.status).toBe('preview');
    // htmx uploads follow HX-Redirect.
    const body = multipart({ kind: 'tiktok' }, { filename: 't.csv', data });
    const hx = await t.app.inject({
      method: 'POST',
      url: '/admin/imports',
      headers: { cookie: staff.cookie, 'content-type': body.type, 'x-csrf-token': staff.csrf, 'hx-request': 'true' },
      payload: body.payload,
    });
    expect(hx.statusCode).toBe(204);
    expect(hx.headers['hx-redirect']).toMatch(/^\/admin\/imports\/\d+$/);
    expect((await staff.get('/admin/imports')).body).toContain('t.csv');
  });
});
