import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, createApiKey } from '#src/modules/accounts/index.ts';
import { outboxFor } from '#src/modules/notify/index.ts';
import { findOrCreateCustomerByIdentity } from '#src/modules/customers/index.ts';
import { withTransaction } from '#src/db/client.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { makeUser, signIn } from '../helpers/admin.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { apiOrderBody, makeProduct, orderInput } from '../helpers/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t?.close());

const inject = (opts: { method: 'GET' | 'POST'; url: string; payload?: object; headers?: Record<string, string> }) =>
  t.app.inject({ method: opts.method, url: opts.url, payload: opts.payload, headers: { ...auth, ...opts.headers } });

describe('health and docs', () => {
  it('answers /healthz once the database answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('describes the API as OpenAPI at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const spec = res.json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/products', '/api/v1/orders', '/api/v1/orders/{number}/transitions']),
    );
  });
});

describe('authentication', () => {
  it('refuses a request without a token with 401 in the documented shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/orders' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
  });

  it('refuses a wrong token, and accepts a user API key', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/products', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    const user = await createUser(t.database.db, { email: 'staff@example.com', name: 'Staff', password: 'long enough pw', role: 'staff' });
    const key = await createApiKey(t.database.db, user.id, 'website');
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/products', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);
  });
});

describe('products and stock', () => {
  it('creates a product with opening stock and lists it with what is available', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/products',
      payload: { sku: 'API-TEE-L', name: 'เสื้อยืด ไซซ์ L / T-shirt size L', price: { amount: 29_900, currency: 'THB' }, stock: { onHand: 7 } },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ sku: 'API-TEE-L', name: 'เสื้อยืด ไซซ์ L', nameEn: 'T-shirt size L', available: 7 });
    const list = await inject({ method: 'GET', url: '/api/v1/products' });
    expect(list.json().items).toContainEqual({
      sku: 'API-TEE-L',
      name: 'เสื้อยืด ไซซ์ L',
      nameEn: 'T-shirt size L',
      price: { amount: 29_900, currency: 'THB' },
      available: 7,
    });
  });

  it('refuses a duplicate SKU with 409', async () => {
    const body = { sku: 'API-DUP', name: 'x', price: { amount: 100, currency: 'THB' } };
    expect((await inject({ method: 'POST', url: '/api/v1/products', payload: body })).statusCode).toBe(201);
    const res = await inject({ method: 'POST', url: '/api/v1/products', payload: { ...body, sku: 'api-dup' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('DUPLICATE_SKU');
  });

  it('adjusts stock with a ledger reason and refuses to go below what is reserved', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 5 } });
    const customer = await withTransaction(t.database.db, (tx) =>
      findOrCreateCustomerByIdentity(tx, { channel: 'webchat', externalId: 'adj-1', displayName: 'A' }),
    );
    await placeOrder(t.database.db, orderInput(customer, [{ sku, qty: 3 }]));
    const received = await inject({ method: 'POST', url: '/api/v1/stock/adjustments', payload: { sku, delta: 10, reason: 'receive' } });
    expect(received.statusCode).toBe(201);
    expect(received.json()).toEqual({ sku, warehouse: 'MAIN', onHand: 15, reserved: 3, available: 12 });
    const tooMuch = await inject({ method: 'POST', url: '/api/v1/stock/adjustments', payload: { sku, delta: -13, reason: 'damage' } });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json().error.code).toBe('NEGATIVE_STOCK');
    const stock = await inject({ method: 'GET', url: `/api/v1/stock?sku=${sku}` });
    expect(stock.json()).toEqual({ items: [{ sku, warehouse: 'MAIN', onHand: 15, reserved: 3, available: 12 }] });
    const unknownWarehouse = await inject({
      method: 'POST',
      url: '/api/v1/stock/adjustments',
      payload: { sku, warehouse: 'NOWHERE', delta: 1, reason: 'receive' },
    });
    expect(unknownWarehouse.json().error.code).toBe('UNKNOWN_WAREHOUSE');
  });
});

