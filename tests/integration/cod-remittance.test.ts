import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRuns, orderHistory, payments } from '#src/db/schema/index.ts';
import { invoiceOf } from '#src/modules/billing/index.ts';
import { importsIdle } from '#src/modules/imports/index.ts';
import { findOrderByNumber } from '#src/modules/orders/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/marketplace');

let t: TestApp;
let admin: AdminClient;
let staff: AdminClient;
let packer: AdminClient;
const numbers: string[] = [];

function multipart(file: { filename: string; data: Buffer }) {
  const boundary = `----talad${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n`),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, type: `multipart/form-data; boundary=${boundary}` };
}

function upload(client: AdminClient, data: Buffer, csrf = true) {
  const body = multipart({ filename: 'kerry-cod-20250315.csv', data });
  return t.app.inject({
    method: 'POST',
    url: '/admin/imports/cod',
    headers: { cookie: client.cookie, 'content-type': body.type, ...(csrf ? { 'x-csrf-token': client.csrf } : {}) },
    payload: body.payload,
  });
}

async function uploadRun(data: Buffer): Promise<number> {
  const res = await upload(admin, data);
  expect(res.statusCode, res.body.slice(0, 400)).toBe(303);
  return Number(/\/admin\/imports\/cod\/(\d+)$/.exec(String(res.headers.location))![1]);
}

const count = (html: string, key: string) => Number(new RegExp(`data-count="${key}">(\\d+)<`).exec(html)?.[1] ?? NaN);

async function api(method: 'POST', url: string, payload: unknown) {
  const res = await t.app.inject({ method, url, headers: { authorization: `Bearer ${t.config.apiToken}` }, payload: payload as object });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A cash-on-delivery order for ฿500 shipped with a tracking number. */
async function shippedCodOrder(tracking: string): Promise<string> {
  const order = await api('POST', '/api/v1/orders', {
    channel: 'api',
    customer: { name: 'มานี มีนา', phone: '0812345678' },
    lines: [{ sku: 'COD-1', qty: 1 }],
    shippingAddress: { name: 'มานี มีนา', phone: '0812345678', address: '12/3 ซอยอารีย์ กรุงเทพฯ', postcode: '10400' },
    paymentMethod: 'cod',
  });
  for (const to of ['confirmed', 'packed']) await api('POST', `/api/v1/orders/${order.number}/transitions`, { to });
  await api('POST', `/api/v1/orders/${order.number}/shipments`, { carrier: 'Kerry', trackingNumber: tracking });
  return order.number as string;
}

async function codPayments(number: string) {
  const order = (await findOrderByNumber(t.database.db, number))!;
  return t.database.db.select().from(payments).where(and(eq(payments.orderId, order.id), eq(payments.method, 'cod')));
}

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.database.db;
  await makeProduct(db, { sku: 'COD-1', price: 500_00, stock: { MAIN: 20 } });
  for (const n of ['KEX0000000001', 'KEX0000000002', 'KEX0000000003']) numbers.push(await shippedCodOrder(n));
  admin = await signIn(t.app, (await makeUser(db, 'admin')).email);
  staff = await signIn(t.app, (await makeUser(db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(db, 'packer')).email);
});
afterAll(async () => {
  await importsIdle();
  await t?.close();
});

