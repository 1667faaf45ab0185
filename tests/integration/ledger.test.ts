// The money pages: refunds due and paying them, the payments ledger, daily reconciliation, the
// accountant's export (which must add up to the satang) and who may see any of it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, orderHistory, orders, refunds } from '#src/db/schema/index.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { parse } from 'csv-parse/sync';

let t: TestApp;
let owner: AdminClient;
let admin: AdminClient;
let staff: AdminClient;
let packer: AdminClient;
const api = () => ({ authorization: `Bearer ${t.config.apiToken}` });

beforeAll(async () => {
  t = await buildTestApp({ SHOP_VAT_REGISTERED: 'true', DATA_DIR: `/tmp/talad-ledger-${process.pid}` });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  admin = await signIn(t.app, (await makeUser(t.database.db, 'admin')).email);
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
  await makeProduct(t.database.db, { sku: 'LED-1', price: 10_700, stock: { MAIN: 500 } });
  await makeProduct(t.database.db, { sku: 'LED-2', price: 25_050, stock: { MAIN: 500 } });
});
afterAll(() => t?.close());

async function move(number: string, to: string, note?: string) {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${number}/transitions`, headers: api(), payload: { to, note } });
  expect(res.statusCode, res.body).toBe(200);
}

async function orderRow(number: string) {
  const [o] = await t.database.db.select().from(orders).where(eq(orders.number, number));
  return o!;
}

function multipart(fields: Record<string, string>, file?: { name: string; filename: string; type: string; data: Buffer }) {
  const boundary = `----talad${Date.now()}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    parts.push(file.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function postMultipart(client: AdminClient, url: string, fields: Record<string, string>, file?: Parameters<typeof multipart>[1], csrf: string | false = client.csrf) {
  const body = multipart(fields, file);
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie: client.cookie, 'content-type': body.contentType, 'hx-request': 'true', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    payload: body.payload,
  });
}

describe('refunds due', () => {
  it('lists a cancelled paid order, pays it once with a slip checked by content, and drops it from the list', async () => {
    const number = await makeApiOrder(t.app, 'LED-1', { status: 'paid', qty: 2 });
    await move(number, 'cancelled', 'customer changed their mind');
    const order = await orderRow(number);
    const [refund] = await t.database.db.select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(refund).toMatchObject({ status: 'due', amount: 21_400 });

    const page = await admin.get('/admin/finance');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`data-refund="${refund!.id}"`);
    expect(decodeEntities(page.body)).toContain('customer changed their mind');

    // A text file named .png is refused by its content; nothing is paid.
    const fake = await postMultipart(admin, `/admin/finance/refunds/${refund!.id}/pay`, { method: 'transfer', reference: 'KB-1' }, { name: 'slip', filename: 'slip.png', type: 'image/png', data: Buffer.from('not an image at all') });
    expect(fake.statusCode).toBe(200);
    expect(decodeEntities(fake.body)).toContain('The slip must be a JPEG, PNG or WebP image.');
    expect((await t.database.db.select().from(refunds).where(eq(refunds.id, refund!.id)))[0]!.status).toBe('due');

    const png = await sharp({ create: { width: 40, height: 60, channels: 3, background: '#3a7' } }).png().toBuffer();
    const paid = await postMultipart(admin, `/admin/finance/refunds/${refund!.id}/pay`, { method: 'transfer', reference: 'KB-REFUND-1' }, { name: 'slip', filename: 'x.bin', type: 'application/octet-stream', data: png });
    expect(paid.statusCode).toBe(204);
    expect(paid.headers['hx-redirect']).toBe('/admin/finance?done=ledger.refundPaid');
    const [after] = await t.database.db.select().from(refunds).where(eq(refunds.id, refund!.id));
    expect(after).toMatchObject({ status: 'paid', method: 'transfer', reference: 'KB-REFUND-1' });
    expect(after!.paidAt).toBeInstanceOf(Date);
    expect(after!.slipPath).toMatch(/^refund-slips\/.+\.png$/);
    expect(existsSync(path.join(t.config.dataDir, after!.slipPath!))).toBe(true);

    // The slip is there for finance roles only.
    const slip = await admin.get(`/admin/finance/refunds/${refund!.id}/slip`);
    expect(slip.statusCode).toBe(200);
    expect(slip.headers['content-type']).toBe('image/png');
    expect((await staff.get(`/admin/finance/refunds/${refund!.id}/slip`)).statusCode).toBe(403);

    // A second submit pays nothing more.
    const twice = await admin.post(`/admin/finance/refunds/${refund!.id}/pay`, { method: 'cash' });
    expect(twice.statusCode).toBe(303);
    expect(twice.headers.location).toBe('/admin/finance?done=ledger.refundAlreadyPaid');
    const [still] = await t.database.db.select().from(refunds).where(eq(refunds.id, refund!.id));
    expect(still).toMatchObject({ status: 'paid', method: 'transfer', reference: 'KB-REFUND-1', paidAt: after!.paidAt });

    const notes = await t.database.db.select().from(orderHistory).where(and(eq(orderHistory.orderId, order.id), sql`${orderHistory.note} like 'refund paid%'`));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.note).toBe('refund paid: 214.00 THB by transfer KB-REFUND-1');
    const audit = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.action, 'refund.paid'));
    expect(audit.map((a) => a.target)).toEqual([`refund:${refund!.id}`]);

    const list = await admin.get('/admin/finance');
    expect(list.body).not.toContain(`data-refund="${refund!.id}"`);
  });

  it('refuses a bad method with a field error and pays nothing', async () => {
    const number = await makeApiOrder(t.app, 'LED-1', { status: 'paid' });
    await move(number, 'cancelled');
    const [refund] = await t.database.db.select().from(refunds).where(eq(refunds.orderId, (await orderRow(number)).id));
    const bad = await owner.post(`/admin/finance/refunds/${refund!.id}/pay`, { method: 'bitcoin' });
    expect(bad.statusCode).toBe(400);
    expect((await t.database.db.select().from(refunds).where(eq(refunds.id, refund!.id)))[0]!.status).toBe('due');
    const csrf = await owner.post(`/admin/finance/refunds/${refund!.id}/pay`, { method: 'cash' }, { csrf: false });
    expect(csrf.statusCode).toBe(403);
    expect((await t.database.db.select().from(refunds).where(eq(refunds.id, refund!.id)))[0]!.status).toBe('due');
  });
});

