// Orders typed in by staff: the cart built by scanning and searching, every bad input refused with
// nothing written, a double submit placing one order, a walk-in paid at the counter, chat payment details.
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, invoices, orderHistory, orders, outbox, payments, productVariants } from '#src/db/schema/index.ts';
import { withTransaction } from '#src/db/client.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { apiOrder, decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let staff: AdminClient;
let packer: AdminClient;
let owner: AdminClient;

beforeAll(async () => {
  t = await buildTestApp({ SHIPPING_FLAT_FEE: '40', PROMPTPAY_ID: '0812223333' });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
  const { variant } = await makeProduct(t.database.db, { sku: 'ENT-Mug', price: 12_000, stock: { MAIN: 20 } });
  await t.database.db.update(productVariants).set({ barcode: '8850001112223' }).where(eq(productVariants.id, variant.id));
  await makeProduct(t.database.db, { sku: 'ENT-LAST', price: 5_000, stock: { MAIN: 2 } });
});
afterAll(() => t?.close());

const orderCount = async () => (await t.database.db.select({ n: count() }).from(orders))[0]!.n;
const tokenOf = (html: string) => /name="formToken" value="([^"]+)"/.exec(html)![1]!;

async function freshToken(client = staff) {
  const page = await client.get('/admin/orders/new');
  expect(page.statusCode).toBe(200);
  return tokenOf(page.body);
}

function orderForm(token: string, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    formToken: token,
    newName: 'คุณมานี มีนา',
    newPhone: '089-111-2233',
    source: 'phone',
    sku: ['ENT-Mug'],
    qty: ['2'],
    shippingFee: '40.00',
    feeSuggested: '40.00',
    discount: '',
    shipName: 'คุณมานี มีนา',
    shipPhone: '0891112233',
    shipAddress: '45 ถนนนิมมานเหมินท์ เชียงใหม่',
    shipPostcode: '50200',
    paymentMethod: 'transfer',
    ...extra,
  };
}

describe('the cart of a new order', () => {
  it('adds a scanned SKU (any case) with qty 1, increments it on a barcode scan, and prefills the shop fee', async () => {
    const first = await staff.post('/admin/orders/new/cart', { code: 'ent-mug' }, { headers: { 'hx-request': 'true' } });
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('data-line="ENT-Mug" data-qty="1"');
    expect(first.body).toContain('name="shippingFee" value="40.00"');
    const second = await staff.post('/admin/orders/new/cart', { sku: 'ENT-Mug', qty: '1', code: '8850001112223', shippingFee: '40.00', feeSuggested: '40.00' });
    expect(second.body).toContain('data-line="ENT-Mug" data-qty="2"');
    expect(decodeEntities(second.body)).toMatch(/data-total="subtotal">[^<]*240/);
    expect(decodeEntities(second.body)).toMatch(/data-total="total">[^<]*280/);
    // A fee typed by staff is kept; a removed line goes.
    const kept = await staff.post('/admin/orders/new/cart', { sku: ['ENT-Mug', 'ENT-LAST'], qty: ['2', '1'], shippingFee: '15', feeSuggested: '40.00', remove: 'ENT-LAST' });
    expect(kept.body).toContain('name="shippingFee" value="15"');
    expect(kept.body).not.toContain('data-line="ENT-LAST"');
    const unknown = await staff.post('/admin/orders/new/cart', { sku: 'ENT-Mug', qty: '1', code: 'NOPE-404' });
    expect(decodeEntities(unknown.body)).toContain('No product has the code “NOPE-404”.');
    expect(unknown.body).toContain('data-line="ENT-Mug" data-qty="1"');
  });

  it('finds customers by name or phone and products by name, SKU or barcode', async () => {
    await staff.post('/admin/orders/new', orderForm(await freshToken(), { newName: 'สมศรี ค้นหาได้', newPhone: '0865554444' }));
    const byPhone = await staff.get('/admin/orders/new/customers?q=086-555');
    expect(decodeEntities(byPhone.body)).toContain('สมศรี ค้นหาได้');
    const byName = await staff.get(`/admin/orders/new/customers?q=${encodeURIComponent('ค้นหา')}`);
    expect(decodeEntities(byName.body)).toContain('สมศรี ค้นหาได้');
    const products = await staff.get('/admin/orders/new/products?pq=ent-');
    expect(products.body).toContain('data-product="ENT-Mug"');
    expect(products.body).toContain('data-product="ENT-LAST"');
  });
});