describe('a COD remittance file', () => {
  let runId: number;

  it('previews matched, different, unknown and — with a shorter window — the shipped orders missing from it', async () => {
    runId = await uploadRun(await readFile(path.join(fixtures, 'cod-remittance.csv')));
    const page = await admin.get(`/admin/imports/cod/${runId}`);
    expect(page.statusCode).toBe(200);
    expect(count(page.body, 'equal')).toBe(1);
    expect(count(page.body, 'different')).toBe(1);
    expect(count(page.body, 'unknown')).toBe(1);
    expect(count(page.body, 'duplicate')).toBe(0);
    // Shipped just now: not overdue with the default 14 days, overdue with 0.
    expect(count(page.body, 'missing')).toBe(0);
    const now = await admin.get(`/admin/imports/cod/${runId}?days=0`);
    expect(count(now.body, 'missing')).toBe(1);
    expect(now.body).toContain(`/admin/orders/${numbers[2]}`);
    expect(decodeEntities(now.body)).toMatch(/-THB\s20\.00/);
    expect(await codPayments(numbers[0]!)).toHaveLength(0);
  });

  it('records what was remitted, flags a different amount, issues the receipt and moves no status', async () => {
    expect((await admin.post(`/admin/imports/cod/${runId}/apply`)).statusCode).toBe(303);
    await importsIdle();
    const [run] = await t.database.db.select().from(importRuns).where(eq(importRuns.id, runId));
    expect(run!.status).toBe('done');
    expect(run!.summary).toEqual({ ok: 1, updated: 1, unmatched: 1 });

    const [first] = await codPayments(numbers[0]!);
    expect(first).toMatchObject({ status: 'confirmed', amount: 500_00, reference: 'COD KEX0000000001 2025-03-15' });
    // 15/03/2568 is the Buddhist-era date; midnight in Bangkok.
    expect(first!.confirmedAt!.toISOString()).toBe('2025-03-14T17:00:00.000Z');
    const [second] = await codPayments(numbers[1]!);
    expect(second).toMatchObject({ status: 'confirmed', amount: 480_00 });

    for (const n of numbers.slice(0, 2)) {
      const order = (await findOrderByNumber(t.database.db, n))!;
      expect(order.status).toBe('shipped');
      expect(await invoiceOf(t.database.db, order.id)).toBeDefined();
      const notes = await t.database.db.select().from(orderHistory).where(eq(orderHistory.orderId, order.id));
      expect(notes.some((h) => h.note?.startsWith('COD collected'))).toBe(true);
    }
    expect(await codPayments(numbers[2]!)).toHaveLength(0);

    const page = decodeEntities((await admin.get(`/admin/imports/cod/${runId}`)).body);
    expect(page).toMatch(new RegExp(`${numbers[1]}: THB\\s480\\.00 remitted but THB\\s500\\.00 expected \\(difference -THB\\s20\\.00\\)`));
    expect(page).toContain('No order has tracking number or number KEX9999999999.');
  });

  it('the same file again records nothing twice', async () => {
    const paymentsBefore = (await t.database.db.select().from(payments)).length;
    const again = await uploadRun(await readFile(path.join(fixtures, 'cod-remittance.csv')));
    const page = await admin.get(`/admin/imports/cod/${again}`);
    expect(count(page.body, 'duplicate')).toBe(2);
    expect(count(page.body, 'equal')).toBe(0);
    await t.database.db.update(importRuns).set({ status: 'preview' }).where(eq(importRuns.id, again));
    await admin.post(`/admin/imports/cod/${again}/apply`);
    await importsIdle();
    const [run] = await t.database.db.select().from(importRuns).where(eq(importRuns.id, again));
    expect(run!.summary).toEqual({ duplicate: 2, unmatched: 1 });
    expect((await t.database.db.select().from(payments)).length).toBe(paymentsBefore);
  });

  it('matches by our order number too, and refuses a file without the amount column', async () => {
    const csv = `Tracking No,Order No,COD Amount,Remit Date\r\n,${numbers[2]},500,2025-03-16\r\n`;
    const id = await uploadRun(Buffer.from(csv));
    expect(count((await admin.get(`/admin/imports/cod/${id}`)).body, 'equal')).toBe(1);
    const bad = await upload(admin, Buffer.from('Tracking No,Amount\r\nKEX1,500\r\n'));
    expect(bad.statusCode).toBe(400);
    expect(decodeEntities(bad.body)).toContain('“COD Amount”');
  });
});

describe('who may import remittances', () => {
  it('owners and admins only: staff and packers are refused; no CSRF token, no upload', async () => {
    expect((await admin.get('/admin/imports/cod')).statusCode).toBe(200);
    expect((await admin.get('/admin/imports/cod/mapping')).statusCode).toBe(200);
    expect((await staff.get('/admin/imports/cod')).statusCode).toBe(403);
    expect((await staff.get('/admin/imports/cod/mapping')).statusCode).toBe(403);
    expect((await packer.get('/admin/imports/cod')).statusCode).toBe(403);
    const data = await readFile(path.join(fixtures, 'cod-remittance.csv'));
    const before = (await t.database.db.select().from(importRuns)).length;
    expect((await upload(staff, data)).statusCode).toBe(403);
    expect((await upload(admin, data, false)).statusCode).toBe(403);
    expect((await t.database.db.select().from(importRuns)).length).toBe(before);
  });
});