describe('orders', () => {
  it('creates one order for two requests with the same Idempotency-Key', async () => {
    const { sku } = await makeProduct(t.database.db, { price: 15_000, stock: { MAIN: 10 } });
    const body = apiOrderBody([{ sku, qty: 2 }], { shippingFee: { amount: 4_000, currency: 'THB' } });
    const headers = { 'idempotency-key': 'order-key-0001' };
    const first = await inject({ method: 'POST', url: '/api/v1/orders', payload: body, headers });
    const second = await inject({ method: 'POST', url: '/api/v1/orders', payload: body, headers });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().number).toBe(first.json().number);
    expect(first.json()).toMatchObject({
      status: 'pending_payment',
      channel: 'api',
      customer: { name: 'สมหญิง ใจดี', phone: '66812345678' },
      lines: [{ sku, qty: 2, unitPrice: { amount: 15_000, currency: 'THB' } }],
      total: { amount: 34_000, currency: 'THB' },
      payments: [],
      shipments: [],
    });
    // The created order is shown from what its placement wrote, without reading it back: exactly what
    // reading it gives, as the replay and GET show it.
    expect(first.json()).toEqual(second.json());
    expect(first.json()).toEqual((await inject({ method: 'GET', url: `/api/v1/orders/${first.json().number}` })).json());
    const stock = await inject({ method: 'GET', url: `/api/v1/stock?sku=${sku}` });
    expect(stock.json().items[0].reserved).toBe(2);
  });

  it('creates one order when the same Idempotency-Key arrives ten times at once', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 100 } });
    const body = apiOrderBody([{ sku, qty: 1 }]);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => inject({ method: 'POST', url: '/api/v1/orders', payload: body, headers: { 'idempotency-key': 'race-key-42' } })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((r) => r.json().number)).size).toBe(1);
    const stock = await inject({ method: 'GET', url: `/api/v1/stock?sku=${sku}` });
    expect(stock.json().items[0].reserved).toBe(1);
  });

  it('refuses an Idempotency-Key re-used for a different order', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 10 } });
    const headers = { 'idempotency-key': 'reuse-key-01' };
    expect((await inject({ method: 'POST', url: '/api/v1/orders', payload: apiOrderBody([{ sku, qty: 1 }]), headers })).statusCode).toBe(201);
    const res = await inject({ method: 'POST', url: '/api/v1/orders', payload: apiOrderBody([{ sku, qty: 2 }]), headers });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('answers a bad body with 400 naming the field', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/v1/orders',
      payload: apiOrderBody([{ sku: 'X', qty: 0 }], { shippingAddress: { name: 'A', phone: '0812345678', address: '' } }),
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.message).toContain('body.lines[0].qty');
    expect(error.message).toContain('body.shippingAddress.address');
  });

  it('answers malformed JSON with 400 in the documented shape', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"channel": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBeTypeOf('string');
  });

  it('answers an unknown SKU with 422 UNKNOWN_SKU and creates nothing', async () => {
    const before = (await inject({ method: 'GET', url: '/api/v1/orders?limit=200' })).json().items.length;
    const res = await inject({ method: 'POST', url: '/api/v1/orders', payload: apiOrderBody([{ sku: 'NO-SUCH-SKU', qty: 1 }]) });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'UNKNOWN_SKU', message: expect.stringContaining('NO-SUCH-SKU') });
    expect((await inject({ method: 'GET', url: '/api/v1/orders?limit=200' })).json().items.length).toBe(before);
  });

  it('answers an order beyond stock with 409 INSUFFICIENT_STOCK saying what is available', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 2 } });
    const res = await inject({ method: 'POST', url: '/api/v1/orders', payload: apiOrderBody([{ sku, qty: 3 }]) });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'INSUFFICIENT_STOCK', message: expect.stringContaining('available 2') });
  });

  it('refuses a second order with the same marketplace id', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 5 } });
    const body = apiOrderBody([{ sku, qty: 1 }], { channel: 'shopee', externalId: '2411220001' });
    expect((await inject({ method: 'POST', url: '/api/v1/orders', payload: body })).statusCode).toBe(201);
    const res = await inject({ method: 'POST', url: '/api/v1/orders', payload: body });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('DUPLICATE_EXTERNAL_ID');
  });

  it('moves an order through legal transitions with history, and refuses an illegal one with 409', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 5 } });
    const created = (await inject({ method: 'POST', url: '/api/v1/orders', payload: apiOrderBody([{ sku, qty: 1 }]) })).json();
    const url = `/api/v1/orders/${created.number}/transitions`;
    const paid = await inject({ method: 'POST', url, payload: { to: 'paid', note: 'transfer seen in the bank app' } });
    expect(paid.statusCode).toBe(200);
    expect(paid.json()).toMatchObject({ status: 'paid', payments: [{ method: 'promptpay', status: 'confirmed', amount: created.total }] });
    const illegal = await inject({ method: 'POST', url, payload: { to: 'pending_payment' } });
    expect(illegal.statusCode).toBe(409);
    expect(illegal.json().error.code).toBe('ILLEGAL_TRANSITION');
    const detail = (await inject({ method: 'GET', url: `/api/v1/orders/${created.number}` })).json();
    expect(detail.history.map((h: { to: string }) => h.to)).toEqual(['pending_payment', 'paid']);
    expect(detail.history[1]).toMatchObject({ from: 'pending_payment', actor: 'api', note: 'transfer seen in the bank app' });
  });

  it('ships with a tracking number, deducts stock and queues one message to the customer chat', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 5 } });
    const customer = await withTransaction(t.database.db, (tx) =>
      findOrCreateCustomerByIdentity(tx, { channel: 'line', externalId: 'U-ship-1', displayName: 'Nok', language: 'th' }),
    );
    const { order } = await placeOrder(t.database.db, { ...orderInput(customer, [{ sku, qty: 2 }]), channel: 'line' });
    const url = `/api/v1/orders/${order.number}`;
    await inject({ method: 'POST', url: `${url}/transitions`, payload: { to: 'paid' } });
    const tooEarly = await inject({ method: 'POST', url: `${url}/shipments`, payload: { carrier: 'Flash', trackingNumber: 'TH0123456789' } });
    expect(tooEarly.statusCode).toBe(409);
    await inject({ method: 'POST', url: `${url}/transitions`, payload: { to: 'confirmed' } });
    const shipped = await inject({ method: 'POST', url: `${url}/shipments`, payload: { carrier: 'Flash', trackingNumber: 'TH0123456789' } });
    expect(shipped.statusCode).toBe(201);
    expect(shipped.json()).toMatchObject({
      carrier: 'Flash Express',
      trackingNumber: 'TH0123456789',
      order: { status: 'shipped', shipments: [{ carrier: 'Flash Express', trackingNumber: 'TH0123456789', status: 'shipped' }] },
    });
    expect((await inject({ method: 'GET', url: `/api/v1/stock?sku=${sku}` })).json().items[0]).toMatchObject({ onHand: 3, reserved: 0 });
    const messages = (await outboxFor(t.database.db, 'U-ship-1')).filter((m) => 'template' in m.payload && m.payload.template === 'order.shipped');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      channel: 'line',
      payload: { locale: 'th', params: { orderNumber: order.number, trackingNumber: 'TH0123456789', carrier: 'Flash Express' } },
    });
  });

  it('lists orders newest first, filters by status and channel, searches by phone and number, and pages', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 50 } });
    const numbers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const body = apiOrderBody([{ sku, qty: 1 }], {
        channel: 'lazada',
        customer: { name: `ลูกค้าค้นหา ${i}`, phone: `089-000-000${i}` },
      });
      numbers.push((await inject({ method: 'POST', url: '/api/v1/orders', payload: body })).json().number);
    }
    const page1 = (await inject({ method: 'GET', url: '/api/v1/orders?channel=lazada&limit=2' })).json();
    expect(page1.items.map((o: { number: string }) => o.number)).toEqual([numbers[4], numbers[3]]);
    const page2 = (await inject({ method: 'GET', url: `/api/v1/orders?channel=lazada&limit=2&cursor=${page1.nextCursor}` })).json();
    expect(page2.items.map((o: { number: string }) => o.number)).toEqual([numbers[2], numbers[1]]);
    const byPhone = (await inject({ method: 'GET', url: `/api/v1/orders?q=${encodeURIComponent('+66 89 000 0003')}` })).json();
    expect(byPhone.items.map((o: { number: string }) => o.number)).toEqual([numbers[3]]);
    const byNumber = (await inject({ method: 'GET', url: `/api/v1/orders?q=${numbers[0]!.toLowerCase()}` })).json();
    expect(byNumber.items.map((o: { number: string }) => o.number)).toEqual([numbers[0]]);
    const byName = (await inject({ method: 'GET', url: `/api/v1/orders?q=${encodeURIComponent('ค้นหา 2')}` })).json();
    expect(byName.items.map((o: { number: string }) => o.number)).toEqual([numbers[2]]);
    const pending = (await inject({ method: 'GET', url: '/api/v1/orders?status=pending_payment&channel=lazada&limit=200' })).json();
    expect(pending.items).toHaveLength(5);
    const bad = await inject({ method: 'GET', url: '/api/v1/orders?status=lost' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('querystring.status');
  });

  it('answers an unknown order with 404', async () => {
    const res = await inject({ method: 'GET', url: '/api/v1/orders/TL-99999999' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ORDER_NOT_FOUND');
  });
});

