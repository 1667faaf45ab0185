import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { orders, payments, type Order } from '#src/db/schema/index.ts';
import { recordPayment, recordRefundPaid } from '#src/modules/payments/index.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { parseReportQuery, presetRange, zonedMidnight } from '#admin/queries/reports.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeCustomer, makeProduct, orderInput } from '../helpers/factories.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let owner: AdminClient;
let admin: AdminClient;
const sales: Order[] = [];
let cancelled: Order;
let outside: Order;

async function order(
  customer: { id: number; name: string },
  lines: { sku: string; qty: number }[],
  at: string,
  opts: { channel: 'line' | 'shopee' | 'api'; method: 'promptpay' | 'transfer' | 'cod'; to: 'paid' | 'confirmed' | 'cancelled' | 'pending_payment' },
) {
  const db = t.database.db;
  const { order: placed } = await placeOrder(db, { ...orderInput(customer, lines), channel: opts.channel, paymentMethod: opts.method });
  await db.update(orders).set({ createdAt: new Date(at) }).where(eq(orders.id, placed.id));
  if (opts.to !== 'pending_payment') await transitionOrder(db, { number: placed.number, to: opts.to, actor: 'test', notify: false, billing: t.config.shop });
  // The money came in when the order was placed (net sales count money on the day it moved).
  await db.update(payments).set({ confirmedAt: new Date(at) }).where(eq(payments.orderId, placed.id));
  const [row] = await db.select().from(orders).where(eq(orders.id, placed.id));
  return row!;
}

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.database.db;
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  admin = await signIn(t.app, (await makeUser(db, 'admin')).email);
  await makeProduct(db, { sku: 'REP-TEA', price: 12_000, nameTh: 'ชาไทย', stock: { MAIN: 500 } });
  await makeProduct(db, { sku: 'REP-CAKE', price: 8_550, nameTh: 'เค้กมะพร้าว', stock: { MAIN: 500 } });
  const somchai = await makeCustomer(db, { name: 'สมชาย' });
  const malee = await makeCustomer(db, { name: 'มาลี' });
  // Malee first bought in September: returning in October. Somchai's first order is in October: new.
  outside = await order(malee, [{ sku: 'REP-TEA', qty: 9 }], '2026-09-20T10:00:00+07:00', { channel: 'line', method: 'promptpay', to: 'paid' });
  sales.push(await order(somchai, [{ sku: 'REP-TEA', qty: 2 }], '2026-10-03T23:30:00+07:00', { channel: 'line', method: 'promptpay', to: 'paid' }));
  sales.push(await order(somchai, [{ sku: 'REP-CAKE', qty: 3 }], '2026-10-04T00:30:00+07:00', { channel: 'shopee', method: 'transfer', to: 'paid' }));
  sales.push(await order(malee, [{ sku: 'REP-TEA', qty: 1 }, { sku: 'REP-CAKE', qty: 1 }], '2026-10-15T12:00:00+07:00', { channel: 'api', method: 'cod', to: 'confirmed' }));
  cancelled = await order(malee, [{ sku: 'REP-CAKE', qty: 7 }], '2026-10-16T12:00:00+07:00', { channel: 'line', method: 'promptpay', to: 'cancelled' });
  await order(somchai, [{ sku: 'REP-CAKE', qty: 4 }], '2026-10-17T12:00:00+07:00', { channel: 'line', method: 'promptpay', to: 'pending_payment' });
});
afterAll(() => t?.close());

const october = 'from=2026-10-01&to=2026-10-31';
const satangCells = (html: string, table: string) => {
  const body = new RegExp(`data-table="${table}"[\\s\\S]*?</table>`).exec(html)![0];
  return [...body.matchAll(/data-satang="(-?\d+)"/g)].map((m) => Number(m[1]));
};
const tableSum = (html: string, table: string) => satangCells(html, table).reduce((a, b) => a + b, 0);
function csvRows(body: string) {
  expect(body.startsWith('\uFEFF')).toBe(true);
  return body.slice(1).trim().split('\r\n').map((l) => l.split(','));
}

