import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, invoices, orders, stockLevels, warehouses } from '#src/db/schema/index.ts';
import { findOrderByNumber } from '#src/modules/orders/index.ts';
import { buildPickingList, parseOrderNumbers, type PickRow } from '#src/modules/printing/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct, makeWarehouse } from '../helpers/factories.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let owner: AdminClient;
let staff: AdminClient;
let packer: AdminClient;

const NAME = 'สมหญิง ใจดี';
const ADDRESS = '99/1 ถนนสุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพฯ';

beforeAll(async () => {
  t = await buildTestApp({ SHOP_NAME: 'ร้านตลาดดี', SHOP_ADDRESS: '1 ถนนพระราม 4 กรุงเทพฯ 10500', SHOP_PHONE: '021234567', SHOP_VAT_REGISTERED: 'true', SHOP_TAX_ID: '0105556123456' });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
  const db = t.database.db;
  await makeWarehouse(db, { code: 'BKK', priority: 10 });
  await makeWarehouse(db, { code: 'CNX', priority: 1 });
  // In BKK the SKUs sort one way and the bins the other: the list must follow the bins.
  await makeProduct(db, { sku: 'PR-A', nameTh: 'กาแฟคั่วกลาง', price: 25_000, stock: { BKK: 100 } });
  await makeProduct(db, { sku: 'PR-B', nameTh: 'ชาไทย', price: 12_000, stock: { BKK: 100 } });
  await makeProduct(db, { sku: 'PR-C', nameTh: 'น้ำผึ้งป่า', price: 30_000, stock: { BKK: 100 } });
  await makeProduct(db, { sku: 'PR-N', nameTh: 'ถั่วอบ', price: 5_000, stock: { CNX: 100 } });
  await setBin('PR-A', 'BKK', 'C-03');
  await setBin('PR-B', 'BKK', 'A-01');
  // PR-C has no bin: it comes last in its warehouse.
  await setBin('PR-N', 'CNX', 'Z-9');
});
afterAll(() => t?.close());

async function setBin(sku: string, code: string, bin: string) {
  const db = t.database.db;
  const [w] = await db.select().from(warehouses).where(eq(warehouses.code, code));
  const variant = await db.query.productVariants.findFirst({ where: (v, { eq: e }) => e(v.sku, sku) });
  await db.update(stockLevels).set({ bin }).where(and(eq(stockLevels.warehouseId, w!.id), eq(stockLevels.variantId, variant!.id)));
}

const bearer = () => ({ authorization: `Bearer ${t.config.apiToken}` });

/** An API order with several lines for the Thai test customer, moved along to `to`. */
async function order(lines: { sku: string; qty: number }[], opts: { paymentMethod?: string; path?: string[]; address?: string } = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: bearer(),
    payload: {
      channel: 'api',
      customer: { name: NAME, phone: '081-234-5678' },
      lines,
      shippingAddress: { name: NAME, phone: '0812345678', address: opts.address ?? ADDRESS, postcode: '10110' },
      paymentMethod: opts.paymentMethod ?? 'promptpay',
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const number = res.json().number as string;
  for (const to of opts.path ?? []) {
    const moved = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${number}/transitions`, headers: bearer(), payload: { to } });
    expect(moved.statusCode, moved.body).toBe(200);
  }
  return number;
}

const text = (html: string) => decodeEntities(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

describe('the picking list', () => {
  it('groups what to pick by warehouse, in bin order, with the total per SKU and the orders that need it', async () => {
    const first = await order([{ sku: 'PR-A', qty: 2 }, { sku: 'PR-N', qty: 1 }, { sku: 'PR-C', qty: 1 }], { path: ['paid', 'confirmed'] });
    const second = await order([{ sku: 'PR-A', qty: 3 }, { sku: 'PR-B', qty: 4 }], { path: ['paid', 'confirmed'] });
    const res = await packer.get(`/admin/print/picking?orders=${first},${second}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const html = res.body;
    // Preferred warehouse first, each with its own rows.
    const bkk = html.indexOf('data-warehouse="BKK"');
    const cnx = html.indexOf('data-warehouse="CNX"');
    expect(bkk).toBeGreaterThan(0);
    expect(cnx).toBeGreaterThan(bkk);
    const skusIn = (part: string) => [...part.matchAll(/data-sku="([^"]+)"/g)].map((m) => m[1]);
    expect(skusIn(html.slice(bkk, cnx))).toEqual(['PR-B', 'PR-A', 'PR-C']);
    expect(skusIn(html.slice(cnx))).toEqual(['PR-N']);
    const rowOf = (sku: string) => text(new RegExp(`<tr class="keep" data-sku="${sku}">[\\s\\S]*?</tr>`).exec(html)![0]);
    expect(rowOf('PR-A')).toContain('C-03');
    expect(rowOf('PR-A')).toMatch(/ 5 /);
    expect(rowOf('PR-A')).toContain(`${first} ×2`);
    expect(rowOf('PR-A')).toContain(`${second} ×3`);
    expect(rowOf('PR-B')).toContain('A-01');
    expect(rowOf('PR-N')).toContain('Z-9');
    expect(html).toContain('class="box"');
    expect(html).toContain('กาแฟคั่วกลาง');
  });

  it('lists units no warehouse has reserved apart, after the warehouses, and sorts bins naturally', () => {
    const row = (sku: string, bin: string | null, code: string | null, qty = 1): PickRow => ({
      warehouse: code ? { code, name: code, priority: 0 } : null,
      sku,
      name: sku,
      bin,
      orderNumber: 'TL-1',
      qty,
    });
    const groups = buildPickingList([row('X', null, null), row('B', 'A-10', 'W1'), row('A', 'A-9', 'W1'), row('A', 'A-9', 'W1', 2)]);
    expect(groups.map((g) => g.warehouse?.code ?? null)).toEqual(['W1', null]);
    expect(groups[0]!.items.map((i) => [i.sku, i.total, i.orders])).toEqual([
      ['A', 3, [{ number: 'TL-1', qty: 3 }]],
      ['B', 1, [{ number: 'TL-1', qty: 1 }]],
    ]);
  });
});