describe('placing an order typed in by staff', () => {
  it('reserves stock, records the source, and shows as a manual order in the JSON API', async () => {
    const reserved = async () =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/stock?sku=ENT-Mug', headers: { authorization: `Bearer ${t.config.apiToken}` } })).json().items[0].reserved as number;
    const reservedBefore = await reserved();
    const token = await freshToken();
    const res = await staff.post('/admin/orders/new', orderForm(token, { source: 'facebook', note: 'ลูกค้าทักมาทางเพจ' }));
    expect(res.statusCode, res.body.slice(0, 500)).toBe(303);
    const number = /^\/admin\/orders\/([^?]+)\?done=orderEntry\.created$/.exec(res.headers.location as string)![1]!;
    const order = await apiOrder(t.app, number);
    expect(order).toMatchObject({ number, channel: 'manual', status: 'pending_payment', customer: { name: 'คุณมานี มีนา' } });
    expect(order.lines).toEqual([expect.objectContaining({ sku: 'ENT-Mug', qty: 2, unitPrice: { amount: 12_000, currency: 'THB' } })]);
    expect(order.total).toEqual({ amount: 28_000, currency: 'THB' });
    const [row] = await t.database.db.select().from(orders).where(eq(orders.number, number));
    // The note is what staff typed; where the order came from is an event, read in each reader's language.
    expect(row!.note).toBe('ลูกค้าทักมาทางเพจ');
    const entered = await t.database.db.select().from(orderHistory).where(eq(orderHistory.orderId, row!.id));
    expect(entered.map((h) => h.event)).toContainEqual({ kind: 'order.entered', params: { source: 'facebook', pickup: false } });
    expect(entered.every((h) => !h.note || !/source:/.test(h.note))).toBe(true);
    expect(row!.customerPhone).toBe('66891112233');
    expect(await reserved()).toBe(reservedBefore + 2);
    // The existing order page still answers beside /admin/orders/new.
    expect((await staff.get(`/admin/orders/${number}`)).statusCode).toBe(200);
  });

  it('places one order when the same form is sent twice', async () => {
    const token = await freshToken();
    const before = await orderCount();
    const [one, two] = await Promise.all([staff.post('/admin/orders/new', orderForm(token)), staff.post('/admin/orders/new', orderForm(token))]);
    expect(await orderCount()).toBe(before + 1);
    const numbers = [one, two].map((r) => /\/admin\/orders\/([^?]+)/.exec(r.headers.location as string)![1]);
    expect(numbers[0]).toBe(numbers[1]);
    expect([one, two].map((r) => (r.headers.location as string).split('done=')[1]).sort()).toEqual(['orderEntry.already', 'orderEntry.created']);
  });

  it('refuses bad input with errors beside the fields and writes nothing', async () => {
    const before = await orderCount();
    const customersBefore = (await t.database.db.select({ n: count() }).from(customers))[0]!.n;
    const cases: [Record<string, string | string[]>, string][] = [
      [{ sku: ['NOPE-1'], qty: ['1'] }, 'Unknown code “NOPE-1”.'],
      [{ qty: ['0'] }, 'Quantity must be a whole number from 1.'],
      [{ sku: [], qty: [] }, 'Add at least one item.'],
      [{ shipAddress: '' }, 'Please fill this in'],
      [{ newPhone: '12' }, 'Enter a Thai phone number'],
      [{ paymentMethod: 'cod', paidNow: '1' }, 'A cash-on-delivery order is paid on delivery, not now.'],
      [{ pickup: '1', source: 'phone' }, 'Only a walk-in customer can take the items without delivery.'],
      [{ discount: '9999' }, 'The discount is larger than the order.'],
    ];
    for (const [change, message] of cases) {
      const res = await staff.post('/admin/orders/new', orderForm(await freshToken(), change));
      expect(res.statusCode, JSON.stringify(change)).toBe(400);
      expect(decodeEntities(res.body), JSON.stringify(change)).toContain(message);
    }
    expect(await orderCount()).toBe(before);
    expect((await t.database.db.select({ n: count() }).from(customers))[0]!.n).toBe(customersBefore);
  });

  it('shows out-of-stock on the line in the user’s language and reserves nothing', async () => {
    const before = await orderCount();
    const res = await staff.post('/admin/orders/new', orderForm(await freshToken(), { sku: ['ENT-LAST'], qty: ['3'] }));
    expect(res.statusCode).toBe(400);
    expect(decodeEntities(res.body)).toContain('data-line-error="ENT-LAST">Not enough stock: 2 left.');
    const thai = await owner.post('/admin/orders/new', orderForm(await freshToken(owner), { sku: ['ENT-LAST'], qty: ['3'] }));
    expect(decodeEntities(thai.body)).toContain('สินค้าไม่พอ เหลือ 2 ชิ้น');
    expect(await orderCount()).toBe(before);
  });

  it('marks a walk-in paid at the counter as paid at once, with a confirmed payment and an invoice', async () => {
    const res = await staff.post(
      '/admin/orders/new',
      orderForm(await freshToken(), { source: 'walkin', pickup: '1', paidNow: '1', paymentMethod: 'promptpay', shipName: '', shipPhone: '', shipAddress: '', shipPostcode: '' }),
    );
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    const number = /\/admin\/orders\/([^?]+)/.exec(res.headers.location as string)![1]!;
    const [row] = await t.database.db.select().from(orders).where(eq(orders.number, number));
    expect(row).toMatchObject({ status: 'paid', shippingFee: 0, total: 24_000 });
    const paid = await t.database.db.select().from(payments).where(eq(payments.orderId, row!.id));
    expect(paid).toEqual([expect.objectContaining({ status: 'confirmed', amount: 24_000, method: 'promptpay' })]);
    const [invoice] = await t.database.db.select().from(invoices).where(eq(invoices.orderId, row!.id));
    expect(invoice!.number).toMatch(/^INV\d{4}-\d{6}$/);
    const history = await t.database.db.select().from(orderHistory).where(eq(orderHistory.orderId, row!.id));
    expect(history.map((h) => h.toStatus)).toContain('paid');
    expect(history.some((h) => h.event?.kind === 'order.entered' && h.event.params.source === 'walkin' && h.event.params.pickup)).toBe(true);
  });

  it('takes cash from a walk-in: the payment is cash, the order paid, and the page says so', async () => {
    const res = await staff.post(
      '/admin/orders/new',
      orderForm(await freshToken(), { source: 'walkin', pickup: '1', paidNow: '1', paymentMethod: 'cash', shipName: '', shipPhone: '', shipAddress: '', shipPostcode: '' }),
    );
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    const number = /\/admin\/orders\/([^?]+)/.exec(res.headers.location as string)![1]!;
    const [row] = await t.database.db.select().from(orders).where(eq(orders.number, number));
    expect(row).toMatchObject({ status: 'paid', paymentMethod: 'cash' });
    const paid = await t.database.db.select().from(payments).where(eq(payments.orderId, row!.id));
    expect(paid).toEqual([expect.objectContaining({ status: 'confirmed', amount: row!.total, method: 'cash' })]);
    const page = await staff.get(`/admin/orders/${number}`);
    expect(page.body).toMatch(/data-payment-method>(Cash|เงินสด)</);
    // A typed-in order is never "paid on the marketplace".
    const refused = await staff.post('/admin/orders/new', orderForm(await freshToken(), { paymentMethod: 'marketplace' }));
    expect(refused.statusCode).toBe(400);
  });

  it('sends the payment details to the chat of a customer known on LINE', async () => {
    const customer = await withTransaction(t.database.db, async (tx) => {
      const { customer } = await ensureChatIdentity(tx, { channel: 'line', externalId: 'U-entry-1', displayName: 'Line Lady' });
      await tx.update(customers).set({ phone: '66877778888', name: 'Line Lady' }).where(eq(customers.id, customer.id));
      return customer;
    });
    const res = await staff.post('/admin/orders/new', orderForm(await freshToken(), { newName: '', newPhone: '', customerId: String(customer.id), sendPayment: '1', paymentMethod: 'promptpay' }));
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    const number = /\/admin\/orders\/([^?]+)/.exec(res.headers.location as string)![1]!;
    const queued = await t.database.db.select().from(outbox).where(eq(outbox.recipient, 'U-entry-1'));
    expect(queued).toEqual([
      expect.objectContaining({
        channel: 'line',
        payload: expect.objectContaining({ template: 'order.payment_reminder', params: expect.objectContaining({ orderNumber: number, total: 28_000, promptPayId: '0812223333' }) }),
      }),
    ]);
  });
});

describe('who may enter orders', () => {
  it('lets staff in, keeps packers out, and refuses a POST without the CSRF token', async () => {
    expect((await packer.get('/admin/orders/new')).statusCode).toBe(403);
    expect((await packer.get('/admin/orders/new/customers?q=ab')).statusCode).toBe(403);
    expect((await packer.get('/admin/orders/new/products?pq=ab')).statusCode).toBe(403);
    expect((await packer.post('/admin/orders/new/cart', { code: 'ENT-Mug' })).statusCode).toBe(403);
    const before = await orderCount();
    expect((await packer.post('/admin/orders/new', orderForm(await freshToken()))).statusCode).toBe(403);
    expect((await staff.post('/admin/orders/new', orderForm(await freshToken()), { csrf: false })).statusCode).toBe(403);
    expect(await orderCount()).toBe(before);
    for (const url of ['/admin/orders/new', '/admin/orders/new/customers?q=ab', '/admin/orders/new/products?pq=ab']) {
      expect((await staff.get(url)).statusCode, url).toBe(200);
      expect((await owner.get(url)).statusCode, url).toBe(200);
    }
  });
});