describe('the reports page', () => {
  it('adds up every table to the net sales of the range: money received, cancelled, unpaid, uncollected and outside orders left out', async () => {
    const res = await owner.get(`/admin/reports?${october}`);
    expect(res.statusCode).toBe(200);
    // The money figures: received = the two prepaid sales, COD to collect = the COD sale, awaiting = the
    // unpaid order; orders = every one placed in October but the cancelled one.
    const money = (name: string) => Number(decodeEntities(new RegExp(`data-stat="${name}">([^<]*)<`).exec(res.body)![1]!).replace(/[^\d.]/g, ''));
    expect(res.body).toContain('data-stat="orders">4<');
    const net = sales[0]!.total + sales[1]!.total;
    expect(Math.round(money('netSales') * 100)).toBe(net);
    expect(Math.round(money('paid') * 100)).toBe(net);
    expect(Math.round(money('codToCollect') * 100)).toBe(sales[2]!.total);
    expect(Math.round(money('awaitingPayment') * 100)).toBe(4 * 8_550);
    expect(res.body).toContain('เงินที่ได้รับ หักเงินที่คืนลูกค้าแล้ว');
    // The COD sale is not collected yet: it is in no table.
    for (const table of ['channels', 'payments', 'period', 'products', 'categories', 'customers', 'top-customers']) expect(tableSum(res.body, table), table).toBe(net);
    // Product lines of the money received: 2 teas and 3 cakes.
    expect(satangCells(res.body, 'products')).toEqual([2 * 12_000, 3 * 8_550].sort((a, b) => b - a));
    // Somchai is new (first order in October); Malee's only October money is her uncollected COD order.
    expect(res.body).toContain('data-stat="new-returning">1 / 0<');
    expect(res.body).toContain('chart.umd.js');
    expect(res.body).toContain('data-report-chart=');
    expect(cancelled.status).toBe('cancelled');
    expect(outside.status).toBe('paid');
  });

  it('adds up every table to net sales to the satang with refunds and partial payments, a refund counted against its order', async () => {
    const db = t.database.db;
    const wanchai = await makeCustomer(db, { name: 'วันชัย ศรีสุข' });
    const kanya = await makeCustomer(db, { name: 'กันยา มีทรัพย์' });
    const at = (s: string) => new Date(`${s}+07:00`);
    // Wanchai: 3 teas and 2 cakes with ฿50 shipping and a ฿7.77 discount, paid in two parts in two weeks,
    // then ฿123.45 refunded (a cake broke) in the third week.
    const { order: big } = await placeOrder(db, { ...orderInput(wanchai, [{ sku: 'REP-TEA', qty: 3 }, { sku: 'REP-CAKE', qty: 2 }]), channel: 'line', shippingFee: 5_000, discount: 777 });
    await db.update(orders).set({ createdAt: at('2026-11-03T09:00:00') }).where(eq(orders.id, big.id));
    await withTransaction(db, async (tx) => {
      await recordPayment(tx, { orderId: big.id, method: 'transfer', amount: 20_001, currency: 'THB', actor: 'test', confirmedAt: at('2026-11-04T10:00:00') });
      await recordPayment(tx, { orderId: big.id, method: 'promptpay', amount: big.total - 20_001, currency: 'THB', actor: 'test', confirmedAt: at('2026-11-11T10:00:00') });
      await recordRefundPaid(tx, { orderId: big.id, amount: 12_345, currency: 'THB', reason: 'เค้กแตก', actor: 'test', method: 'transfer', paidAt: at('2026-11-18T15:00:00') });
    });
    // Kanya: a Shopee cake paid in September, refunded in full in November (a refund of an earlier sale).
    const { order: early } = await placeOrder(db, { ...orderInput(kanya, [{ sku: 'REP-CAKE', qty: 1 }]), channel: 'shopee', paymentMethod: 'transfer' });
    await db.update(orders).set({ createdAt: at('2026-09-25T09:00:00') }).where(eq(orders.id, early.id));
    await withTransaction(db, async (tx) => {
      await recordPayment(tx, { orderId: early.id, method: 'transfer', amount: early.total, currency: 'THB', actor: 'test', confirmedAt: at('2026-09-25T09:05:00') });
      await recordRefundPaid(tx, { orderId: early.id, amount: early.total, currency: 'THB', reason: 'ยกเลิก', actor: 'test', method: 'transfer', paidAt: at('2026-11-02T11:00:00') });
    });
    const net = big.total - 12_345 - early.total;
    expect(net).toBeGreaterThan(0);
    for (const granularity of ['day', 'week', 'month']) {
      const res = await owner.get(`/admin/reports?from=2026-11-01&to=2026-11-30&granularity=${granularity}`);
      expect(Math.round(Number(decodeEntities(/data-stat="netSales">([^<]*)</.exec(res.body)![1]!).replace(/[^\d.-]/g, '')) * 100)).toBe(net);
      for (const table of ['period', 'channels', 'products', 'categories', 'payments', 'customers', 'top-customers']) {
        expect(tableSum(res.body, table), `${table} by ${granularity}`).toBe(net);
      }
    }
    // The refund of Kanya's September sale counts against Shopee and against her, on the day it was paid.
    const channels = csvRows((await admin.get('/admin/reports/channels.csv?from=2026-11-01&to=2026-11-30')).body);
    expect(channels.find((r) => r[0] === 'Shopee')).toEqual(['Shopee', '1', (-early.total / 100).toFixed(2)]);
    expect(channels.find((r) => r[0] === 'LINE')).toEqual(['LINE', '1', ((big.total - 12_345) / 100).toFixed(2)]);
    const days = csvRows((await admin.get('/admin/reports/period.csv?from=2026-11-01&to=2026-11-30')).body).slice(1);
    expect(days.map((r) => [r[0], Math.round(Number(r[2]) * 100)])).toEqual([
      ['2026-11-02', -early.total],
      ['2026-11-04', 20_001],
      ['2026-11-11', big.total - 20_001],
      ['2026-11-18', -12_345],
    ]);
    // By product: the shipping fee is its own row; each payment and the refund shared out over the lines.
    const products = csvRows((await admin.get('/admin/reports/products.csv?from=2026-11-01&to=2026-11-30')).body).slice(1);
    expect(products.map((r) => r[0])).toEqual(['REP-TEA', 'REP-CAKE', '']);
    expect(products[2]![1]).toBe('Shipping fees');
    expect(products.reduce((n, r) => n + Math.round(Number(r[3]) * 100), 0)).toBe(net);
    // The payments table: each payment under its own method, the refunds under their orders' method.
    const methods = csvRows((await admin.get('/admin/reports/payments.csv?from=2026-11-01&to=2026-11-30')).body).slice(1);
    expect(methods.reduce((n, r) => n + Math.round(Number(r[2]) * 100), 0)).toBe(net);
    expect(methods.find((r) => r[0] === 'Bank transfer')![2]).toBe(((20_001 - early.total) / 100).toFixed(2));
    // The summary's orders are those placed in the range; its net sales the headline.
    const [, row] = csvRows((await admin.get('/admin/reports/summary.csv?from=2026-11-01&to=2026-11-30')).body);
    expect(Math.round(Number(row![0]) * 100)).toBe(net);
  });

  it('splits days in the shop time zone and filters by channel', async () => {
    const days = await owner.get(`/admin/reports?${october}&channel=line`);
    expect(days.body).toContain('data-stat="orders">2<');
    expect(satangCells(days.body, 'period')).toEqual([sales[0]!.total]);
    const months = await owner.get(`/admin/reports?${october}&granularity=month`);
    expect(satangCells(months.body, 'period')).toEqual([sales[0]!.total + sales[1]!.total]);
  });

  it('reads its dates in Thai: the range, the period rows and the chart axis; an empty range still has dated days', async () => {
    const thai = await signIn(t.app, (await makeUser(t.database.db, 'admin', { language: 'th' })).email);
    const res = await thai.get(`/admin/reports?${october}&channel=line`);
    expect(res.body).toContain('1 ต.ค. 2569 ถึง 31 ต.ค. 2569');
    expect(res.body).toContain('>3 ต.ค. 2569<'); // 23:30 on 3 October in Bangkok
    expect(res.body).not.toMatch(/>\s*2026-\d\d-\d\d/);
    const chart = JSON.parse(decodeEntities(/data-report-chart="([^"]+)"/.exec(res.body)![1]!)) as { labels: string[]; revenue: number[] };
    expect(chart.labels).toHaveLength(31);
    expect(chart.labels[0]).toBe('1 ต.ค.');
    const months = JSON.parse(decodeEntities(/data-report-chart="([^"]+)"/.exec((await thai.get(`/admin/reports?${october}&granularity=month`)).body)![1]!));
    expect(months.labels).toEqual(['ต.ค. 2569']);
    const empty = await thai.get('/admin/reports?from=2031-01-01&to=2031-01-07');
    const emptyChart = JSON.parse(decodeEntities(/data-report-chart="([^"]+)"/.exec(empty.body)![1]!)) as { labels: string[]; revenue: number[] };
    expect(emptyChart.labels).toEqual(['1 ม.ค.', '2 ม.ค.', '3 ม.ค.', '4 ม.ค.', '5 ม.ค.', '6 ม.ค.', '7 ม.ค.']);
    expect(emptyChart.revenue).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('exports each table as CSV with a BOM whose totals equal the orders they cover', async () => {
    const summary = await admin.get(`/admin/reports/summary.csv?${october}`);
    expect(summary.statusCode).toBe(200);
    expect(summary.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(summary.headers['content-disposition']).toContain('attachment; filename="summary-2026-10-01-2026-10-31.csv"');
    const [header, row] = csvRows(summary.body);
    expect(header!.slice(0, 6)).toEqual(['Net sales', 'Received', 'Refunds paid', 'Awaiting payment', 'COD to collect', 'Orders']);
    expect(Math.round(Number(row![0]) * 100)).toBe(sales[0]!.total + sales[1]!.total);
    expect(row![5]).toBe('4');

    const channels = csvRows((await admin.get(`/admin/reports/channels.csv?${october}`)).body);
    expect(channels[0]).toEqual(['Channel', 'Orders', 'Revenue']);
    expect(channels.slice(1).reduce((n, r) => n + Math.round(Number(r[2]) * 100), 0)).toBe(sales[0]!.total + sales[1]!.total);

    const products = (await owner.get(`/admin/reports/products.csv?${october}`)).body;
    // The owner reads Thai: Thai headers and product names survive in UTF-8.
    expect(products).toContain('ชาไทย');
    expect(products).toContain('สินค้า');
    const shopee = csvRows((await admin.get(`/admin/reports/payments.csv?${october}&channel=shopee`)).body);
    expect(shopee.slice(1)).toEqual([['Bank transfer', '1', (sales[1]!.total / 100).toFixed(2)]]);
    for (const name of ['period', 'categories', 'customers', 'top-customers', 'slow-movers']) {
      const res = await admin.get(`/admin/reports/${name}.csv?${october}`);
      expect(res.statusCode, name).toBe(200);
      expect(res.body.startsWith('\uFEFF'), name).toBe(true);
    }
  });

  it('defaults to the last 30 days and shows a bad date beside its field', async () => {
    const res = await owner.get('/admin/reports?from=not-a-date');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('aria-invalid="true"');
    expect(res.body).toContain('กรุณากรอกวันที่');
  });

  it('is for owners and admins only', async () => {
    const db = t.database.db;
    for (const role of ['staff', 'packer'] as const) {
      const client = await signIn(t.app, (await makeUser(db, role)).email);
      expect((await client.get('/admin/reports')).statusCode, role).toBe(403);
      expect((await client.get('/admin/reports/summary.csv')).statusCode, role).toBe(403);
    }
    expect((await admin.get('/admin/reports')).statusCode).toBe(200);
  });
});

describe('report date ranges', () => {
  it('compute presets in the shop calendar and day boundaries in its time zone', () => {
    expect(presetRange('lastMonth', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(presetRange('thisMonth', '2026-03-09')).toEqual({ from: '2026-03-01', to: '2026-03-09' });
    expect(presetRange('7d', '2026-03-03')).toEqual({ from: '2026-02-25', to: '2026-03-03' });
    expect(zonedMidnight('2026-10-04', 'Asia/Bangkok').toISOString()).toBe('2026-10-03T17:00:00.000Z');
    expect(zonedMidnight('2026-03-29', 'Europe/Paris').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    const { filter } = parseReportQuery({}, new Date('2026-11-22T20:00:00Z'), 'Asia/Bangkok');
    // 03:00 on 23 November in Bangkok.
    expect(filter).toMatchObject({ from: '2026-10-25', to: '2026-11-23', granularity: 'day', slowDays: 30 });
  });
});
