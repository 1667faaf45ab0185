import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { adminAuditLog, outbox } from '#src/db/schema/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { setLowStockThreshold } from '#src/modules/inventory/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';
import { alertText, apiOrder, clientFor, decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let owner: AdminClient;
let staff: AdminClient;
let packer: AdminClient;

beforeAll(async () => {
  t = await buildTestApp();
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
  await makeProduct(t.database.db, { sku: 'DESK-1', price: 15_000, stock: { MAIN: 500 } });
});
afterAll(() => t?.close());

const stat = (html: string, name: string) => decodeEntities(new RegExp(`data-stat="${name}">([^<]*)<`).exec(html)?.[1] ?? '');
const shopDay = (iso: string) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Bangkok' }).format(new Date(iso));

describe('an order worked through the desk', () => {
  it('is marked paid, confirmed, packed and shipped, and the JSON API shows every step with who did it', async () => {
    const number = await makeApiOrder(t.app, 'DESK-1', { qty: 2 });
    const page = await staff.get(`/admin/orders/${number}`);
    expect(page.statusCode).toBe(200);
    // Only the legal moves of a PromptPay order awaiting payment are offered.
    expect(page.body).toContain('data-action="paid"');
    expect(page.body).toContain('data-action="cancelled"');
    expect(page.body).not.toContain('data-action="confirmed"');
    expect(page.body).not.toContain('data-action="shipped"');

    const paid = await staff.post(`/admin/orders/${number}/status`, { to: 'paid' });
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe(`/admin/orders/${number}?done=paid`);
    expect((await staff.post(`/admin/orders/${number}/status`, { to: 'confirmed' })).statusCode).toBe(303);
    expect((await packer.post(`/admin/orders/${number}/pack`, { to: 'packed' })).statusCode).toBe(303);
    const shipped = await packer.post(`/admin/orders/${number}/ship`, { carrier: 'kerry', trackingNumber: 'KEX-123456' });
    expect(shipped.statusCode).toBe(303);

    const order = await apiOrder(t.app, number);
    expect(order.status).toBe('shipped');
    expect(order.payments).toEqual([expect.objectContaining({ status: 'confirmed', amount: { amount: 30_000, currency: 'THB' } })]);
    expect(order.shipments).toEqual([expect.objectContaining({ carrier: 'Kerry Express', trackingNumber: 'KEX-123456', status: 'shipped' })]);
    const moves = order.history.map((h: { from: string | null; to: string; actor: string }) => [h.from, h.to, h.actor]);
    expect(moves).toEqual([
      [null, 'pending_payment', 'api'],
      ['pending_payment', 'paid', expect.stringMatching(/^admin:staff-/)],
      ['paid', 'confirmed', expect.stringMatching(/^admin:staff-/)],
      ['confirmed', 'packed', expect.stringMatching(/^admin:packer-/)],
      ['packed', 'shipped', expect.stringMatching(/^admin:packer-/)],
    ]);

    const audit = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.orderNumber, number));
    expect(audit.map((a) => a.action)).toEqual(['order.transition', 'order.transition', 'order.transition', 'order.ship']);
    const after = await staff.get(`/admin/orders/${number}`);
    expect(after.body).toContain('KEX-123456');
    expect(after.body).toContain('shipped with Kerry Express KEX-123456');
    expect(after.body).toContain('data-action="delivered"');
  });

  it('asks for a reason to reject a slip, and sends the order back to awaiting payment with it', async () => {
    const number = await makeApiOrder(t.app, 'DESK-1', { status: 'payment_review' });
    const page = await staff.get(`/admin/orders/${number}`);
    expect(page.body).toContain('Approve slip (record what it shows)');
    expect(page.body).toContain('Reject slip');
    const noReason = await staff.post(`/admin/orders/${number}/status`, { to: 'pending_payment', note: '  ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('Please give a reason');
    expect((await apiOrder(t.app, number)).status).toBe('payment_review');
    const rejected = await staff.post(`/admin/orders/${number}/status`, { to: 'pending_payment', note: 'ยอดเงินไม่ตรง' });
    expect(rejected.statusCode).toBe(303);
    const order = await apiOrder(t.app, number);
    expect(order.status).toBe('pending_payment');
    expect(order.history.at(-1)).toMatchObject({ from: 'payment_review', to: 'pending_payment', note: 'ยอดเงินไม่ตรง' });
  });

  it('cancels with a reason and gives the stock back', async () => {
    const stock = async () =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/stock?sku=DESK-1', headers: { authorization: `Bearer ${t.config.apiToken}` } })).json()
        .items[0].available as number;
    const before = await stock();
    const number = await makeApiOrder(t.app, 'DESK-1', { qty: 3, status: 'paid' });
    expect(await stock()).toBe(before - 3);
    const res = await staff.post(`/admin/orders/${number}/status`, { to: 'cancelled', note: 'customer asked' });
    expect(res.statusCode).toBe(303);
    expect(await stock()).toBe(before);
    const order = await apiOrder(t.app, number);
    expect(order.status).toBe('cancelled');
    expect(order.refunds).toEqual([expect.objectContaining({ status: 'due', reason: 'customer asked' })]);
    expect((await owner.get('/admin/finance')).body).toContain(number);
  });

  it('explains a move that is no longer possible instead of failing', async () => {
    const number = await makeApiOrder(t.app, 'DESK-1', { status: 'confirmed' });
    const res = await staff.post(`/admin/orders/${number}/status`, { to: 'paid' });
    expect(res.statusCode).toBe(409);
    expect(alertText(res.body)).toContain('This order cannot make that move any more (it is now "Confirmed")');
    const early = await makeApiOrder(t.app, 'DESK-1');
    const cod = await staff.post(`/admin/orders/${early}/status`, { to: 'confirmed' });
    expect(cod.statusCode).toBe(409);
    expect(alertText(cod.body)).toContain('Only a cash-on-delivery order can be confirmed before it is paid.');
    const codOrder = await makeApiOrder(t.app, 'DESK-1', { paymentMethod: 'cod' });
    expect((await staff.get(`/admin/orders/${codOrder}`)).body).toContain('data-action="confirmed"');
    expect((await staff.post(`/admin/orders/${codOrder}/status`, { to: 'confirmed' })).statusCode).toBe(303);
  });

  it('checks the shipping form and keeps what was typed', async () => {
    const number = await makeApiOrder(t.app, 'DESK-1', { status: 'confirmed' });
    const res = await packer.post(`/admin/orders/${number}/ship`, { carrier: 'kerry', trackingNumber: 'bad number!' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Use letters, digits and dashes');
    expect(res.body).toContain('value="bad number!"');
    const carrier = await packer.post(`/admin/orders/${number}/ship`, { carrier: 'pigeon', trackingNumber: 'ABC-12345' });
    expect(carrier.statusCode).toBe(400);
    expect((await apiOrder(t.app, number)).status).toBe('confirmed');
  });

  it('answers an unknown order with a 404 page', async () => {
    const res = await staff.get('/admin/orders/TL-99999999');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Order TL-99999999 does not exist.');
    expect((await staff.post('/admin/orders/TL-99999999/notes', { note: 'x' })).statusCode).toBe(404);
  });
});

describe('notes and messages', () => {
  it('writes an internal note into the order history and the activity list', async () => {
    // An order to pack: packers write notes on those only (issue 23).
    const number = await makeApiOrder(t.app, 'DESK-1', { status: 'confirmed' });
    const empty = await packer.post(`/admin/orders/${number}/notes`, { note: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Please fill this in.');
    const res = await packer.post(`/admin/orders/${number}/notes`, { note: 'ลูกค้าขอห่อของขวัญ <b>ด่วน</b>' });
    expect(res.statusCode).toBe(303);
    const order = await apiOrder(t.app, number);
    expect(order.status).toBe('confirmed');
    expect(order.history.at(-1)).toMatchObject({ from: 'confirmed', to: 'confirmed', note: 'ลูกค้าขอห่อของขวัญ <b>ด่วน</b>' });
    const page = await owner.get(`/admin/orders/${number}`);
    // User text is escaped, never markup.
    expect(page.body).toContain('ลูกค้าขอห่อของขวัญ &lt;b&gt;ด่วน&lt;/b&gt;');
    expect(page.body).not.toContain('<b>ด่วน</b>');
  });

  it("queues a message to the customer's chat through the outbox, once per form", async () => {
    const customer = await withTransaction(t.database.db, async (tx) =>
      (await ensureChatIdentity(tx, { channel: 'webchat', externalId: `visitor-${randomUUID()}`, displayName: 'ลูกค้าเว็บ', language: 'th' })).customer,
    );
    const { order } = await placeOrder(t.database.db, { ...orderInput(customer, [{ sku: 'DESK-1', qty: 1 }]), channel: 'webchat' });
    const page = await staff.get(`/admin/orders/${order.number}`);
    expect(page.body).toContain('Sent to their Web chat chat.');
    const messageId = /name="messageId" value="([^"]+)"/.exec(page.body)![1]!;
    const send = () => staff.post(`/admin/orders/${order.number}/message`, { text: 'พรุ่งนี้จัดส่งนะคะ', messageId });
    expect((await send()).statusCode).toBe(303);
    expect((await send()).statusCode).toBe(303);
    const rows = (await t.database.db.select().from(outbox)).filter((r) => r.dedupeKey.includes(`${order.number}:staff-message`));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.channel).toBe('webchat');
    expect(rows[0]!.payload).toEqual({ messages: [{ type: 'text', text: 'พรุ่งนี้จัดส่งนะคะ' }], locale: 'th', by: 'staff' });
    const api = await apiOrder(t.app, order.number);
    expect(api.history.filter((h: { note: string | null; event: { kind: string } | null }) => h.event?.kind === 'order.messaged' && h.note === 'พรุ่งนี้จัดส่งนะคะ')).toHaveLength(1);
    expect((await staff.get(`/admin/orders/${order.number}`)).body).toContain('messaged the customer');
  });

  it('says so when the customer has no chat to write to', async () => {
    const number = await makeApiOrder(t.app, 'DESK-1');
    const page = await staff.get(`/admin/orders/${number}`);
    expect(page.body).toContain('This customer has no chat with the shop');
    const res = await staff.post(`/admin/orders/${number}/message`, { text: 'hello', messageId: randomUUID() });
    expect(res.statusCode).toBe(409);
    expect(alertText(res.body)).toContain('no message was sent');
  });
});

describe('the order list', () => {
  it('filters by status, channel, search and date, and sorts', async () => {
    const a = await makeApiOrder(t.app, 'DESK-1', { qty: 5, status: 'paid', customer: { name: 'มานี รักเรียน', phone: '089-111-2222' } });
    const b = await makeApiOrder(t.app, 'DESK-1', { qty: 1, customer: { name: 'ชูใจ ใจดี', phone: '089-333-4444' } });
    const list = async (qs: string) => (await staff.get(`/admin/orders${qs}`)).body;
    expect(await list('?status=paid')).toContain(a);
    expect(await list('?status=paid')).not.toContain(`>${b}<`);
    expect(await list('?q=%E0%B8%A1%E0%B8%B2%E0%B8%99%E0%B8%B5')).toContain(a); // มานี
    expect(await list('?q=0893334444')).toContain(b);
    expect(await list(`?q=${b}`)).not.toContain(`>${a}<`);
    expect(await list('?channel=line')).not.toContain(`>${a}<`);
    expect(await list('?channel=api')).toContain(a);
    const day = shopDay((await apiOrder(t.app, a)).createdAt);
    expect(await list(`?from=${day}&to=${day}`)).toContain(a);
    // Typed as a Thai merchant writes it (Buddhist era), and shown back the same way, not as ISO.
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    const typed = await list(`?from=${encodeURIComponent(`${d}/${m}/${y + 543}`)}&to=${encodeURIComponent(`${d}/${m}/${y + 543}`)}`);
    expect(typed).toContain(a);
    expect(typed).not.toContain(`value="${day}"`);
    expect(typed).toMatch(new RegExp(`name="from" value="${d} [A-Z][a-z]{2} ${y}"`)); // this staff member reads English
    expect(await list(`?to=2000-01-01`)).not.toContain(`>${a}<`);
    const byTotal = await list('?sort=total_desc');
    expect(byTotal.indexOf(a)).toBeLessThan(byTotal.indexOf(b));
    const oldest = await list('?sort=oldest');
    expect(oldest.indexOf(a)).toBeLessThan(oldest.indexOf(b));
    const newest = await list('');
    expect(newest.indexOf(b)).toBeLessThan(newest.indexOf(a));
  });

  it('shows a bad filter beside its field and still lists', async () => {
    const res = await staff.get('/admin/orders?from=2024-13-45&status=nonsense');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Please enter a date such as 6 Dec 2026 or 6/12/2026.');
    const reversed = await staff.get('/admin/orders?from=2030-01-02&to=2030-01-01');
    expect(reversed.body).toContain('The first date must not be after the second.');
  });

  it('pages through 25 orders at a time', async () => {
    for (let i = 0; i < 26; i++) await makeApiOrder(t.app, 'DESK-1');
    const first = await staff.get('/admin/orders');
    expect(first.body).toMatch(/Page 1 of \d+/);
    expect((first.body.match(/<tr id="order-/g) ?? []).length).toBe(25);
    expect(first.body).toContain('href="/admin/orders?page=2"');
    const second = await staff.get('/admin/orders?page=2');
    expect(second.body).toContain('rel="prev"');
  });

  it('shows packers only orders to pack and to ship', async () => {
    const pending = await makeApiOrder(t.app, 'DESK-1');
    const toPack = await makeApiOrder(t.app, 'DESK-1', { status: 'confirmed' });
    const body = (await packer.get('/admin/orders')).body;
    expect(body).toContain(toPack);
    expect(body).not.toContain(`>${pending}<`);
    expect((await packer.get(`/admin/orders?status=pending_payment`)).body).not.toContain(`>${pending}<`);
    expect((await packer.get(`/admin/orders/${pending}/row`)).statusCode).toBe(204);
    const row = await staff.get(`/admin/orders/${pending}/row`);
    expect(row.body.trim()).toMatch(new RegExp(`^<tr id="order-${pending}"`));
  });

  it('confirms selected paid orders in bulk and skips the others', async () => {
    const paid1 = await makeApiOrder(t.app, 'DESK-1', { status: 'paid' });
    const paid2 = await makeApiOrder(t.app, 'DESK-1', { status: 'paid' });
    const pending = await makeApiOrder(t.app, 'DESK-1');
    const res = await staff.post('/admin/orders/bulk/confirm', { numbers: [paid1, pending, paid2] });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('2 done, 1 skipped');
    expect((await apiOrder(t.app, paid1)).status).toBe('confirmed');
    expect((await apiOrder(t.app, paid2)).status).toBe('confirmed');
    expect((await apiOrder(t.app, pending)).status).toBe('pending_payment');
    const none = await staff.post('/admin/orders/bulk/confirm', {});
    expect(none.body).toContain('Select at least one order first.');
  });

  it('ships selected orders in bulk with a tracking number each', async () => {
    const one = await makeApiOrder(t.app, 'DESK-1', { status: 'confirmed' });
    const two = await makeApiOrder(t.app, 'DESK-1', { status: 'packed' });
    const three = await makeApiOrder(t.app, 'DESK-1', { status: 'confirmed' });
    const unpaid = await makeApiOrder(t.app, 'DESK-1');
    const form = await packer.post('/admin/orders/bulk/ship', { step: 'prepare', numbers: [one, two, three, unpaid] });
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain(`value="${one}"`);
    expect(form.body).not.toContain(`name="numbers" value="${unpaid}"`);
    const bad = await packer.post('/admin/orders/bulk/ship', {
      step: 'ship',
      numbers: [one, two, three],
      carrier: ['flash', 'jt', 'kerry'],
      tracking: ['TH0001', 'no good!', ''],
    });
    expect(bad.statusCode).toBe(400);
    expect((await apiOrder(t.app, one)).status).toBe('confirmed');
    const ok = await packer.post('/admin/orders/bulk/ship', {
      step: 'ship',
      numbers: [one, two, three],
      carrier: ['flash', 'jt', 'kerry'],
      tracking: ['TH0001', 'JT-0002', ''],
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('2 done, 1 skipped');
    expect((await apiOrder(t.app, one)).shipments).toEqual([expect.objectContaining({ carrier: 'Flash Express', trackingNumber: 'TH0001' })]);
    expect((await apiOrder(t.app, two)).status).toBe('shipped');
    expect((await apiOrder(t.app, three)).status).toBe('confirmed');
  });
});

describe('the dashboard', () => {
  it('counts today, the work waiting per action and low stock', async () => {
    const before = (await owner.get('/admin')).body;
    // Low: at its warning point (3 of 3) and under it (50 of 60). Not low: no warning point set, even
    // out of stock ("leave empty for no warning"), or above it.
    const lowA = await makeProduct(t.database.db, { sku: 'LOW-A', stock: { MAIN: 3 } });
    await setLowStockThreshold(t.database.db, lowA.variant.id, 3);
    const lowB = await makeProduct(t.database.db, { sku: 'LOW-B', stock: { MAIN: 50 } });
    await setLowStockThreshold(t.database.db, lowB.variant.id, 60);
    await makeProduct(t.database.db, { sku: 'LOW-C', stock: { MAIN: 50 } });
    await makeProduct(t.database.db, { sku: 'LOW-D', stock: { MAIN: 0 } });
    await makeProduct(t.database.db, { sku: 'LOW-F', stock: { MAIN: 1 } });
    await makeProduct(t.database.db, { sku: 'LOW-G', stock: { MAIN: 2, SUB: 1 } });
    const lowE = await makeProduct(t.database.db, { sku: 'LOW-E', stock: { MAIN: 4 } });
    await setLowStockThreshold(t.database.db, lowE.variant.id, 3);
    await makeApiOrder(t.app, 'DESK-1', { status: 'payment_review' });
    await makeApiOrder(t.app, 'DESK-1', { status: 'paid', qty: 2 });
    const after = (await owner.get('/admin')).body;
    expect(Number(stat(after, 'today-orders'))).toBe(Number(stat(before, 'today-orders')) + 2);
    expect(Number(stat(after, 'payment_review'))).toBe(Number(stat(before, 'payment_review')) + 1);
    expect(Number(stat(after, 'paid'))).toBe(Number(stat(before, 'paid')) + 1);
    expect(Number(stat(after, 'low-stock'))).toBe(Number(stat(before, 'low-stock')) + 2);
    // The dashboard's number is the stock page's, and counts the SKUs its list shows.
    expect(stat((await owner.get('/admin/stock')).body, 'low-stock')).toBe(stat(after, 'low-stock'));
    const lowList = (await owner.get('/admin/stock/low')).body;
    expect([...lowList.matchAll(/data-sku="([^"]+)"/g)].length).toBe(Number(stat(after, 'low-stock')));
    expect(lowList).toContain('data-sku="LOW-A"');
    expect(lowList).toContain('data-sku="LOW-B"');
    expect(lowList).not.toContain('data-sku="LOW-D"');
    expect(lowList).not.toContain('data-sku="LOW-E"');
    const revenue = (html: string) => Number(stat(html, 'today-netSales').replace(/[^\d.]/g, ''));
    // Net sales: the paid order's ฿300; the order whose slip is under review has brought no money yet.
    expect(revenue(after) - revenue(before)).toBeCloseTo(300, 2);
    // The chart's data: 30 days, per channel, orders and revenue.
    const chart = JSON.parse(decodeEntities(/data-chart="([^"]+)" data-series="orders"/.exec(after)![1]!));
    expect(chart.days).toHaveLength(30);
    const api = chart.datasets.find((d: { channel: string }) => d.channel === 'api');
    expect(api.orders).toHaveLength(30);
    expect(api.orders.at(-1)).toBeGreaterThan(0);
    expect(api.revenue.at(-1)).toBeGreaterThan(0);
  });

  it('shows Thai to Thai users, with money and dates formatted for them', async () => {
    const thai = await signIn(t.app, (await makeUser(t.database.db, 'admin', { language: 'th' })).email);
    const body = (await thai.get('/admin')).body;
    expect(body).toContain('ยอดขายสุทธิ');
    expect(body).toContain('สลิปรอตรวจ');
    expect(stat(body, 'today-netSales')).toMatch(/^฿[\d,]+\.\d\d$/);
  });
});

describe('live events', () => {
  let base: string;
  beforeAll(async () => {
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });

  /** Reads the event stream until an event about `number` arrives (or the stream ends). */
  async function nextEventFor(client: AdminClient, act: () => Promise<string>): Promise<{ number: string; kind: string; events: string }> {
    const abort = new AbortController();
    const res = await fetch(`${base}/admin/events`, { headers: { cookie: client.cookie, accept: 'text/event-stream' }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const number = await act();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
        const match = new RegExp(`event: order\\ndata: (\\{[^\\n]*"${number}"[^\\n]*\\})`).exec(text);
        if (match) return { ...(JSON.parse(match[1]!) as { number: string; kind: string }), events: text };
      }
    } finally {
      abort.abort();
    }
    throw new Error(`stream ended without an event for ${number}: ${text}`);
  }

  it('pushes a new order to the desk as it arrives', async () => {
    const event = await nextEventFor(staff, () => makeApiOrder(t.app, 'DESK-1'));
    expect(event.kind).toBe('new');
  });

  it('pushes a slip to review', async () => {
    const number = await makeApiOrder(t.app, 'DESK-1');
    const event = await nextEventFor(owner, async () => {
      await t.app.inject({
        method: 'POST',
        url: `/api/v1/orders/${number}/transitions`,
        headers: { authorization: `Bearer ${t.config.apiToken}` },
        payload: { to: 'payment_review' },
      });
      return number;
    });
    expect(event).toMatchObject({ number, kind: 'slip' });
  });

  it('tells packers of orders that became theirs to pack, not of new orders', async () => {
    const number = await makeApiOrder(t.app, 'DESK-1', { status: 'paid' });
    const event = await nextEventFor(packer, async () => {
      await makeApiOrder(t.app, 'DESK-1');
      await staff.post(`/admin/orders/${number}/status`, { to: 'confirmed' });
      return number;
    });
    expect(event).toMatchObject({ number, kind: 'to_pack' });
    expect(event.events).not.toContain('"kind":"new"');
  });

  it('refuses the stream without a session', async () => {
    const res = await fetch(`${base}/admin/events`, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });

  it('resumes after the last event a reconnecting browser saw', async () => {
    const abort = new AbortController();
    const since = new Date(Date.now() - 60_000).toISOString();
    const number = await makeApiOrder(t.app, 'DESK-1');
    const res = await fetch(`${base}/admin/events`, { headers: { cookie: staff.cookie, 'last-event-id': since }, signal: abort.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(number)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    expect(text).toContain(`"number":"${number}","kind":"new"`);
  });
});

describe('the htmx pieces', () => {
  it('serves htmx and Chart.js from node_modules, never a CDN', async () => {
    const htmx = await t.app.inject({ method: 'GET', url: '/admin/assets/htmx.min.js' });
    expect(htmx.statusCode).toBe(200);
    expect(htmx.headers['content-type']).toContain('javascript');
    const chart = await t.app.inject({ method: 'GET', url: '/admin/assets/chart.umd.js' });
    expect(chart.statusCode).toBe(200);
    const page = (await owner.get('/admin')).body;
    expect(page).not.toMatch(/src="https?:/);
    expect(page).toContain('src="/admin/assets/chart.umd.js"');
    expect((await t.app.inject({ method: 'GET', url: '/admin/assets/..%2F..%2Fpackage.json' })).statusCode).toBe(404);
  });

  it('lets a session signed in through the header token alone post a note, as htmx does', async () => {
    const number = await makeApiOrder(t.app, 'DESK-1');
    const viaHeader = clientFor(t.app, owner.cookie, owner.csrf);
    const res = await viaHeader.post(`/admin/orders/${number}/notes`, { note: 'via htmx' }, { csrf: false, headers: { 'x-csrf-token': owner.csrf, 'hx-request': 'true' } });
    expect(res.statusCode).toBe(303);
  });
});
