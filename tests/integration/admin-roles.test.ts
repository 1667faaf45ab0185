import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutesOf, type AdminRouteInfo } from '#admin/admin.plugin.ts';
import { allowed, roles } from '#admin/auth/roles.ts';
import { withTransaction } from '#src/db/client.ts';
import { chatMessages, conversations, customerIdentities, importRuns, refunds, returnRequests, type User, type UserRole } from '#src/db/schema/index.ts';
import { issueCreditNote, issueInvoice } from '#src/modules/billing/index.ts';
import { findWarehouseByCode } from '#src/modules/inventory/index.ts';
import { findOrderByNumber } from '#src/modules/orders/index.ts';
import { insertSlip } from '#src/modules/payments/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeCustomer, makeProduct } from '../helpers/factories.ts';
import { makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
const clients = {} as Record<UserRole, AdminClient>;
const users = {} as Record<UserRole, User>;
let target: User;
let number: string;
let slipId: number;
let noteNumber: string;
let returnId: number;
let refundId: number;
let importRunId: number;
let codRunId: number;
let variantId: number;
let productId: number;
let customerId: number;
let otherCustomerId: number;
let productRunId: number;
let financeRefundId: number;
let warehouseId: number;
let conversationId: number;
let photoMessageId: number;

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.database.db;
  for (const role of roles) {
    users[role] = await makeUser(db, role);
    clients[role] = await signIn(t.app, users[role].email);
  }
  target = await makeUser(db, 'staff');
  const product = await makeProduct(db, { sku: 'ROLE-1', stock: { MAIN: 50 } });
  variantId = product.variant.id;
  productId = product.product.id;
  warehouseId = (await findWarehouseByCode(db, 'MAIN'))!.id;
  // A confirmed order: every role, packers included, has it on their list.
  number = await makeApiOrder(t.app, 'ROLE-1', { status: 'confirmed' });
  const order = (await findOrderByNumber(db, number))!;
  const dir = path.join(t.config.dataDir, 'slips');
  await mkdir(dir, { recursive: true });
  const imagePath = path.join(dir, `roles-${process.pid}-${Date.now()}.png`);
  // A 1x1 PNG: enough for the image route to have something to serve.
  await writeFile(imagePath, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'));
  const slip = await withTransaction(db, (tx) =>
    insertSlip(tx, { orderId: order.id, imagePath, imageSha256: `roles-${Date.now()}`, verdict: 'accepted', amount: order.total, bank: '004', reasons: [] }),
  );
  slipId = slip.id;
  // A receipt and a credit note on it, for the note's printed page.
  const note = await withTransaction(db, async (tx) => {
    await issueInvoice(tx, order.id, { vatRegistered: false, timeZone: 'Asia/Bangkok' });
    return issueCreditNote(tx, order.id, { amount: 100, reason: 'cancelled', timeZone: 'Asia/Bangkok' });
  });
  noteNumber = note!.number;
  // Refund slips are stored where the finance pages keep them (DATA_DIR-relative, under refund-slips/), whichever page took them.
  await mkdir(path.join(t.config.dataDir, 'refund-slips'), { recursive: true });
  const slipFile = `refund-slips/roles-${process.pid}-${Date.now()}.png`;
  await writeFile(path.join(t.config.dataDir, slipFile), await readFile(imagePath));
  // A return with a photo and a refund slip, and an import run of each kind, for their pages.
  const [ret] = await db.insert(returnRequests).values({ orderId: order.id, customerId: order.customerId, reason: 'damaged', photos: [imagePath] }).returning();
  returnId = ret!.id;
  const [refund] = await db
    .insert(refunds)
    .values({ orderId: order.id, returnId, amount: 100, currency: 'THB', reason: 'return', actor: 'test', status: 'paid', slipPath: slipFile })
    .returning();
  refundId = refund!.id;
  const [run] = await db.insert(importRuns).values({ kind: 'shopee', filename: 'orders.csv', fileSha256: 'x', actor: 'test', status: 'done', totalRows: 0 }).returning();
  importRunId = run!.id;
  const [cod] = await db.insert(importRuns).values({ kind: 'cod_remittance', filename: 'cod.csv', fileSha256: 'y', actor: 'test', status: 'done', totalRows: 0 }).returning();
  codRunId = cod!.id;
  const [products] = await db.insert(importRuns).values({ kind: 'products', filename: 'products.csv', fileSha256: 'z', actor: 'test', status: 'done', totalRows: 0 }).returning();
  productRunId = products!.id;
  customerId = order.customerId;
  otherCustomerId = (await makeCustomer(db)).id;
  // A chat conversation with a photo the customer sent, for the inbox's pages.
  const [identity] = await db.insert(customerIdentities).values({ customerId, channel: 'line', externalId: `U${'1'.repeat(32)}` }).returning();
  const [conversation] = await db.insert(conversations).values({ identityId: identity!.id, channel: 'line' }).returning();
  conversationId = conversation!.id;
  const [photo] = await db
    .insert(chatMessages)
    .values({ conversationId, direction: 'in', sender: 'customer', channel: 'line', kind: 'image', mediaPath: imagePath })
    .returning();
  photoMessageId = photo!.id;
  // A refund paid with a slip from the finance page.
  const [paidRefund] = await db
    .insert(refunds)
    .values({ orderId: order.id, amount: 100, currency: 'THB', reason: 'cancelled', actor: 'test', status: 'paid', slipPath: slipFile })
    .returning();
  financeRefundId = paidRefund!.id;
});
afterAll(() => t?.close());

