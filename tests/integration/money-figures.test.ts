import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { sendDailySummary } from '#src/jobs/reports.send-daily-summary.job.ts';
import { orders, outbox, refunds } from '#src/db/schema/index.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { noticeOf } from '#src/modules/notify/notices.ts';
import { payDueRefund } from '#src/modules/payments/index.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeApiOrder, signIn, type AdminClient } from '../helpers/admin.ts';
import { makeProduct } from '../helpers/factories.ts';
import { startFakeTelegramApi, type FakeTelegramApi } from '../fakes/telegram-api.ts';
import { telegramEnv } from '../helpers/chat.ts';

let t: TestApp;
let tg: FakeTelegramApi;
let owner: AdminClient;
const db = () => t.database.db;

/** The same day's shop date the pages use. */
const today = () => localDate(new Date(), t.config.shop.timeZone);

beforeAll(async () => {
  tg = await startFakeTelegramApi();
  t = await buildTestApp({
    ...telegramEnv(tg, 'money-telegram-secret-0123456789abcdef'),
    MERCHANT_TELEGRAM_CHAT_ID: '-100200300',
  });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  await makeProduct(db(), { sku: 'MANGO-1', nameTh: 'มะม่วงน้ำดอกไม้', nameEn: 'Mango', price: 32_000, stock: { MAIN: 200 } });
  await makeProduct(db(), { sku: 'DURIAN-1', nameTh: 'ทุเรียนหมอนทอง', nameEn: 'Durian', price: 120_400, stock: { MAIN: 200 } });
});
afterAll(async () => {
  await t?.close();
  await tg?.close();
});

/** A figure card's value in satang. */
function figure(html: string, name: string): number {
  const text = new RegExp(`data-stat="${name}">([^<]*)<`).exec(html)?.[1];
  expect(text, name).toBeDefined();
  return Math.round(Number(decodeEntities(text!).replace(/[^\d.-]/g, '')) * 100);
}

describe('one definition of each money number', () => {
  it('gives the dashboard, the reports, finance, the API, the daily summary and the export the same figures, equal to the ledger', async () => {
    const customers = [
      { name: 'สมศรี ทองคำ', phone: '0891110001' },
      { name: 'บุญมี รุ่งเรือง', phone: '0891110002' },
      { name: 'จันทร์เพ็ญ สุขใจ', phone: '0891110003' },
      { name: 'วิชัย มั่นคง', phone: '0891110004' },
    ];
    // Paid by PromptPay (฿1,204), unpaid PromptPay (฿320), COD confirmed and not collected (฿640),
    // paid then cancelled and refunded (฿320).
    await makeApiOrder(t.app, 'DURIAN-1', { customer: customers[0]!, status: 'paid' });
    await makeApiOrder(t.app, 'MANGO-1', { customer: customers[1]! });
    const cod = await makeApiOrder(t.app, 'MANGO-1', { customer: customers[2]!, qty: 2, paymentMethod: 'cod' });
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/orders/${cod}/transitions`, headers: auth, payload: { to: 'confirmed' } })).statusCode).toBe(200);
    const refunded = await makeApiOrder(t.app, 'MANGO-1', { customer: customers[3]!, status: 'paid' });
    const cancel = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${refunded}/transitions`, headers: auth, payload: { to: 'cancelled', note: 'สินค้าหมด' } });
    expect(cancel.statusCode).toBe(200);
    const [owed] = await db().select().from(refunds).where(sql`${refunds.orderId} = (select id from orders where number = ${refunded})`);
    await withTransaction(db(), (tx) => payDueRefund(tx, owed!.id, { method: 'transfer', reference: 'RF-0001' }));

    // The ledger: payments received less refunds paid, today.
    const { rows } = await db().execute<{ paid: string; refunded: string }>(sql`
      select (select coalesce(sum(amount), 0) from payments where status = 'confirmed') as paid,
             (select coalesce(sum(amount), 0) from refunds where status = 'paid') as refunded`);
    const ledger = Number(rows[0]!.paid) - Number(rows[0]!.refunded);
    expect(ledger).toBe(120_400 + 32_000 - 32_000);

    const day = today();
    const api = await t.app.inject({ method: 'GET', url: `/api/v1/reports/sales?from=${day}&to=${day}`, headers: auth });
    expect(api.statusCode, api.body).toBe(200);
    expect(api.json()).toMatchObject({
      netSales: { amount: ledger, currency: 'THB' },
      paid: { amount: 120_400 + 32_000, currency: 'THB' },
      refunds: { amount: 32_000, currency: 'THB' },
      awaitingPayment: { amount: 32_000, currency: 'THB' },
      codToCollect: { amount: 64_000, currency: 'THB' },
      orders: 3,
    });

    const dashboard = (await owner.get('/admin')).body;
    expect(figure(dashboard, 'today-netSales')).toBe(ledger);
    expect(figure(dashboard, 'today-awaitingPayment')).toBe(32_000);
    expect(figure(dashboard, 'today-codToCollect')).toBe(64_000);
    expect(dashboard).toContain('เงินที่ได้รับ หักเงินที่คืนลูกค้าแล้ว');

    const reports = (await owner.get(`/admin/reports?from=${day}&to=${day}`)).body;
    for (const [name, value] of [['netSales', ledger], ['refunds', 32_000], ['awaitingPayment', 32_000], ['codToCollect', 64_000]] as const) {
      expect(figure(reports, name), name).toBe(value);
    }
    const finance = (await owner.get('/admin/finance')).body;
    expect(figure(finance, 'netSales')).toBe(ledger);
    expect(figure(finance, 'codToCollect')).toBe(64_000);

    const csv = (await owner.get(`/admin/finance/export.csv?from=${day}&to=${day}&kind=all`)).body;
    const moneyRow = csv.split('\r\n').find((l) => l.startsWith('money,'))!.split(',');
    expect(Math.round(Number(moneyRow[moneyRow.indexOf('net_sales') + 1]) * 100)).toBe(ledger);

    // 21:00 in the shop's time zone on the shop day the orders were placed (after 17:00 UTC the UTC
    // date is already the next Bangkok day's eve, so the hour is set from the shop's date).
    const evening = new Date(`${day}T21:00:00+07:00`);
    expect(localDate(evening, t.config.shop.timeZone)).toBe(day);
    expect(await sendDailySummary(db(), t.config, evening)).toBe(true);
    const [summary] = await db().select().from(outbox).where(sql`${outbox.dedupeKey} like ${'merchant:daily-summary:%'}`);
    const { notice } = noticeOf(summary!.payload);
    expect(notice).toMatchObject({ kind: 'merchant.daily_summary', orders: 3 });
    expect((notice as { revenue: string }).revenue.replace(/\s/g, ' ')).toBe('฿1,204.00');

    // Lifetime value: net paid per customer (the refunded customer's is zero).
    const [c] = await db().select({ id: orders.customerId }).from(orders).where(eq(orders.number, refunded));
    const page = decodeEntities((await owner.get(`/admin/customers/${c!.id}`)).body).replace(/\s/g, ' ');
    expect(page).toMatch(/data-stat="lifetime"><span class="stat-label">[^<]*<\/span><span class="stat-value">฿0\.00</);
  });

  it('refuses a bad range with a clear message', async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/reports/sales?from=2026-12-10&to=2026-12-01', headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('from must not be after to');
    const notDay = await t.app.inject({ method: 'GET', url: '/api/v1/reports/sales?from=2026-02-30&to=2026-03-01', headers: auth });
    expect(notDay.statusCode).toBe(400);
  });
});