describe('unknown addresses', () => {
  it('slows down a client probing unknown addresses, on the API and in the back office, without touching others', async () => {
    const probe = (url: string, remoteAddress: string) => t.app.inject({ method: 'GET', url, remoteAddress });
    const first = await probe('/no-such-page-0', '10.44.0.1');
    expect(first.statusCode).toBe(404);
    expect(first.json().error.code).toBe('NOT_FOUND');
    const answers: number[] = [];
    for (let i = 1; i <= 300; i++) answers.push((await probe(`/no-such-page-${i}`, '10.44.0.1')).statusCode);
    expect(answers.slice(0, 299).every((s) => s === 404)).toBe(true);
    expect(answers.at(-1)).toBe(429);
    const limited = await probe('/no-such-page-x', '10.44.0.1');
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    // Another client, and known routes of the same client, are not held up.
    expect((await probe('/no-such-page-x', '10.44.0.2')).statusCode).toBe(404);
    expect((await probe('/healthz', '10.44.0.1')).statusCode).toBe(200);

    const staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
    const page = (url: string) => t.app.inject({ method: 'GET', url, remoteAddress: '10.44.0.3', headers: { cookie: staff.cookie } });
    for (let i = 0; i < 300; i++) expect((await page(`/admin/no-such-page-${i}`)).statusCode).toBe(404);
    expect((await page('/admin/no-such-page-x')).statusCode).toBe(429);
    expect((await page('/admin/orders')).statusCode).toBe(200);
  });
});