/** A concrete address for a route pattern: a real order, a real (other) user, a real slip, a real asset. */
function concrete(route: AdminRouteInfo): string {
  return route.url
    .replace('/returns/:id/refunds/:refundId', `/returns/${returnId}/refunds/${refundId}`)
    .replace('/returns/:id/photos/:n', `/returns/${returnId}/photos/1`)
    .replace('/returns/:id', `/returns/${returnId}`)
    .replace('/imports/cod/:id', `/imports/cod/${codRunId}`)
    .replace('/imports/:id', `/imports/${importRunId}`)
    .replace('/stock/items/:variantId', `/stock/items/${variantId}`)
    .replace('/finance/refunds/:id', `/finance/refunds/${financeRefundId}`)
    .replace('/products/import/:id', `/products/import/${productRunId}`)
    .replace('/products/:id/variants/:variantId', `/products/${productId}/variants/${variantId}`)
    .replace('/products/:id', `/products/${productId}`)
    .replace('/customers/:id/merge/:otherId', `/customers/${customerId}/merge/${otherCustomerId}`)
    .replace('/customers/:id', `/customers/${customerId}`)
    .replace('/inbox/:id/media/:messageId', `/inbox/${conversationId}/media/${photoMessageId}`)
    .replace('/inbox/:id', `/inbox/${conversationId}`)
    .replace('/warehouses/:id', `/warehouses/${warehouseId}`)
    .replace('/print/notes/:number', `/print/notes/${noteNumber}`)
    .replace(':number', number)
    .replace('/slips/:id', `/slips/${slipId}`)
    .replace('/users/:id', `/users/${target.id}`)
    .replace(':file', 'admin.css');
}

/** The event stream never ends, so it is checked over a real connection in admin-orders.test.ts. */
const streams = new Set(['/admin/events', '/admin/inbox/events']);
/** Pages of a run kept in memory for a while (a bulk booking's progress): an unknown run is 404 to those allowed. */
const transient = new Set(['/admin/orders/bulk/book/:id']);