describe('the packing slip', () => {
  it('shows the shop, the order number with its QR, the Thai customer and address, the lines and the note, and no prices', async () => {
    const number = await order([{ sku: 'PR-A', qty: 2 }], { path: ['paid', 'confirmed'] });
    const res = await packer.get(`/admin/print/packing?orders=${number}`);
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    expect(page).toContain(NAME);
    expect(page).toContain(`${ADDRESS} 10110`);
    expect(page).toContain('081-234-5678');
    expect(page).toContain(number);
    expect(page).toContain('ร้านตลาดดี');
    expect(page).toContain('กาแฟคั่วกลาง');
    expect(res.body).toMatch(/<div class="qr"><svg[^>]*viewBox/);
    expect(page).not.toMatch(/฿|250\.00/);
    // Self-contained: inline CSS allowed by a nonce, nothing from outside.
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'; img-src data:; style-src 'nonce-[^']+'/);
    expect(res.body).not.toMatch(/(src|href)="https?:/);
    expect(res.body).toContain('@media print');
  });

  it('prints the postcode once when the typed address already ends with it, on the packing slip, receipt and order page', async () => {
    const number = await order([{ sku: 'PR-A', qty: 1 }], { path: ['paid', 'confirmed'], address: `${ADDRESS} 10110` });
    for (const url of [`/admin/print/packing?orders=${number}`, `/admin/print/invoices?orders=${number}`, `/admin/orders/${number}`]) {
      const page = text((await owner.get(url)).body);
      expect(page, url).toContain(`${ADDRESS} 10110`);
      expect(page, url).not.toContain('10110 10110');
    }
  });

  it('carries the shop logo inside the page, once, and none when the logo file is not an image', async () => {
    const number = await order([{ sku: 'PR-A', qty: 1 }]);
    const dir = path.join(t.config.dataDir, 'media', 'shop');
    await mkdir(dir, { recursive: true });
    const logo = `media/shop/logo-print-${process.pid}.png`;
    await writeFile(path.join(t.config.dataDir, logo), await sharp({ create: { width: 40, height: 20, channels: 3, background: '#0f766e' } }).png().toBuffer());
    const fake = `media/shop/logo-fake-${process.pid}.png`;
    await writeFile(path.join(t.config.dataDir, fake), 'not an image at all');
    try {
      t.config.shop.logoPath = logo;
      const res = await staff.get(`/admin/print/packing?orders=${number}`);
      expect(res.body.match(/url\("data:image\/png;base64,/g)).toHaveLength(1);
      expect(res.body).toContain('<div class="shop-logo" role="img"');
      t.config.shop.logoPath = fake;
      expect((await staff.get(`/admin/print/packing?orders=${number}`)).body).not.toContain('shop-logo');
    } finally {
      t.config.shop.logoPath = undefined;
    }
  });
});

describe('the shipping label', () => {
  it('is 100x150 mm with sender, receiver, a Code 128 barcode and QR of the order number, and COD in big type', async () => {
    const number = await order([{ sku: 'PR-B', qty: 1 }], { paymentMethod: 'cod', path: ['confirmed'] });
    const res = await packer.get(`/admin/print/labels?order=${number}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('size: 100mm 150mm');
    const page = text(res.body);
    expect(page).toContain(NAME);
    expect(page).toContain(ADDRESS);
    expect(page).toContain('10110');
    expect(page).toContain('081-234-5678');
    expect(page).toContain('ร้านตลาดดี');
    expect(page).toContain('02-123-4567');
    expect(page).toContain('COD / เก็บเงินปลายทาง');
    expect(/data-cod>([^<]+)</.exec(res.body)![1]).toContain('120.00');
    expect(res.body).toMatch(/<div class="barcode"><svg viewBox/);
    expect(res.body).toMatch(/<div class="qr"><svg/);
  });

  it('says PAID for a prepaid order and shows the carrier and tracking number once shipped', async () => {
    const number = await order([{ sku: 'PR-B', qty: 1 }], { path: ['paid', 'confirmed', 'packed'] });
    const shipped = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${number}/shipments`, headers: bearer(), payload: { carrier: 'kerry', trackingNumber: 'KEX0000123' } });
    expect(shipped.statusCode, shipped.body).toBe(201);
    // Shipped, it is no longer a packer's (issue 23): staff reprint its label.
    expect((await packer.get(`/admin/print/labels?orders=${number}`)).statusCode).toBe(404);
    const page = text((await staff.get(`/admin/print/labels?orders=${number}`)).body);
    expect(page).toContain('PAID / ชำระแล้ว');
    expect(page).not.toContain('COD');
    expect(page).toContain('Kerry Express KEX0000123');
  });

  it('prints many orders in one document, one label each', async () => {
    const a = await order([{ sku: 'PR-B', qty: 1 }], { path: ['paid', 'confirmed'] });
    const b = await order([{ sku: 'PR-B', qty: 1 }], { path: ['paid', 'confirmed'] });
    const res = await packer.get(`/admin/print/labels?order=${a}&order=${b}`);
    expect([...res.body.matchAll(/<section class="sheet label" data-order="([^"]+)"/g)].map((m) => m[1])).toEqual([a, b]);
  });
});

describe('the receipt / tax invoice', () => {
  it('issues a numbered tax invoice with the VAT inside the total, and shows the buyer tax id when the order has one', async () => {
    const number = await order([{ sku: 'PR-A', qty: 2 }, { sku: 'PR-B', qty: 1 }], { path: ['paid'] });
    // A company buyer's tax id travels in the shipping address (imports and the desk may set it).
    const placed = (await findOrderByNumber(t.database.db, number))!;
    await t.database.db.update(orders).set({ shippingAddress: { ...placed.shippingAddress, taxId: '1234567890123' } as typeof placed.shippingAddress }).where(eq(orders.id, placed.id));
    const res = await staff.get(`/admin/print/invoices?orders=${number}`);
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    const page = text(res.body);
    expect(page).toContain('ใบเสร็จรับเงิน/ใบกำกับภาษี (Receipt/Tax invoice)');
    expect(page).toContain(NAME);
    expect(page).toContain(ADDRESS);
    expect(page).toContain('1234567890123');
    expect(page).toContain('0105556123456');
    const order_ = (await findOrderByNumber(t.database.db, number))!;
    const [invoice] = await t.database.db.select().from(invoices).where(eq(invoices.orderId, order_.id));
    expect(invoice!.number).toMatch(/^INV\d{4}-\d{6}$/);
    expect(res.body).toContain(`data-invoice="${invoice!.number}"`);
    // 620 baht including VAT: VAT = round(62000 * 7 / 107) = 4056 satang.
    expect(order_.total).toBe(62_000);
    expect(invoice!.vat).toBe(4_056);
    expect(/data-vat>([^<]+)</.exec(res.body)![1]).toContain('40.56');
    expect(/data-net>([^<]+)</.exec(res.body)![1]).toContain('579.44');
    expect(/data-total>([^<]+)</.exec(res.body)![1]).toContain('620.00');
    // The number was taken when the payment was confirmed; printing only shows it (no second issue).
    const audit = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.orderNumber, number));
    expect(audit.filter((a) => a.action === 'invoice.issued')).toEqual([]);
  });

  it('is a plain receipt without VAT lines when the shop is not VAT-registered, with a blank buyer tax id', async () => {
    const number = await order([{ sku: 'PR-B', qty: 1 }], { path: ['paid'] });
    t.config.shop.vatRegistered = false;
    try {
      const res = await owner.get(`/admin/print/invoices?orders=${number}`);
      expect(res.statusCode).toBe(200);
      const page = text(res.body);
      expect(page).toContain('ใบเสร็จรับเงิน (Receipt)');
      expect(page).not.toContain('ใบกำกับภาษี (Receipt/Tax invoice)');
      expect(res.body).not.toContain('data-vat');
      expect(res.body).toContain('class="blank"');
    } finally {
      t.config.shop.vatRegistered = true;
    }
  });

  it('is refused for an unpaid order and for a COD order not yet delivered, and no number is taken', async () => {
    const unpaid = await order([{ sku: 'PR-B', qty: 1 }]);
    const cod = await order([{ sku: 'PR-B', qty: 1 }], { paymentMethod: 'cod', path: ['confirmed'] });
    for (const number of [unpaid, cod]) {
      const res = await staff.get(`/admin/print/invoices?orders=${number}`);
      expect(res.statusCode).toBe(409);
      expect(text(res.body)).toContain(`A receipt is printed only for a paid order (a cash-on-delivery order once it is delivered). Not yet: ${number}`);
      const o = (await findOrderByNumber(t.database.db, number))!;
      expect(await t.database.db.select().from(invoices).where(eq(invoices.orderId, o.id))).toEqual([]);
    }
  });
});

describe('who may print, and bad selections', () => {
  it('lets a packer print picking lists, packing slips and labels but not receipts', async () => {
    const number = await order([{ sku: 'PR-B', qty: 1 }], { path: ['paid', 'confirmed'] });
    for (const kind of ['picking', 'packing', 'labels']) {
      expect((await packer.get(`/admin/print/${kind}?orders=${number}`)).statusCode, kind).toBe(200);
    }
    const o = (await findOrderByNumber(t.database.db, number))!;
    const before = await t.database.db.select().from(invoices).where(eq(invoices.orderId, o.id));
    const refused = await packer.get(`/admin/print/invoices?orders=${number}`);
    expect(refused.statusCode).toBe(403);
    expect(await t.database.db.select().from(invoices).where(eq(invoices.orderId, o.id))).toEqual(before);
    expect((await staff.get(`/admin/print/invoices?orders=${number}`)).statusCode).toBe(200);
  });

  it('names unknown order numbers with a 404, says an empty selection is empty with a 400, and asks which orders without one', async () => {
    const number = await order([{ sku: 'PR-B', qty: 1 }]);
    const unknown = await staff.get(`/admin/print/packing?orders=${number},TL-99999999,<b>`);
    expect(unknown.statusCode).toBe(404);
    expect(text(unknown.body)).toContain('These orders do not exist: <B>, TL-99999999');
    expect(unknown.body).not.toContain('<B>,');

    const empty = await staff.get('/admin/print/labels?orders=%20,%20');
    expect(empty.statusCode).toBe(400);
    expect(text(empty.body)).toContain('No order was chosen');

    const tooMany = await staff.get(`/admin/print/labels?orders=${Array.from({ length: 201 }, (_, i) => `TL-${i + 1}`).join(',')}`);
    expect(tooMany.statusCode).toBe(400);
    expect(text(tooMany.body)).toContain('At most 200 orders fit in one document; 201 were chosen.');

    const chooser = await staff.get('/admin/print/picking');
    expect(chooser.statusCode).toBe(200);
    expect(chooser.body).toContain('name="orders"');
  });

  it('takes the orders ticked in the order list to the document, and refuses that form without its CSRF token', async () => {
    const list = await staff.get('/admin/orders');
    expect(list.body).toContain('formaction="/admin/print/bulk"');
    const a = await order([{ sku: 'PR-B', qty: 1 }]);
    const b = await order([{ sku: 'PR-B', qty: 1 }]);
    const res = await packer.post('/admin/print/bulk', { doc: 'labels', numbers: [a, b] });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/print/labels?orders=${encodeURIComponent(`${a},${b}`)}`);
    const forged = await packer.post('/admin/print/bulk', { doc: 'labels', numbers: [a] }, { csrf: false });
    expect(forged.statusCode).toBe(403);
  });

  it('links the documents from the order page, the receipt only once the order is paid', async () => {
    const number = await makeApiOrder(t.app, 'PR-B', { status: 'confirmed' });
    const page = await staff.get(`/admin/orders/${number}`);
    expect(page.body).toContain(`href="/admin/print/packing?orders=${number}"`);
    expect(page.body).toContain(`href="/admin/print/labels?orders=${number}"`);
    expect(page.body).toContain(`href="/admin/print/invoices?orders=${number}"`);
    const unpaid = await makeApiOrder(t.app, 'PR-B');
    expect((await staff.get(`/admin/orders/${unpaid}`)).body).not.toContain('/admin/print/invoices');
    expect((await packer.get(`/admin/orders/${number}`)).body).not.toContain('/admin/print/invoices');
  });

  it('reads order numbers however they are typed', () => {
    expect(parseOrderNumbers(['tl-10001, TL-10002\nTL-10001', ' TL-10003 '])).toEqual(['TL-10001', 'TL-10002', 'TL-10003']);
  });
});
