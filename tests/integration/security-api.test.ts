// Issue 23, finding 9 (API): a user's API key does what that user's role may do, is revoked when the
// role changes, and Idempotency-Keys belong to the caller that sent them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '#src/modules/accounts/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct, apiOrderBody } from '../helpers/factories.ts';
import { makeApiOrder, makeUser, signIn } from '../helpers/admin.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ DATA_DIR: `/tmp/talad-sec-api-${process.pid}` });
  await makeProduct(t.database.db, { sku: 'API-1', nameTh: 'น้ำพริกเผา', price: 8_900, stock: { MAIN: 100 } });
});
afterAll(() => t?.close());

const call = (key: string, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
  t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${key}`, ...headers } });

describe('API keys and roles', () => {
  it("gives a packer's key no money and no order changes; a staff key works as staff", async () => {
    const packer = await makeUser(t.database.db, 'packer');
    const staff = await makeUser(t.database.db, 'staff');
    const pk = await createApiKey(t.database.db, packer.id, 'scanner');
    const sk = await createApiKey(t.database.db, staff.id, 'website');
    const number = await makeApiOrder(t.app, 'API-1', { status: 'confirmed' });
    expect((await call(pk, 'GET', '/api/v1/stock')).statusCode).toBe(200);
    for (const [method, url, body] of [
      ['GET', '/api/v1/orders'],
      ['GET', `/api/v1/orders/${number}`],
      ['GET', '/api/v1/products'],
      ['POST', '/api/v1/orders', apiOrderBody([{ sku: 'API-1', qty: 1 }])],
      ['POST', `/api/v1/orders/${number}/transitions`, { to: 'cancelled' }],
      ['POST', '/api/v1/products', { sku: 'API-X', name: 'x', price: { amount: 100, currency: 'THB' } }],
    ] as const) {
      const res = await call(pk, method, url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect((await call(sk, 'GET', `/api/v1/orders/${number}`)).statusCode).toBe(200);
    expect((await call(sk, 'GET', '/api/v1/products')).statusCode).toBe(200);
  });

  it('revokes a user’s keys when the owner changes their role', async () => {
    const owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
    const user = await makeUser(t.database.db, 'staff');
    const key = await createApiKey(t.database.db, user.id, 'laptop');
    expect((await call(key, 'GET', '/api/v1/orders')).statusCode).toBe(200);
    expect((await owner.post(`/admin/users/${user.id}/role`, { role: 'packer' })).statusCode).toBe(303);
    expect((await call(key, 'GET', '/api/v1/stock')).statusCode).toBe(401);
  });

  it('scopes Idempotency-Keys to their caller: another caller’s same key creates its own order', async () => {
    const a = await createApiKey(t.database.db, (await makeUser(t.database.db, 'staff')).id, 'shop-a');
    const b = await createApiKey(t.database.db, (await makeUser(t.database.db, 'admin')).id, 'shop-b');
    const headers = { 'idempotency-key': 'order-2026-0001' };
    const first = await call(a, 'POST', '/api/v1/orders', apiOrderBody([{ sku: 'API-1', qty: 1 }]), headers);
    expect(first.statusCode).toBe(201);
    const replay = await call(a, 'POST', '/api/v1/orders', apiOrderBody([{ sku: 'API-1', qty: 1 }]), headers);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().number).toBe(first.json().number);
    const other = await call(b, 'POST', '/api/v1/orders', apiOrderBody([{ sku: 'API-1', qty: 1 }]), headers);
    expect(other.statusCode).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(other.json().number).not.toBe(first.json().number);
  });

  it('keeps where customers pay (the payments settings) the owner’s alone', async () => {
    const owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
    const admin = await signIn(t.app, (await makeUser(t.database.db, 'admin')).email);
    expect((await owner.get('/admin/settings/payments')).statusCode).toBe(200);
    expect((await admin.get('/admin/settings/payments')).statusCode).toBe(403);
    expect((await admin.get('/admin/settings/payments/preview?promptPayId=0812223333')).statusCode).toBe(403);
    const changed = await admin.post('/admin/settings/payments', { promptPayId: '0899999999' });
    expect(changed.statusCode).toBe(403);
    expect((await admin.post('/admin/settings/payments/reset')).statusCode).toBe(403);
    const shipping = await admin.get('/admin/settings/shipping');
    expect(shipping.statusCode).toBe(200);
    expect(shipping.body).not.toContain('href="/admin/settings/payments"');
    expect(t.app.deps.settings.isSet('payments')).toBe(false);
  });
});