describe('the route list', () => {
  it('is known, and every route is either public or names the roles it allows', () => {
    const routes = adminRoutesOf(t.app);
    expect(routes.length).toBeGreaterThan(20);
    for (const r of routes) expect(r.public || (r.roles?.length ?? 0) > 0, `${r.method} ${r.url}`).toBe(true);
    // Only the sign-in page and static files are public.
    expect(routes.filter((r) => r.public).map((r) => r.url).sort()).toEqual(['/admin/assets/:file', '/admin/login', '/admin/login']);
  });
});

describe('crawling every GET route', () => {
  const gets = () => adminRoutesOf(t.app).filter((r) => r.method === 'GET' && !streams.has(r.url));

  it('without a session: public routes answer 200, every other page redirects to the login page with next', async () => {
    for (const route of gets()) {
      const url = concrete(route);
      const res = await t.app.inject({ method: 'GET', url });
      if (route.public) {
        expect(res.statusCode, url).toBe(200);
      } else {
        expect(res.statusCode, url).toBe(302);
        expect(res.headers.location, url).toBe(`/admin/login?next=${encodeURIComponent(url)}`);
      }
    }
  });

  for (const role of roles) {
    it(`as ${role}: 200 where the role is allowed, 403 where it is not, never a 500`, async () => {
      const seen: string[] = [];
      for (const route of gets()) {
        const url = concrete(route);
        const res = await clients[role].get(url);
        seen.push(`${res.statusCode} ${url}`);
        expect(res.statusCode, `${role} GET ${url}`).toBeLessThan(500);
        if (route.url === '/admin/login') {
          // Already signed in: the login page sends the user on.
          expect(res.statusCode, url).toBe(303);
        } else if (route.public || route.roles!.includes(role)) {
          expect(res.statusCode, `${role} GET ${url}: ${res.body.slice(0, 200)}`).toBe(transient.has(route.url) ? 404 : 200);
        } else {
          expect(res.statusCode, `${role} GET ${url}`).toBe(403);
          expect(res.body).toContain('Not for your role');
        }
      }
      expect(seen.length).toBeGreaterThan(10);
    });
  }

  it('shows the 403 page in the user\'s language', async () => {
    const thai = await makeUser(t.database.db, 'packer', { language: 'th' });
    const client = await signIn(t.app, thai.email);
    const res = await client.get('/admin/users');
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('ไม่มีสิทธิ์');
    expect(res.body).toContain('พนักงานแพ็กของ');
  });
});

describe('packers', () => {
  it('get 403 on user management and finance, and see no revenue or prices', async () => {
    const packer = clients.packer;
    for (const url of ['/admin/users', '/admin/users/new', `/admin/users/${target.id}`, '/admin/finance']) {
      expect((await packer.get(url)).statusCode, url).toBe(403);
    }
    expect((await packer.post('/admin/users', { name: 'x', email: 'x@example.com', role: 'owner', language: 'th', password: 'long enough password' })).statusCode).toBe(403);
    const dashboard = await packer.get('/admin');
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.body).not.toContain('data-stat="today-netSales"');
    expect(dashboard.body).not.toContain('chart-revenue');
    expect(dashboard.body).not.toContain('"revenue":[');
    const order = await packer.get(`/admin/orders/${number}`);
    expect(order.statusCode).toBe(200);
    expect(order.body).not.toContain('฿');
    expect(order.body).not.toContain('id="order-total"');
    const list = await packer.get('/admin/orders');
    expect(list.body).toContain(number);
    expect(list.body).not.toContain('฿');
  });

  it('may pack and ship but not take payments, confirm or cancel', async () => {
    const packer = clients.packer;
    expect((await packer.post(`/admin/orders/${number}/status`, { to: 'cancelled', note: 'no' })).statusCode).toBe(403);
    expect((await packer.post('/admin/orders/bulk/confirm', { numbers: [number] })).statusCode).toBe(403);
    expect((await packer.post(`/admin/orders/${number}/message`, { text: 'hi', messageId: crypto.randomUUID() })).statusCode).toBe(403);
    const page = await packer.get(`/admin/orders/${number}`);
    expect(page.body).toContain('data-action="packed"');
    expect(page.body).toContain('data-action="shipped"');
    expect(page.body).not.toContain('data-action="cancelled"');
  });
});

