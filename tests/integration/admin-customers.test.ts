import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, customerAddresses, customerIdentities, customers, orders } from '#src/db/schema/index.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, sendLine, settle } from '../helpers/chat.ts';
import { makeProduct } from '../helpers/factories.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';

let t: TestApp;
let line: FakeLineApi;
let owner: AdminClient;
let admin: AdminClient;
let staff: AdminClient;
let packer: AdminClient;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  t = await buildTestApp(lineEnv(line));
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  admin = await signIn(t.app, (await makeUser(t.database.db, 'admin')).email);
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
  await makeProduct(t.database.db, { sku: 'HONEY-1', nameTh: 'น้ำผึ้งป่า', nameEn: 'Wild honey', price: 25_000, stock: { MAIN: 100 } });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
});

async function say(userId: string, text: string) {
  const before = line.sentTexts(userId).length;
  expect((await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text })])).statusCode).toBe(200);
  await settle(t.app);
  return line.sentTexts(userId).slice(before).join('\n');
}

/** A LINE customer who orders one item through chat; returns their customer id and the order number. */
async function lineOrder(userId: string): Promise<{ customerId: number; number: string }> {
  await say(userId, 'HONEY-1 x1');
  await say(userId, 'สั่งซื้อ');
  await say(userId, 'มานี มีนา\n089-999-8888\n5 ถนนนิมมานเหมินท์ เชียงใหม่ 50200');
  const placed = await say(userId, 'ยืนยัน');
  const number = /TL-\d+/.exec(placed)?.[0];
  expect(number).toBeDefined();
  const [order] = await t.database.db.select().from(orders).where(eq(orders.number, number!));
  return { customerId: order!.customerId, number: number! };
}

/** The value of a figure card, spaces as typed (Intl puts a no-break space after the currency). */
const stat = (html: string, name: string) =>
  new RegExp(`data-stat="${name}"><span class="stat-label">[^<]*</span><span class="stat-value">([^<]*)<`).exec(html)?.[1]?.replace(/\s/g, ' ');

async function customerIdByPhone(phone: string) {
  const [c] = await t.database.db.select().from(customers).where(eq(customers.phone, phone));
  return c!.id;
}

describe('who sees customers', () => {
  it('refuses packers and lets staff see the list but not merge', async () => {
    expect((await packer.get('/admin/customers')).statusCode).toBe(403);
    expect((await staff.get('/admin/customers')).statusCode).toBe(200);
    const number = await makeApiOrder(t.app, 'HONEY-1', { customer: { name: 'คนทดสอบ สิทธิ์', phone: '0861112222' } });
    expect(number).toMatch(/^TL-/);
    const id = await customerIdByPhone('66861112222');
    expect((await packer.get(`/admin/customers/${id}`)).statusCode).toBe(403);
    expect((await staff.get(`/admin/customers/${id}`)).statusCode).toBe(200);
    expect((await staff.get(`/admin/customers/${id}/merge`)).statusCode).toBe(403);
    expect((await staff.post(`/admin/customers/${id}/merge`, { duplicateId: String(id) })).statusCode).toBe(403);
    expect((await admin.get(`/admin/customers/${id}/merge`)).statusCode).toBe(200);
  });
});

