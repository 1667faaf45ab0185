import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { customerIdentities, invoices, orderHistory, orders, outbox, paymentSlips, payments, refunds } from '#src/db/schema/index.ts';
import { noticeOf } from '#src/modules/notify/notices.ts';
import { lockOrder } from '#src/modules/orders/index.ts';
import { checkSlip } from '#src/modules/payments/index.ts';
import { verifySlip, type SlipReadingInput } from '#src/workflows/payments/verify-slip.ts';
import { renderNotice } from '#templates/messages/index.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { makeProduct } from '../helpers/factories.ts';

let t: TestApp;
let staff: AdminClient;
const db = () => t.database.db;

beforeAll(async () => {
  t = await buildTestApp({ PROMPTPAY_ID: '0812223333' });
  staff = await signIn(t.app, (await makeUser(db(), 'staff')).email);
  // A ฿1,130 order: one sack of rice (the test shop charges no shipping).
  await makeProduct(db(), { sku: 'RICE-5KG', nameTh: 'ข้าวหอมมะลิ 5 กก.', nameEn: 'Jasmine rice 5 kg', price: 113_000, stock: { MAIN: 50 } });
  // Other customers' orders first, so this customer's ids do not line up with their orders'.
  for (const phone of ['0861110001', '0861110002', '0861110003']) await placeOrder({ name: 'ลูกค้าอื่น', phone });
});
afterAll(async () => t?.close());

async function placeOrder(customer: { name: string; phone: string }): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: auth,
    payload: {
      channel: 'api',
      customer,
      lines: [{ sku: 'RICE-5KG', qty: 1 }],
      shippingAddress: { name: customer.name, phone: customer.phone, address: '88/8 หมู่ 2 ต.บ้านใหม่ อ.เมือง นครราชสีมา', postcode: '30000' },
      paymentMethod: 'promptpay',
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().number as string;
}

/** A LINE chat for the order's customer, so what they are told is in the outbox. */
async function withChat(number: string) {
  const [o] = await db().select().from(orders).where(eq(orders.number, number));
  await db().insert(customerIdentities).values({ customerId: o!.customerId, channel: 'line', externalId: `U${o!.customerId}slip` }).onConflictDoNothing();
  return o!;
}

const reading = (amount: number, transRef: string, datetime: Date): SlipReadingInput => ({
  isSlip: true,
  bank: '004',
  amount,
  datetime,
  transRef,
  receiver: { name: 'ร้านข้าวดี', account: 'xxx-x-x3333-x' },
  sender: { name: 'นาย สมชาย ใจงาม', account: 'xxx-x-x1234-x' },
  qr: { payload: `0041000600000101030040220${transRef}5102TH9104ABCD`, crcValid: true },
  confidence: 0.95,
  rawText: '',
  sha256: `sha-${transRef}`,
});

async function sendSlip(number: string, r: SlipReadingInput) {
  return withTransaction(db(), async (tx) => verifySlip(tx, { order: await lockOrder(tx, number), reading: r, imagePath: undefined, config: t.config, now: new Date() }));
}

async function noticesOf(number: string) {
  const rows = await db().select().from(outbox).where(sql`${outbox.dedupeKey} like ${`order:${number}:%`}`).orderBy(outbox.id);
  return rows.map((r) => noticeOf(r.payload));
}