describe('the role matrix', () => {
  it('lets only the owner manage staff accounts', () => {
    expect(allowed('users.manage')).toEqual(['owner']);
    expect(allowed('finance.view')).toEqual(['owner', 'admin']);
    expect(allowed('revenue.view')).not.toContain('packer');
  });

  for (const role of roles) {
    it(`answers every state-changing route as ${role}: refused with 403 exactly where the role is not allowed`, async () => {
      const client = clients[role];
      for (const route of adminRoutesOf(t.app).filter((r) => r.method !== 'GET' && !r.public)) {
        // Signing out is checked last, on its own session.
        if (route.url === '/admin/logout') continue;
        const res = await client.post(concrete(route), {});
        expect(res.statusCode, `${role} ${route.method} ${route.url}`).toBeLessThan(500);
        if (route.roles!.includes(role)) expect(res.statusCode, `${role} ${route.url}: ${res.body.slice(0, 200)}`).not.toBe(403);
        else expect(res.statusCode, `${role} ${route.url}`).toBe(403);
      }
    });
  }
});

describe('CSRF', () => {
  const stateChanging = () => adminRoutesOf(t.app).filter((r) => r.method !== 'GET');

  it('refuses every state-changing route without the token, or with a wrong one, with 403', async () => {
    const owner = clients.owner;
    const routes = stateChanging();
    expect(routes.length).toBeGreaterThan(12);
    for (const route of routes) {
      const url = concrete(route);
      if (route.url === '/admin/login') {
        const res = await t.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'email=owner%40example.com&password=correct+horse+battery',
        });
        expect(res.statusCode, url).toBe(403);
        continue;
      }
      const missing = await owner.post(url, { to: 'cancelled', note: 'csrf', numbers: number }, { csrf: false });
      expect(missing.statusCode, `no token: ${url}`).toBe(403);
      expect(missing.body).toContain('This form has expired');
      const wrong = await owner.post(url, { to: 'cancelled', note: 'csrf' }, { csrf: 'x'.repeat(43) });
      expect(wrong.statusCode, `wrong token: ${url}`).toBe(403);
      // Another user's token is as wrong as any other.
      const foreign = await owner.post(url, { to: 'cancelled', note: 'csrf' }, { csrf: clients.staff.csrf });
      expect(foreign.statusCode, `foreign token: ${url}`).toBe(403);
    }
    // Nothing happened to the order.
    expect((await findOrderByNumber(t.database.db, number))!.status).toBe('confirmed');
  });

  it('accepts the token from the x-csrf-token header, as htmx sends it', async () => {
    const owner = clients.owner;
    const res = await t.app.inject({
      method: 'POST',
      url: `/admin/orders/${number}/notes`,
      headers: { cookie: owner.cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': owner.csrf, 'hx-request': 'true' },
      payload: 'note=packed+with+care',
    });
    expect(res.statusCode).toBe(303);
  });

  it('puts the token in every form and in the htmx headers of the page', async () => {
    const page = await clients.owner.get(`/admin/orders/${number}`);
    const forms = page.body.match(/<form method="post"[\s\S]*?<\/form>/g) ?? [];
    expect(forms.length).toBeGreaterThan(3);
    for (const form of forms) expect(form).toContain(`name="_csrf" value="${clients.owner.csrf}"`);
    expect(page.body).toContain(`hx-headers:inherited='{"x-csrf-token": "${clients.owner.csrf}"}'`);
  });
});

describe('signing out', () => {
  for (const role of roles) {
    it(`works for ${role} and ends the session`, async () => {
      const client = await signIn(t.app, users[role].email);
      const res = await client.post('/admin/logout');
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/admin/login?out=1');
      expect((await client.get('/admin/account')).statusCode).toBe(302);
    });
  }
});
