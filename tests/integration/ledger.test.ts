// The money pages: refunds due and paying them, the payments ledger, daily reconciliation, the
// accountant's export (which must add up to the satang) and who may see any of it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, orderHistory, orders, refunds } from '#src/db/schema/index.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeCustomer, makeProduct, orderInput } from '../helpers/factories.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
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

    const notes = await t.database.db.select().from(orderHistory).where(and(eq(orderHistory.orderId, order.id), sql`${orderHistory.event}->>'kind' = 'refund.paid'`));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.event).toEqual({ kind: 'refund.paid', params: { amount: 21_400, currency: 'THB', method: 'transfer', reference: 'KB-REFUND-1' } });
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
    const { rows: [truth] } = await t.database.db.execute<{ orders: string; refunds: string; received: string; all_refunds: string }>(sql`
      select (select sum(total) from orders where status <> 'cancelled') as orders,
             (select sum(r.amount) from refunds r join orders o on o.id = r.order_id where r.status = 'paid' and o.status <> 'cancelled') as refunds,
             (select coalesce(sum(amount), 0) from payments where status = 'confirmed') as received,
             (select sum(amount) from refunds where status = 'paid') as all_refunds`);
    const ordersTotal = Number(truth!.orders);
    const refundsTotal = Number(truth!.refunds);
    expect(refundsTotal).toBe(5_025);

    const res = await owner.get(`/admin/finance/export.csv?from=${today}&to=${today}&kind=all`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows: string[][] = parse(res.body.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true });
    // One money row, the money figures' definition: received less refunds paid, today; no second "summary".
    const money = rows.at(-1)!;
    const satang = (s: string) => Math.round(Number(s) * 100);
    expect(money[0]).toBe('money');
    expect(rows.filter((r) => r[0] === 'summary')).toEqual([]);
    expect(satang(money[money.indexOf('received') + 1]!)).toBe(Number(truth!.received));
    expect(satang(money[money.indexOf('refunds_paid') + 1]!)).toBe(Number(truth!.all_refunds));
    expect(satang(money[money.indexOf('net_sales') + 1]!)).toBe(Number(truth!.received) - Number(truth!.all_refunds));

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
    // The refunds section holds every refund paid in the range as a negative amount, the cancelled
    // order's too (its payment is in the payments section), so payments − refunds = net sales.
    const refundIdx = rows.findIndex((r) => r[0] === '# refunds');
    const refundRows = rows.slice(refundIdx + 2, rows.findIndex((r, i) => i > refundIdx && r[0]!.startsWith('#')));
    expect(refundRows.map((r) => [r[0], r.at(-1)])).toEqual(expect.arrayContaining([[b, '-50.25'], [cancelled, expect.stringMatching(/^-\d+\.\d\d$/)]]));
    expect(-refundRows.reduce((n, r) => n + satang(r.at(-1)!), 0)).toBe(Number(truth!.all_refunds));

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