describe('the customer list and page', () => {
  let id: number;

  beforeAll(async () => {
    const customer = { name: 'สมศรี รักดี', phone: '081-555-1234' };
    const first = await makeApiOrder(t.app, 'HONEY-1', { qty: 2, customer, status: 'paid' });
    const second = await makeApiOrder(t.app, 'HONEY-1', { qty: 1, customer, status: 'paid' });
    const cancelled = await makeApiOrder(t.app, 'HONEY-1', { qty: 4, customer });
    await t.app.inject({ method: 'POST', url: `/api/v1/orders/${cancelled}/transitions`, headers: auth, payload: { to: 'cancelled' } });
    // Paid, then cancelled: the refund owed is not paid back yet, so nothing is taken off.
    const refunded = await makeApiOrder(t.app, 'HONEY-1', { qty: 1, customer, status: 'paid' });
    await t.app.inject({ method: 'POST', url: `/api/v1/orders/${refunded}/transitions`, headers: auth, payload: { to: 'cancelled', note: 'ลูกค้าขอยกเลิก' } });
    await t.database.db.execute(sql`update refunds set status = 'paid', paid_at = now() where order_id = (select id from orders where number = ${refunded})`);
    // Twenty days between the two orders that count.
    await t.database.db.execute(sql`update orders set created_at = now() - interval '30 days' where number = ${first}`);
    await t.database.db.execute(sql`update orders set created_at = now() - interval '10 days' where number = ${second}`);
    id = await customerIdByPhone('66815551234');
  });

  it('finds a customer by phone in any format, by name and by LINE display name', async () => {
    for (const q of ['0815551234', '081-555-1234', '+66 81 555 1234', '5551234', 'สมศรี']) {
      const res = await staff.get(`/admin/customers?q=${encodeURIComponent(q)}`);
      expect(res.body, q).toContain(`data-customer="${id}"`);
    }
    const other = await staff.get(`/admin/customers?q=${encodeURIComponent('0899999999')}`);
    expect(other.body).not.toContain(`data-customer="${id}"`);

    const userId = lineUserId('display-name-search');
    line.setProfile(userId, { displayName: 'ป้าแดงขายดี', language: 'th' });
    await say(userId, 'เมนู');
    const [identity] = await t.database.db.select().from(customerIdentities).where(eq(customerIdentities.externalId, userId));
    const byName = await staff.get(`/admin/customers?q=${encodeURIComponent('แดงขาย')}`);
    expect(byName.body).toContain(`data-customer="${identity!.customerId}"`);
  });

  it('shows orders, lifetime value (paid less refunded) and the average days between orders', async () => {
    const page = await staff.get(`/admin/customers/${id}`);
    expect(page.statusCode).toBe(200);
    const body = decodeEntities(page.body);
    // Paid 2 x 250 + 1 x 250 + 250 = 1,000 baht, 250 refunded: 750; the unpaid cancelled order brought nothing.
    expect(stat(body, 'lifetime')).toBe('THB 750.00');
    expect(stat(body, 'average')).toBe('20 days');
    const links = [...page.body.matchAll(/href="\/admin\/orders\/(TL-\d+)"/g)].map((m) => m[1]);
    expect(links).toHaveLength(4);
    const list = await staff.get(`/admin/customers?q=${encodeURIComponent('สมศรี')}`);
    expect(decodeEntities(list.body).replace(/\s/g, ' ')).toContain('THB 750.00');
  });

  it('has no average with fewer than two orders', async () => {
    await makeApiOrder(t.app, 'HONEY-1', { customer: { name: 'ลูกค้าใหม่', phone: '0823334444' } });
    const page = await staff.get(`/admin/customers/${await customerIdByPhone('66823334444')}`);
    expect(stat(decodeEntities(page.body), 'average')).toBe('—');
  });

  it('switches reorder reminders off and on, with an audit row each time', async () => {
    expect((await staff.post(`/admin/customers/${id}/reminders`, { optOut: 'true' })).statusCode).toBe(303);
    let [c] = await t.database.db.select().from(customers).where(eq(customers.id, id));
    expect(c!.reminderOptOut).toBe(true);
    expect((await staff.post(`/admin/customers/${id}/reminders`, { optOut: 'false' })).statusCode).toBe(303);
    [c] = await t.database.db.select().from(customers).where(eq(customers.id, id));
    expect(c!.reminderOptOut).toBe(false);
    const audit = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.target, `customer:${id}`));
    expect(audit.map((a) => a.action)).toEqual(['customer.reminders_opt_out', 'customer.reminders_opt_in']);
    expect((await staff.post(`/admin/customers/${id}/reminders`, { optOut: 'true' }, { csrf: false })).statusCode).toBe(403);
    [c] = await t.database.db.select().from(customers).where(eq(customers.id, id));
    expect(c!.reminderOptOut).toBe(false);
  });
});