describe('the ledger, the reconciliation and the accounting export', () => {
  it('add up to the satang against orders made here: one cancelled and refunded, one partly refunded', async () => {
    const today = localDate(new Date(), 'Asia/Bangkok');
    const a = await makeApiOrder(t.app, 'LED-1', { status: 'paid', qty: 3 });
    const b = await makeApiOrder(t.app, 'LED-2', { status: 'paid' });
    const c = await makeApiOrder(t.app, 'LED-2', { paymentMethod: 'cod', qty: 2 });
    const unpaid = await makeApiOrder(t.app, 'LED-1', { paymentMethod: 'transfer' });
    const cancelled = await makeApiOrder(t.app, 'LED-1', { status: 'paid' });
    await move(cancelled, 'cancelled', 'out of stock at the warehouse');
    // Part of b goes back to the customer (a refunds row, as a return would write).
    const bRow = await orderRow(b);
    const [partial] = await t.database.db.insert(refunds).values({ orderId: bRow.id, amount: 5_025, currency: 'THB', reason: 'one item damaged', actor: 'test' }).returning();
    for (const r of await t.database.db.select().from(refunds).where(eq(refunds.status, 'due'))) {
      expect((await owner.post(`/admin/finance/refunds/${r.id}/pay`, { method: 'promptpay', reference: `R-${r.id}` })).statusCode).toBe(303);
    }

    // Independently from the database: the day's orders (not cancelled) and the refunds paid today for them.
    const { rows: [truth] } = await t.database.db.execute<{ orders: string; refunds: string; all_refunds: string }>(sql`
      select (select sum(total) from orders where status <> 'cancelled') as orders,
             (select sum(r.amount) from refunds r join orders o on o.id = r.order_id where r.status = 'paid' and o.status <> 'cancelled') as refunds,
             (select sum(amount) from refunds where status = 'paid') as all_refunds`);
    const ordersTotal = Number(truth!.orders);
    const refundsTotal = Number(truth!.refunds);
    expect(refundsTotal).toBe(5_025);

    const res = await owner.get(`/admin/finance/export.csv?from=${today}&to=${today}&kind=all`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows: string[][] = parse(res.body.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true });
    const summary = rows.at(-1)!;
    const satang = (s: string) => Math.round(Number(s) * 100);
    expect(summary[0]).toBe('summary');
    expect(satang(summary[3]!)).toBe(ordersTotal);
    expect(satang(summary[5]!)).toBe(refundsTotal);
    expect(satang(summary[7]!)).toBe(ordersTotal - refundsTotal);

    // The order rows themselves sum to the same figure, the cancelled order is not among them, and VAT is inside each total.
    const header = rows.findIndex((r) => r[0] === 'number');
    const orderRows = rows.slice(header + 1, rows.findIndex((r, i) => i > header && r[0]!.startsWith('#')));
    const col = (name: string) => rows[header]!.indexOf(name);
    expect(orderRows.map((r) => r[0]).sort()).toEqual([a, b, c, unpaid].sort());
    expect(orderRows.reduce((n, r) => n + satang(r[col('total')]!), 0)).toBe(ordersTotal);
    for (const r of orderRows) {
      expect(satang(r[col('net_excluding_vat')]!) + satang(r[col('vat_7')]!)).toBe(satang(r[col('total')]!));
      expect(satang(r[col('vat_7')]!)).toBe(Math.round((satang(r[col('total')]!) * 7) / 107));
    }
    // Paid orders carry their invoice number.
    const aRow = orderRows.find((r) => r[0] === a)!;
    expect(aRow[col('invoice_number')]).toMatch(/^INV\d{4}-\d{6}$/);
    expect(orderRows.find((r) => r[0] === unpaid)![col('invoice_number')]).toBe('');
    // The refunds section holds the partial refund as a negative amount.
    const refundIdx = rows.findIndex((r) => r[0] === '# refunds');
    expect(rows[refundIdx + 2]!.slice(0, 1).concat(rows[refundIdx + 2]!.slice(-1))).toEqual([b, '-50.25']);

    // One kind alone: the lines of the day's orders.
    const lines = await owner.get(`/admin/finance/export.csv?from=${today}&to=${today}&kind=lines`);
    const lineRows: string[][] = parse(lines.body.replace(/^\uFEFF/, ''), { relax_column_count: true });
    expect(lineRows[0]).toEqual(['order_number', 'sku', 'name', 'qty', 'unit_price', 'line_total']);
    expect(lineRows.filter((r) => r[1] === 'LED-2').map((r) => r[3]).sort()).toEqual(['1', '2']);

    // The ledger: payments of a and b and the cancelled order in, refunds out.
    const ledger = await owner.get(`/admin/finance/ledger?from=${today}&to=${today}`);
    expect(ledger.statusCode).toBe(200);
    expect(ledger.body).toContain(`data-entry="${a}:payment:32100"`);
    expect(ledger.body).toContain(`data-entry="${b}:refund:-5025"`);
    expect(ledger.body).toContain(`data-entry="${cancelled}:refund:-10700"`);
    const { rows: [paidIn] } = await t.database.db.execute<{ s: string }>(sql`select sum(amount) as s from payments where status = 'confirmed'`);
    const net = Number(paidIn!.s) - Number(truth!.all_refunds);
    const ledgerCsv = await owner.get(`/admin/finance/ledger.csv?from=${today}&to=${today}`);
    const ledgerRows: string[][] = parse(ledgerCsv.body.replace(/^\uFEFF/, ''));
    expect(satang(ledgerRows.at(-1)![6]!)).toBe(net);
    const onlyPromptpay = await owner.get(`/admin/finance/ledger.csv?method=promptpay`);
    const ppRows: string[][] = parse(onlyPromptpay.body.replace(/^\uFEFF/, ''));
    expect(ppRows.slice(1, -1).every((r) => r[4] === 'promptpay')).toBe(true);

    // Reconciliation: expected per method from the day's orders, received from today's payments.
    const rec = await owner.get(`/admin/finance/reconciliation?day=${today}`);
    expect(rec.statusCode).toBe(200);
    const figure = (method: string, what: string) => Number(new RegExp(`data-method="${method}"[^>]*data-${what}="(-?\\d+)"`).exec(rec.body)?.[1]);
    const { rows: exp } = await t.database.db.execute<{ m: string; s: string }>(sql`select payment_method as m, sum(total) as s from orders where status <> 'cancelled' group by 1`);
    const { rows: got } = await t.database.db.execute<{ m: string; s: string }>(sql`select method as m, sum(amount) as s from payments where status = 'confirmed' group by 1`);
    for (const m of ['promptpay', 'transfer', 'cod']) {
      const e = Number(exp.find((r) => r.m === m)?.s ?? 0);
      const g = Number(got.find((r) => r.m === m)?.s ?? 0);
      expect(figure(m, 'expected')).toBe(e);
      expect(figure(m, 'received')).toBe(g);
      expect(figure(m, 'difference')).toBe(g - e);
    }
    expect(rec.body).toContain(`data-refunds="${Number(truth!.all_refunds)}"`);
    expect(rec.body).toContain(`data-unpaid="${unpaid}"`);
    expect(rec.body).toContain(`data-unpaid="${c}"`);
    expect(rec.body).not.toContain(`data-unpaid="${a}"`);
    expect(rec.body).not.toContain(`data-unpaid="${cancelled}"`);
    expect(partial).toBeDefined();
  });

  it('refuses an export range that is not dates, or ends before it starts, with the reason', async () => {
    const bad = await owner.get('/admin/finance/export.csv?from=2026-05-02&to=2026-05-01');
    expect(bad.statusCode).toBe(400);
    expect(decodeEntities(bad.body)).toContain('วันที่สิ้นสุดอยู่ก่อนวันที่เริ่ม');
    expect((await owner.get('/admin/finance/export.csv?from=yesterday&to=2026-05-01')).statusCode).toBe(400);
  });
});

describe('who may see the money pages', () => {
  const pages = ['/admin/finance', '/admin/finance/ledger', '/admin/finance/ledger.csv', '/admin/finance/reconciliation', '/admin/finance/export', '/admin/finance/export.csv?from=2026-01-01&to=2026-01-02'];
  it('lets owners and admins in and keeps staff and packers out', async () => {
    for (const url of pages) {
      expect((await owner.get(url)).statusCode, url).toBe(200);
      expect((await admin.get(url)).statusCode, url).toBe(200);
      expect((await staff.get(url)).statusCode, url).toBe(403);
      expect((await packer.get(url)).statusCode, url).toBe(403);
    }
    expect((await staff.post('/admin/finance/refunds/1/pay', { method: 'cash' })).statusCode).toBe(403);
    expect((await packer.post('/admin/finance/refunds/1/pay', { method: 'cash' })).statusCode).toBe(403);
  });
});