describe('a slip that does not cover the order', () => {
  it('lists the amount gap beside every other failed check', () => {
    const ctx = { owed: 113_000, orderCreatedAt: new Date('2026-12-01T10:00:00Z'), now: new Date('2026-12-01T12:00:00Z'), receivers: { accounts: [], names: [] }, refSeenBefore: false, imageSeenBefore: false };
    const facts = { isSlip: true, amount: 5_826, datetime: new Date('2026-11-30T10:00:00Z'), transRef: 'X', receiver: null, qr: { payload: 'x', crcValid: true } };
    expect(checkSlip(facts, ctx).reasons).toEqual(['amount', 'too_early']);
    // Alone, a short slip is a part payment, accepted.
    expect(checkSlip({ ...facts, datetime: new Date('2026-12-01T11:00:00Z') }, ctx)).toEqual({ reasons: [], partial: true });
  });

  it('฿58.26 on ฿1,130: approve records ฿58.26, the order awaits ฿1,071.74, the customer is told, no receipt until paid in full', async () => {
    const number = await placeOrder({ name: 'สมชาย ใจงาม', phone: '081-777-6543' });
    const order = await withChat(number);
    expect(order.total).toBe(113_000);
    // An old slip for part of the amount: two checks fail.
    const outcome = await sendSlip(number, reading(5_826, '015349143512ABC', new Date(order.createdAt.getTime() - 3 * 3_600_000)));
    expect(outcome.verdict).toBe('review');
    expect(outcome.verdict === 'review' && outcome.reasons).toEqual(['amount', 'too_early']);

    const page = decodeEntities((await staff.get(`/admin/orders/${number}`)).body).replace(/\s+/g, ' ');
    expect(page).toContain('data-reason="amount"');
    expect(page).toContain('slip THB 58.26, owed THB 1,130.00: THB 1,071.74 short');
    expect(page).toContain('data-reason="too_early"');
    expect(page).toMatch(/name="received"[^>]*value="58.26"|value="58.26"[^>]*name="received"/);

    // Another amount without a reason is refused and changes nothing.
    const noReason = await staff.post(`/admin/orders/${number}/status`, { to: 'paid', received: '1,130.00', note: '' });
    expect(noReason.statusCode).toBe(400);
    expect(decodeEntities(noReason.body)).toContain('give a reason');
    expect(await db().select().from(payments).where(eq(payments.orderId, order.id))).toEqual([]);

    const approved = await staff.post(`/admin/orders/${number}/status`, { to: 'paid', received: '58.26', note: '' });
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toContain('done=paymentPart');

    const api = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: auth })).json();
    expect(api.status).toBe('pending_payment');
    const rows = await db().select().from(payments).where(eq(payments.orderId, order.id));
    expect(rows.map((p) => [p.amount, p.status, p.reference])).toEqual([[5_826, 'confirmed', '015349143512ABC']]);
    const [slip] = await db().select().from(paymentSlips).where(eq(paymentSlips.orderId, order.id));
    expect(slip).toMatchObject({ verdict: 'approved', paymentId: rows[0]!.id });
    expect(await db().select().from(invoices).where(eq(invoices.orderId, order.id))).toEqual([]);
    // The timeline says it as an event in the reader's language, not as an English note.
    expect(rows[0]!.note).toBeNull();
    const history = await db().select().from(orderHistory).where(eq(orderHistory.orderId, order.id));
    expect(history.map((h) => h.event)).toContainEqual({ kind: 'slip.approvedPart', params: { received: 5_826, remaining: 107_174, currency: 'THB' } });
    expect(history.some((h) => h.note?.includes('slip approved'))).toBe(false);
    const thai = await signIn(t.app, (await makeUser(db(), 'staff', { language: 'th' })).email);
    expect(decodeEntities((await thai.get(`/admin/orders/${number}`)).body)).toContain('อนุมัติสลิป: ได้รับ ฿58.26 ยังต้องชำระอีก ฿1,071.74');

    const told = (await noticesOf(number)).filter((n) => n.notice.kind === 'payment.received');
    expect(told).toHaveLength(1);
    expect(told[0]!.notice).toMatchObject({ received: 5_826, remaining: 107_174, refund: 0, promptPayId: '0812223333' });
    const words = renderNotice(told[0]!.notice, 'th');
    expect(words[0]).toMatchObject({ type: 'text' });
    const text = (words[0] as { text: string }).text;
    expect(text).toContain('ได้รับชำระเงิน ฿58.26');
    expect(text).toContain('ยังคงค้างชำระอีก ฿1,071.74');
    expect(text).not.toContain('1,130');
    expect(words[1]).toMatchObject({ type: 'image', url: expect.stringContaining(`/pay/${number}.png`) });
    expect((await noticesOf(number)).map((n) => n.notice.kind)).not.toContain('order.paid');

    // The rest arrives on a second slip: paid in full now, and the receipt is for the whole order.
    const rest = await sendSlip(number, reading(107_174, '015349143999XYZ', new Date()));
    expect(rest.verdict).toBe('accepted');
    expect(rest.order.status).toBe('paid');
    const [invoice] = await db().select().from(invoices).where(eq(invoices.orderId, order.id));
    expect(invoice!.total).toBe(113_000);
  });

  it('over-payment: paid, and the excess is recorded as a refund owed and told to the customer', async () => {
    const number = await placeOrder({ name: 'มาลี ศรีสวัสดิ์', phone: '081-777-1111' });
    const order = await withChat(number);
    const outcome = await sendSlip(number, reading(120_000, '015349150000OVR', new Date()));
    expect(outcome.verdict === 'review' && outcome.reasons).toEqual(['amount']);
    const approved = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${number}/transitions`, headers: auth, payload: { to: 'paid' } });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().status).toBe('paid');
    const owed = await db().select().from(refunds).where(eq(refunds.orderId, order.id));
    expect(owed.map((r) => [r.amount, r.status, r.reason])).toEqual([[7_000, 'due', 'overpayment']]);
    const told = (await noticesOf(number)).find((n) => n.notice.kind === 'payment.received');
    expect(told?.notice).toMatchObject({ received: 120_000, remaining: 0, refund: 7_000 });
    expect((renderNotice(told!.notice, 'en')[0] as { text: string }).text.replace(/\s/g, ' ')).toContain('You paid THB 70.00 too much');
  });

  it('a typed amount with a reason is what is recorded', async () => {
    const number = await placeOrder({ name: 'ประเสริฐ ทองดี', phone: '081-777-2222' });
    const order = await withChat(number);
    await sendSlip(number, reading(100_000, '015349160000TYP', new Date(order.createdAt.getTime() - 3 * 3_600_000)));
    const approved = await staff.post(`/admin/orders/${number}/status`, { to: 'paid', received: '1,130', note: 'ลูกค้าโอนเพิ่ม ฿130 ตรวจในบัญชีแล้ว' });
    expect(approved.statusCode).toBe(303);
    const rows = await db().select().from(payments).where(eq(payments.orderId, order.id));
    expect(rows.map((p) => [p.amount, p.note])).toEqual([[113_000, 'ลูกค้าโอนเพิ่ม ฿130 ตรวจในบัญชีแล้ว']]);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: auth })).json().status).toBe('paid');
  });
});

describe('the API shows payments as they are', () => {
  it('lists the slip of an order in review with its reasons, and the payment booked from it once approved', async () => {
    const number = await placeOrder({ name: 'ทองใบ มีสุข', phone: '081-777-3333' });
    const order = await withChat(number);
    const paidAt = new Date(order.createdAt.getTime() - 3 * 3_600_000);
    await sendSlip(number, reading(50_000, '015349170000API', paidAt));
    const inReview = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: auth })).json();
    expect(inReview.status).toBe('payment_review');
    expect(inReview.payments).toEqual([]);
    expect(inReview.slips).toEqual([
      { bank: '004', amount: { amount: 50_000, currency: 'THB' }, transRef: '015349170000API', paidAt: paidAt.toISOString(), verdict: 'review', reasons: ['amount', 'too_early'] },
    ]);

    expect((await t.app.inject({ method: 'POST', url: `/api/v1/orders/${number}/transitions`, headers: auth, payload: { to: 'paid' } })).statusCode).toBe(200);
    const approved = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: auth })).json();
    expect(approved.status).toBe('pending_payment');
    expect(approved.slips).toEqual([]);
    expect(approved.payments).toHaveLength(1);
    expect(approved.payments[0]).toMatchObject({
      method: 'promptpay',
      status: 'confirmed',
      amount: { amount: 50_000, currency: 'THB' },
      slip: { bank: '004', transRef: '015349170000API', verdict: 'approved', reasons: ['amount', 'too_early'] },
    });
    expect(Date.parse(approved.payments[0].receivedAt)).not.toBeNaN();
  });
});