describe('the money pages by channel', () => {
  type Channel = 'line' | 'shopee';
  const made: Record<Channel, { paid: string; cancelled: string; unpaid: string; paidWithRefund: string }> = {} as never;
  let today: string;

  /** An order from a channel, placed as its adapter would, then moved along to `to`. */
  async function channelOrder(channel: Channel, sku: string, qty: number, path: ('paid' | 'cancelled')[]) {
    const customer = await makeCustomer(t.database.db, { name: `ลูกค้า ${channel}` });
    const { order } = await placeOrder(t.database.db, { ...orderInput(customer, [{ sku, qty }]), channel, paymentMethod: 'promptpay' });
    for (const to of path) await transitionOrder(t.database.db, { number: order.number, to, actor: 'test', notify: false, billing: t.config.shop });
    return order.number;
  }

  beforeAll(async () => {
    today = localDate(new Date(), 'Asia/Bangkok');
    for (const [channel, qty] of [['line', 1], ['shopee', 2]] as const) {
      const paid = await channelOrder(channel, 'LED-1', qty, ['paid']);
      const cancelled = await channelOrder(channel, 'LED-2', qty, ['paid', 'cancelled']);
      const unpaid = await channelOrder(channel, 'LED-1', qty + 2, []);
      // A paid order with part of its money given back (a refunds row, as a return would write), paid from the finance page.
      const paidWithRefund = await channelOrder(channel, 'LED-2', 1, ['paid']);
      const [refund] = await t.database.db.insert(refunds).values({ orderId: (await orderRow(paidWithRefund)).id, amount: 1_000 * qty, currency: 'THB', reason: `partial ${channel}`, actor: 'test' }).returning();
      expect((await owner.post(`/admin/finance/refunds/${refund!.id}/pay`, { method: 'transfer', reference: `PART-${channel}` })).statusCode).toBe(303);
      made[channel] = { paid, cancelled, unpaid, paidWithRefund };
    }
  });

  const dueRefundOf = async (number: string) => (await t.database.db.select().from(refunds).where(and(eq(refunds.orderId, (await orderRow(number)).id), eq(refunds.status, 'due'))))[0]!;

  it('lists refunds due of one channel with ?channel=, both without it, shows the channel per row and ignores a channel that is not one', async () => {
    const line = await dueRefundOf(made.line.cancelled);
    const shopee = await dueRefundOf(made.shopee.cancelled);
    const all = await owner.get('/admin/finance');
    expect(all.body).toContain(`data-refund="${line.id}"`);
    expect(all.body).toContain(`data-refund="${shopee.id}"`);
    expect(all.body).toMatch(/<select name="channel">[\s\S]*<option value="shopee"\s*>Shopee<\/option>/);

    const only = await owner.get('/admin/finance?channel=shopee');
    expect(only.statusCode).toBe(200);
    expect(only.body).toContain(`data-refund="${shopee.id}"`);
    expect(only.body).not.toContain(`data-refund="${line.id}"`);
    expect(only.body).toContain('<td data-channel="shopee">Shopee</td>');
    expect(only.body).not.toContain('data-channel="line"');
    expect(only.body).toContain('<option value="shopee" selected>');
    // The pay form comes back to the same list.
    expect(only.body).toContain(`action="/admin/finance/refunds/${shopee.id}/pay?channel=shopee"`);

    const bad = await owner.get('/admin/finance?channel=myspace');
    expect(bad.statusCode).toBe(200);
    expect(bad.body).toContain(`data-refund="${line.id}"`);
    expect(bad.body).toContain(`data-refund="${shopee.id}"`);
  });

  it('pays a refund from a one-channel list and comes back to that list', async () => {
    const number = await channelOrder('shopee', 'LED-1', 1, ['paid', 'cancelled']);
    const refund = await dueRefundOf(number);
    const paid = await owner.post(`/admin/finance/refunds/${refund.id}/pay?channel=shopee`, { method: 'cash' });
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe('/admin/finance?done=ledger.refundPaid&channel=shopee');
  });

  it('keeps the payments ledger and its CSV to one channel with ?channel=, shows both without it, and says when a channel is not one', async () => {
    const entry = (number: string) => new RegExp(`data-entry="${number}:`);
    const all = await owner.get(`/admin/finance/ledger?from=${today}&to=${today}`);
    for (const c of ['line', 'shopee'] as const) {
      expect(all.body).toMatch(entry(made[c].paid));
      expect(all.body).toMatch(entry(made[c].paidWithRefund));
    }
    expect(all.body).toContain('data-channel="line"');
    expect(all.body).toContain('data-channel="shopee"');

    const only = await owner.get(`/admin/finance/ledger?from=${today}&to=${today}&channel=line`);
    expect(only.statusCode).toBe(200);
    expect(only.body).toMatch(entry(made.line.paid));
    expect(only.body).toContain(`data-entry="${made.line.paidWithRefund}:refund:-1000"`);
    expect(only.body).not.toMatch(entry(made.shopee.paid));
    expect(only.body).not.toMatch(entry(made.shopee.paidWithRefund));
    expect(only.body).not.toContain('data-channel="shopee"');
    // Every entry there belongs to a LINE order, and the filter stays in the CSV link.
    const shown = [...only.body.matchAll(/data-entry="([^:]+):/g)].map((m) => m[1]!);
    const channels = await t.database.db.selectDistinct({ channel: orders.channel }).from(orders).where(inArray(orders.number, shown));
    expect(channels).toEqual([{ channel: 'line' }]);
    expect(decodeEntities(only.body)).toContain(`href="/admin/finance/ledger.csv?from=${today}&to=${today}&channel=line"`);

    const csv = await owner.get(`/admin/finance/ledger.csv?from=${today}&to=${today}&channel=shopee`);
    const rows: string[][] = parse(csv.body.replace(/^\uFEFF/, ''));
    expect(rows[0]).toEqual(['date', 'order_number', 'customer', 'kind', 'method', 'reference', 'amount', 'currency', 'channel']);
    const body = rows.slice(1, -1);
    expect(body.map((r) => r[1])).toEqual(expect.arrayContaining([made.shopee.paid, made.shopee.paidWithRefund]));
    expect(body.every((r) => r[8] === 'shopee')).toBe(true);
    const { rows: [net] } = await t.database.db.execute<{ s: string }>(sql`
      select (select coalesce(sum(p.amount), 0) from payments p join orders o on o.id = p.order_id where p.status = 'confirmed' and o.channel = 'shopee')
           - (select coalesce(sum(r.amount), 0) from refunds r join orders o on o.id = r.order_id where r.status = 'paid' and o.channel = 'shopee') as s`);
    expect(Math.round(Number(rows.at(-1)![6]) * 100)).toBe(Number(net!.s));

    const bad = await admin.get(`/admin/finance/ledger?from=${today}&to=${today}&channel=myspace`);
    expect(bad.statusCode).toBe(200);
    expect(decodeEntities(bad.body)).toMatch(/alert-error" role="alert">Channel: /);
    expect(bad.body).toMatch(entry(made.line.paid));
    expect(bad.body).toMatch(entry(made.shopee.paid));
  });

  it('reconciles one channel\'s day with ?channel=: its orders expected, its payments received, its refunds and unpaid orders', async () => {
    const figure = (html: string, method: string, what: string) => Number(new RegExp(`data-method="${method}"[^>]*data-${what}="(-?\\d+)"`).exec(html)?.[1]);
    for (const c of ['line', 'shopee'] as const) {
      const rec = await owner.get(`/admin/finance/reconciliation?day=${today}&channel=${c}`);
      expect(rec.statusCode).toBe(200);
      const { rows: [truth] } = await t.database.db.execute<{ expected: string; received: string; refunded: string }>(sql`
        select (select coalesce(sum(total), 0) from orders where status <> 'cancelled' and payment_method = 'promptpay' and channel = ${c}) as expected,
               (select coalesce(sum(p.amount), 0) from payments p join orders o on o.id = p.order_id where p.status = 'confirmed' and p.method = 'promptpay' and o.channel = ${c}) as received,
               (select coalesce(sum(r.amount), 0) from refunds r join orders o on o.id = r.order_id where r.status = 'paid' and o.channel = ${c}) as refunded`);
      expect(figure(rec.body, 'promptpay', 'expected')).toBe(Number(truth!.expected));
      expect(figure(rec.body, 'promptpay', 'received')).toBe(Number(truth!.received));
      expect(rec.body).toContain(`data-refunds="${Number(truth!.refunded)}"`);
      const other = c === 'line' ? 'shopee' : 'line';
      expect(rec.body).toContain(`data-unpaid="${made[c].unpaid}"`);
      expect(rec.body).not.toContain(`data-unpaid="${made[other].unpaid}"`);
      expect(rec.body).toContain(`<option value="${c}" selected>`);
    }
    const both = await owner.get(`/admin/finance/reconciliation?day=${today}`);
    expect(both.body).toContain(`data-unpaid="${made.line.unpaid}"`);
    expect(both.body).toContain(`data-unpaid="${made.shopee.unpaid}"`);
    // A channel that is not one is said and left out; the day still applies.
    const bad = await admin.get(`/admin/finance/reconciliation?day=${today}&channel=myspace`);
    expect(bad.statusCode).toBe(200);
    expect(decodeEntities(bad.body)).toMatch(/alert-error" role="alert">Channel: /);
    expect(bad.body).toContain(`data-unpaid="${made.shopee.unpaid}"`);
    expect(bad.body).toContain(`data-unpaid="${made.line.unpaid}"`);
  });

  it('exports one channel\'s books with ?channel=, both without it, and refuses a channel that is not one', async () => {
    const sections = (body: string) => {
      const rows: string[][] = parse(body.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true });
      const out: Record<string, string[][]> = {};
      let current = '';
      for (const r of rows) {
        if (r[0]!.startsWith('# ')) current = r[0]!.slice(2);
        else if (r[0] === 'money') out.money = [r];
        else (out[current] ??= []).push(r);
      }
      return out;
    };
    const ours = (numbers: string[]) => numbers.filter((n) => Object.values(made).some((m) => Object.values(m).includes(n)));

    const res = await owner.get(`/admin/finance/export.csv?from=${today}&to=${today}&kind=all&channel=shopee`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain(`accounting-all-${today}-${today}-shopee.csv`);
    const s = sections(res.body);
    const [head, ...orderRows] = s.orders!;
    expect(orderRows.every((r) => r[head!.indexOf('channel')] === 'shopee')).toBe(true);
    expect(orderRows.map((r) => r[0])).toEqual(expect.arrayContaining([made.shopee.paid, made.shopee.unpaid, made.shopee.paidWithRefund]));
    expect(orderRows.map((r) => r[0])).not.toContain(made.line.paid);
    const { rows: shopeeNumbers } = await t.database.db.execute<{ number: string }>(sql`select number from orders where channel = 'shopee'`);
    const isShopee = new Set(shopeeNumbers.map((r) => r.number));
    for (const name of ['lines', 'payments', 'refunds']) expect(s[name]!.slice(1).every((r) => isShopee.has(r[0]!)), name).toBe(true);
    expect(s.payments!.slice(1).map((r) => r[0])).toContain(made.shopee.paid);
    expect(s.refunds!.slice(1).map((r) => r[0])).toContain(made.shopee.paidWithRefund);
    const { rows: [truth] } = await t.database.db.execute<{ received: string; refunds: string }>(sql`
      select (select coalesce(sum(p.amount), 0) from payments p join orders o on o.id = p.order_id where p.status = 'confirmed' and o.channel = 'shopee') as received,
             (select coalesce(sum(r.amount), 0) from refunds r join orders o on o.id = r.order_id where r.status = 'paid' and o.channel = 'shopee') as refunds`);
    const money = s.money![0]!;
    expect(Math.round(Number(money[money.indexOf('received') + 1]) * 100)).toBe(Number(truth!.received));
    expect(Math.round(Number(money[money.indexOf('refunds_paid') + 1]) * 100)).toBe(Number(truth!.refunds));
    expect(-s.refunds!.slice(1).reduce((n, r) => n + Math.round(Number(r.at(-1)) * 100), 0)).toBe(Number(truth!.refunds));
    expect(Math.round(Number(money[money.indexOf('net_sales') + 1]) * 100)).toBe(Number(truth!.received) - Number(truth!.refunds));
    expect(money.slice(-2)).toEqual(['channel', 'shopee']);

    const all = sections((await owner.get(`/admin/finance/export.csv?from=${today}&to=${today}&kind=all`)).body);
    expect(ours(all.orders!.slice(1).map((r) => r[0]!))).toEqual(expect.arrayContaining([made.line.paid, made.line.unpaid, made.shopee.paid, made.shopee.unpaid]));
    expect(all.refunds!.slice(1).map((r) => r[0])).toEqual(expect.arrayContaining([made.line.paidWithRefund, made.shopee.paidWithRefund]));
    expect(all.money![0]).toHaveLength(12);

    const bad = await owner.get(`/admin/finance/export.csv?from=${today}&to=${today}&channel=myspace`);
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('text/html');
    expect(bad.body).toMatch(/<select id="f-channel" name="channel" aria-invalid="true">/);

    const form = await owner.get('/admin/finance/export');
    expect(form.body).toMatch(/<select id="f-channel" name="channel"\s*>[\s\S]*?<option value="line"\s*>LINE<\/option>/);
  });
});