describe('merging two records of the same person', () => {
  it('moves orders, identities and addresses to the kept record; the merged one redirects; later chat lands on the kept one', async () => {
    // The same person ordered by phone (kept) and through LINE (the duplicate).
    const phoneOrder = await makeApiOrder(t.app, 'HONEY-1', { customer: { name: 'มานี มีนา', phone: '0844445555' } });
    const keepId = await customerIdByPhone('66844445555');
    const userId = lineUserId('merge-me');
    line.setProfile(userId, { displayName: 'มานี LINE', language: 'th' });
    const first = await lineOrder(userId);
    const dupId = first.customerId;
    expect(dupId).not.toBe(keepId);
    await t.database.db.update(customers).set({ email: 'manee@example.com' }).where(eq(customers.id, dupId));

    const pick = await owner.get(`/admin/customers/${keepId}/merge?q=${encodeURIComponent('มานี LINE')}`);
    expect(pick.body).toContain(`href="/admin/customers/${keepId}/merge/${dupId}"`);
    const confirm = await owner.get(`/admin/customers/${keepId}/merge/${dupId}`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('data-side="keep"');
    expect(decodeEntities(confirm.body)).toContain('มานี LINE');

    const merged = await owner.post(`/admin/customers/${keepId}/merge`, { duplicateId: String(dupId) });
    expect(merged.statusCode).toBe(303);
    expect(merged.headers.location).toBe(`/admin/customers/${keepId}?done=customersMerged`);

    const ordersOfKept = await t.database.db.select({ number: orders.number }).from(orders).where(eq(orders.customerId, keepId));
    expect(ordersOfKept.map((o) => o.number).sort()).toEqual([phoneOrder, first.number].sort());
    const identities = await t.database.db.select().from(customerIdentities).where(eq(customerIdentities.externalId, userId));
    expect(identities[0]!.customerId).toBe(keepId);
    const addresses = await t.database.db.select().from(customerAddresses).where(eq(customerAddresses.customerId, dupId));
    expect(addresses).toHaveLength(0);
    const [kept] = await t.database.db.select().from(customers).where(eq(customers.id, keepId));
    expect(kept).toMatchObject({ name: 'มานี มีนา', phone: '66844445555', email: 'manee@example.com', mergedIntoId: null });
    const [dup] = await t.database.db.select().from(customers).where(eq(customers.id, dupId));
    expect(dup!.mergedIntoId).toBe(keepId);
    const audit = await t.database.db.select().from(adminAuditLog).where(and(eq(adminAuditLog.action, 'customer.merge'), eq(adminAuditLog.target, `customer:${keepId}`)));
    expect(audit).toHaveLength(1);

    const old = await staff.get(`/admin/customers/${dupId}`);
    expect(old.statusCode).toBe(301);
    expect(old.headers.location).toBe(`/admin/customers/${keepId}`);
    const page = await staff.get(`/admin/customers/${keepId}`);
    expect(page.body).toContain('data-identity="line"');
    expect(page.body).toContain(`/admin/orders/${first.number}`);
    expect((await staff.get(`/admin/customers?q=${encodeURIComponent('มานี')}`)).body).not.toContain(`data-customer="${dupId}"`);

    // The same LINE account orders again: the order is the kept customer's.
    const again = await lineOrder(userId);
    expect(again.customerId).toBe(keepId);
  });

  it('refuses merging a record with itself or with one already merged, and changes nothing', async () => {
    await makeApiOrder(t.app, 'HONEY-1', { customer: { name: 'คนเดียว', phone: '0857778888' } });
    const a = await customerIdByPhone('66857778888');
    const self = await admin.post(`/admin/customers/${a}/merge`, { duplicateId: String(a) });
    expect(self.statusCode).toBe(409);
    expect(decodeEntities(self.body)).toContain('cannot be merged with itself');

    const [mergedOne] = await t.database.db.select().from(customers).where(sql`${customers.mergedIntoId} is not null`);
    const twice = await admin.post(`/admin/customers/${a}/merge`, { duplicateId: String(mergedOne!.id) });
    expect(twice.statusCode).toBe(409);
    expect(decodeEntities(twice.body)).toContain('already merged');
    const confirm = await owner.get(`/admin/customers/${a}/merge/${mergedOne!.id}`);
    expect(confirm.statusCode).toBe(409);
    const [after] = await t.database.db.select().from(customers).where(eq(customers.id, mergedOne!.id));
    expect(after!.mergedIntoId).toBe(mergedOne!.mergedIntoId);
    expect((await t.database.db.select().from(orders).where(eq(orders.customerId, a))).length).toBe(1);
  });

  it('refuses a merge without the CSRF token', async () => {
    await makeApiOrder(t.app, 'HONEY-1', { customer: { name: 'หนึ่ง', phone: '0861230001' } });
    await makeApiOrder(t.app, 'HONEY-1', { customer: { name: 'สอง', phone: '0861230002' } });
    const a = await customerIdByPhone('66861230001');
    const b = await customerIdByPhone('66861230002');
    expect((await owner.post(`/admin/customers/${a}/merge`, { duplicateId: String(b) }, { csrf: false })).statusCode).toBe(403);
    const [c] = await t.database.db.select().from(customers).where(eq(customers.id, b));
    expect(c!.mergedIntoId).toBeNull();
  });
});

describe('the customer list counts each customer by their own id', () => {
  it('shows orders, lifetime value, last order and source for customers whose ids differ from their orders\' ids', async () => {
    // Customers without orders first, and a burst of orders for one customer, so no customer id lines
    // up with an order id or an identity id.
    for (const n of [1, 2, 3, 4, 5]) await makeApiOrder(t.app, 'HONEY-1', { customer: { name: `ผู้สั่ง ${n}`, phone: `08700000${n}0` } });
    for (let n = 0; n < 12; n++) await makeApiOrder(t.app, 'HONEY-1', { customer: { name: 'ผู้สั่ง 1', phone: '0870000010' } });
    const order = (payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: auth,
        payload: {
          lines: [{ sku: 'HONEY-1', qty: 1 }],
          shippingAddress: { name: 'วันดี ศรีสุข', phone: '0871112222', address: '45 หมู่ 3 ต.หนองหอย อ.เมือง เชียงใหม่', postcode: '50000' },
          ...payload,
        },
      });
    const shopee = { name: 'วันดี ศรีสุข', phone: '087-111-2222' };
    for (const externalId of ['SHP-2401', 'SHP-2402', 'SHP-2403']) {
      const res = await order({ channel: 'shopee', externalId, customer: shopee, paymentMethod: 'promptpay' });
      expect(res.statusCode, res.body).toBe(201);
      const moved = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${res.json().number}/transitions`, headers: auth, payload: { to: 'paid' } });
      expect(moved.statusCode).toBe(200);
    }
    const manual = { name: 'ประยุทธ ใจงาม', phone: '087-333-4444' };
    const manualOrder = await order({ channel: 'manual', customer: manual, paymentMethod: 'promptpay' });
    expect(manualOrder.statusCode).toBe(201);
    await t.app.inject({ method: 'POST', url: `/api/v1/orders/${manualOrder.json().number}/transitions`, headers: auth, payload: { to: 'paid' } });
    await t.database.db.execute(sql`update orders set created_at = '2026-11-02T03:00:00Z' where number = ${manualOrder.json().number}`);

    const shopeeId = await customerIdByPhone('66871112222');
    const manualId = await customerIdByPhone('66873334444');
    const shopeeOrders = await t.database.db.select().from(orders).where(eq(orders.customerId, shopeeId));
    expect(shopeeOrders.map((o) => o.id)).not.toContain(shopeeId);
    const identities = await t.database.db.select({ id: customerIdentities.id }).from(customerIdentities);
    expect(identities.map((i) => i.id)).not.toContain(shopeeId);

    const row = async (id: number, q: string) => {
      const list = decodeEntities((await staff.get(`/admin/customers?q=${encodeURIComponent(q)}`)).body).replace(/\s+/g, ' ');
      const tr = new RegExp(`<tr data-customer="${id}">(.*?)</tr>`).exec(list)?.[1];
      expect(tr, q).toBeDefined();
      const cells = [...tr!.matchAll(/<td data-label="([^"]*)"[^>]*>(.*?)<\/td>/g)].map((m) => [m[1], m[2]!.replace(/<[^>]+>/g, '').trim()]);
      return Object.fromEntries(cells) as Record<string, string>;
    };
    const s = await row(shopeeId, 'วันดี');
    expect(s.Orders).toBe('3');
    expect(s['Lifetime value']).toBe('THB 750.00');
    expect(s.Channels).toBe('Shopee');
    expect(s['Last order']).not.toBe('');

    const m = await row(manualId, 'ประยุทธ');
    expect(m.Orders).toBe('1');
    expect(m['Lifetime value']).toBe('THB 250.00');
    expect(m.Channels).toBe('Manual');
    // 03:00 UTC is 10:00 in Bangkok.
    expect(m['Last order']).toBe('2 Nov 2026, 10:00');
  });
});
