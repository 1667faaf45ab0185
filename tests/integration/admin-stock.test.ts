import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, lowStockThresholds, productVariants, stockLedger, stockLevels, warehouses, type Warehouse } from '#src/db/schema/index.ts';
import { findOrderByNumber } from '#src/modules/orders/index.ts';
import { orderReservations } from '#src/modules/inventory/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { buildTestApp, auth, type TestApp } from '../helpers/app.ts';
import { makeCustomer, makeProduct, makeWarehouse, orderInput } from '../helpers/factories.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let owner: AdminClient;
let packer: AdminClient;
let staff: AdminClient;
let main: Warehouse;
let second: Warehouse;

beforeAll(async () => {
  t = await buildTestApp();
  const db = t.database.db;
  main = await makeWarehouse(db, { code: 'MAIN', priority: 10 });
  second = await makeWarehouse(db, { code: 'SUB', priority: 5 });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  packer = await signIn(t.app, (await makeUser(db, 'packer')).email);
  staff = await signIn(t.app, (await makeUser(db, 'staff')).email);
});
afterAll(() => t?.close());

async function level(variantId: number, warehouseId: number) {
  const [row] = await t.database.db
    .select()
    .from(stockLevels)
    .where(and(eq(stockLevels.variantId, variantId), eq(stockLevels.warehouseId, warehouseId)));
  return row ? { onHand: row.onHand, reserved: row.reserved, bin: row.bin } : undefined;
}

function ledgerOf(variantId: number) {
  return t.database.db.select().from(stockLedger).where(eq(stockLedger.variantId, variantId)).orderBy(stockLedger.id);
}

async function withBarcode(variantId: number, barcode: string) {
  await t.database.db.update(productVariants).set({ barcode }).where(eq(productVariants.id, variantId));
}

const text = (html: string) => decodeEntities(html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '));

describe('receiving stock', () => {
  it('adds to on hand with a ledger row naming who and why, and shows in the JSON API and on the stock page', async () => {
    const p = await makeProduct(t.database.db, { sku: 'RCV-1', stock: { MAIN: 3 } });
    const res = await packer.post('/admin/stock/receive', { code: 'rcv-1', warehouse: String(main.id), qty: '7', note: 'PO 1001' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/stock\/receive\?ref=receipt%3A[0-9a-f-]{36}&warehouse=\d+$/);
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 10, reserved: 0 });
    const rows = await ledgerOf(p.variant.id);
    expect(rows.at(-1)).toMatchObject({ reason: 'receive', onHandDelta: 7, onHandAfter: 10, note: 'PO 1001', refType: 'receipt', warehouseId: main.id });
    expect(rows.at(-1)!.actor).toMatch(/^admin:packer-/);

    const after = await packer.get(res.headers.location as string);
    expect(after.statusCode).toBe(200);
    expect(text(after.body)).toContain('on hand 10, available 10');

    const api = await t.app.inject({ method: 'GET', url: '/api/v1/stock?sku=RCV-1', headers: auth });
    expect(api.json().items).toEqual([{ sku: 'RCV-1', warehouse: 'MAIN', onHand: 10, reserved: 0, available: 10 }]);

    const page = await packer.get(`/admin/stock/items/${p.variant.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('PO 1001');
    expect(page.body).toMatch(/data-warehouse="MAIN"[\s\S]*?data-col="onHand">10</);
  });

  it('accepts a barcode in the SKU field and refuses an unknown code without writing anything', async () => {
    const p = await makeProduct(t.database.db, { sku: 'RCV-BAR' });
    await withBarcode(p.variant.id, '8850001112223');
    const ok = await staff.post('/admin/stock/receive', { code: '8850001112223', warehouse: String(second.id), qty: '4' });
    expect(ok.statusCode).toBe(303);
    expect(await level(p.variant.id, second.id)).toMatchObject({ onHand: 4 });

    const before = (await t.database.db.select().from(stockLedger)).length;
    const bad = await staff.post('/admin/stock/receive', { code: 'NOPE-404', warehouse: String(second.id), qty: '4' });
    expect(bad.statusCode).toBe(400);
    expect(text(bad.body)).toContain('No product has the SKU, barcode or name "NOPE-404".');
    expect(bad.body).toContain('value="NOPE-404"');
    const zero = await staff.post('/admin/stock/receive', { code: 'RCV-BAR', warehouse: String(second.id), qty: '0' });
    expect(zero.statusCode).toBe(400);
    expect(zero.body).toContain('Please enter a whole number of 1 or more.');
    expect((await t.database.db.select().from(stockLedger)).length).toBe(before);
  });

  it('has a lookup for scanners: the product for a barcode or SKU, a clear message for an unknown code', async () => {
    const p = await makeProduct(t.database.db, { sku: 'LOOK-1', nameEn: 'Jasmine rice 5 kg' });
    await withBarcode(p.variant.id, '0001234567890');
    const found = await packer.get('/admin/stock/lookup?code=0001234567890', { 'hx-request': 'true' });
    expect(found.statusCode).toBe(200);
    expect(found.body).toContain('data-scan-sku="LOOK-1"');
    expect(found.body).toContain('Jasmine rice 5 kg');
    expect(found.body).not.toContain('<html');
    const unknown = await packer.get('/admin/stock/lookup?code=XYZ', { 'hx-request': 'true' });
    expect(text(unknown.body)).toContain('No product has the SKU, barcode or name "XYZ".');
    expect(unknown.body).not.toContain('data-scan-sku');
    expect((await packer.get('/admin/stock/lookup')).statusCode).toBe(200);
  });
});

describe('counting stock', () => {
  it('sets on hand to the counted number and records the difference', async () => {
    const p = await makeProduct(t.database.db, { sku: 'CNT-1', stock: { MAIN: 10 } });
    const res = await staff.post('/admin/stock/count', { code: 'CNT-1', warehouse: String(main.id), counted: '8', note: 'monthly count' });
    expect(res.statusCode).toBe(303);
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 8 });
    expect((await ledgerOf(p.variant.id)).at(-1)).toMatchObject({ reason: 'count', onHandDelta: -2, onHandAfter: 8, note: 'monthly count' });
  });

  it('refuses a count below what is reserved, naming the reserved quantity, and writes nothing', async () => {
    const p = await makeProduct(t.database.db, { sku: 'CNT-RES', stock: { MAIN: 10 } });
    await makeApiOrder(t.app, 'CNT-RES', { qty: 6 });
    const before = await ledgerOf(p.variant.id);
    const res = await owner.post('/admin/stock/count', { code: 'CNT-RES', warehouse: String(main.id), counted: '5', note: 'count' });
    expect(res.statusCode).toBe(409);
    // The owner reads Thai.
    expect(text(res.body)).toContain('จำนวนที่นับต้องไม่น้อยกว่า 6 ชิ้นที่จองไว้ให้ออเดอร์');
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 10, reserved: 6 });
    expect(await ledgerOf(p.variant.id)).toHaveLength(before.length);
  });

  it('requires a reason', async () => {
    const res = await staff.post('/admin/stock/count', { code: 'CNT-1', warehouse: String(main.id), counted: '8', note: '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Please fill this in.');
  });
});

describe('writing off damage', () => {
  it('subtracts from on hand with the reason, and refuses more than is available without writing anything', async () => {
    const p = await makeProduct(t.database.db, { sku: 'DMG-1', stock: { MAIN: 5 } });
    await makeApiOrder(t.app, 'DMG-1', { qty: 2 });
    const ok = await packer.post('/admin/stock/damage', { code: 'DMG-1', warehouse: String(main.id), qty: '1', note: 'crushed box' });
    expect(ok.statusCode).toBe(303);
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 4, reserved: 2 });
    expect((await ledgerOf(p.variant.id)).at(-1)).toMatchObject({ reason: 'damage', onHandDelta: -1, note: 'crushed box' });

    const before = await ledgerOf(p.variant.id);
    const tooMany = await packer.post('/admin/stock/damage', { code: 'DMG-1', warehouse: String(main.id), qty: '3', note: 'flood' });
    expect(tooMany.statusCode).toBe(409);
    expect(text(tooMany.body)).toContain('Only 2 available here (2 reserved for orders).');
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 4, reserved: 2 });
    expect(await ledgerOf(p.variant.id)).toHaveLength(before.length);
    const noReason = await packer.post('/admin/stock/damage', { code: 'DMG-1', warehouse: String(main.id), qty: '1', note: ' ' });
    expect(noReason.statusCode).toBe(400);
  });
});

describe('transferring stock', () => {
  it('moves units with a transfer_out and a transfer_in row sharing one ref', async () => {
    const p = await makeProduct(t.database.db, { sku: 'TRF-1', stock: { MAIN: 9 } });
    const res = await staff.post('/admin/stock/transfer', { code: 'TRF-1', from: String(main.id), to: String(second.id), qty: '4', note: 'restock branch' });
    expect(res.statusCode).toBe(303);
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 5 });
    expect(await level(p.variant.id, second.id)).toMatchObject({ onHand: 4 });
    const rows = (await ledgerOf(p.variant.id)).slice(-2);
    expect(rows.map((r) => [r.reason, r.warehouseId, r.onHandDelta])).toEqual([
      ['transfer_out', main.id, -4],
      ['transfer_in', second.id, 4],
    ]);
    expect(rows[0]!.refType).toBe('transfer');
    expect(rows[0]!.refId).toBe(rows[1]!.refId);
    const done = await staff.get(res.headers.location as string);
    expect(done.body).toContain('data-done-warehouse="MAIN"');
    expect(done.body).toContain('data-done-warehouse="SUB"');
    expect(done.body).not.toContain('[object Object]');
    expect(done.body.match(/alert-ok/g)).toHaveLength(1);
  });

  it('refuses more than is available at the source, and the same warehouse twice, writing nothing', async () => {
    const p = await makeProduct(t.database.db, { sku: 'TRF-2', stock: { MAIN: 3 } });
    const before = await ledgerOf(p.variant.id);
    const tooMany = await staff.post('/admin/stock/transfer', { code: 'TRF-2', from: String(main.id), to: String(second.id), qty: '4' });
    expect(tooMany.statusCode).toBe(409);
    expect(text(tooMany.body)).toContain('Only 3 available here');
    const same = await staff.post('/admin/stock/transfer', { code: 'TRF-2', from: String(main.id), to: String(main.id), qty: '1' });
    expect(same.statusCode).toBe(400);
    expect(same.body).toContain('Choose two different warehouses.');
    expect(await ledgerOf(p.variant.id)).toHaveLength(before.length);
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 3 });
    expect(await level(p.variant.id, second.id)).toBeUndefined();
  });

  it('never lets two concurrent transfers take more than is available', async () => {
    const p = await makeProduct(t.database.db, { sku: 'TRF-RACE', stock: { MAIN: 5 } });
    const results = await Promise.all(
      Array.from({ length: 4 }, () => staff.post('/admin/stock/transfer', { code: 'TRF-RACE', from: String(main.id), to: String(second.id), qty: '2' })),
    );
    expect(results.filter((r) => r.statusCode === 303)).toHaveLength(2);
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 1 });
    expect(await level(p.variant.id, second.id)).toMatchObject({ onHand: 4 });
  });
});

describe('bins and thresholds', () => {
  it('sets the bin per SKU and warehouse; the threshold (owner/admin only) feeds the low-stock list', async () => {
    const p = await makeProduct(t.database.db, { sku: 'LOW-1', stock: { MAIN: 3 } });
    const bin = await packer.post(`/admin/stock/items/${p.variant.id}/bin`, { warehouse: String(main.id), bin: 'A-03-2' });
    expect(bin.statusCode).toBe(303);
    expect(await level(p.variant.id, main.id)).toMatchObject({ bin: 'A-03-2' });

    expect((await packer.post(`/admin/stock/items/${p.variant.id}/threshold`, { threshold: '5' })).statusCode).toBe(403);
    const set = await owner.post(`/admin/stock/items/${p.variant.id}/threshold`, { threshold: '5' });
    expect(set.statusCode).toBe(303);
    const [row] = await t.database.db.select().from(lowStockThresholds).where(eq(lowStockThresholds.variantId, p.variant.id));
    expect(row?.threshold).toBe(5);
    const low = await packer.get('/admin/stock/low');
    expect(low.body).toContain('data-sku="LOW-1"');
    const filtered = await packer.get('/admin/stock?low=1');
    expect(filtered.body).toContain('data-sku="LOW-1"');
    expect(filtered.body).not.toContain('data-sku="RCV-1"');
    const cleared = await owner.post(`/admin/stock/items/${p.variant.id}/threshold`, { threshold: '' });
    expect(cleared.statusCode).toBe(303);
    expect((await packer.get('/admin/stock/low')).body).not.toContain('data-sku="LOW-1"');
    const audit = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.action, 'stock.threshold'));
    expect(audit.length).toBe(2);
  });
});

describe('the stock list and the ledger', () => {
  it('searches by SKU, barcode and name and filters by warehouse', async () => {
    const p = await makeProduct(t.database.db, { sku: 'FIND-ME', nameEn: 'Mango sticky rice', stock: { MAIN: 2, SUB: 1 } });
    await withBarcode(p.variant.id, '4901234567894');
    for (const q of ['find-me', '4901234567894', 'sticky']) {
      const res = await staff.get(`/admin/stock?q=${encodeURIComponent(q)}`);
      expect(res.body, q).toContain('data-sku="FIND-ME"');
      expect(res.body, q).not.toContain('data-sku="RCV-1"');
    }
    const sub = await staff.get(`/admin/stock?q=FIND-ME&warehouse=${second.id}`);
    expect(sub.body).toContain('data-warehouse="SUB"');
    expect(sub.body).not.toContain('data-warehouse="MAIN"');
  });

  it('lists a SKU\'s ledger newest first with filters, linking order reservations to their order', async () => {
    const p = await makeProduct(t.database.db, { sku: 'LEDG-1', stock: { MAIN: 10 } });
    const number = await makeApiOrder(t.app, 'LEDG-1', { qty: 1 });
    await staff.post('/admin/stock/receive', { code: 'LEDG-1', warehouse: String(main.id), qty: '1', note: 'top up' });
    const page = await staff.get(`/admin/stock/items/${p.variant.id}`);
    const reasons = [...page.body.matchAll(/<tr data-reason="(\w+)">/g)].map((m) => m[1]);
    expect(reasons).toEqual(['receive', 'reserve', 'receive']);
    expect(page.body).toContain(`href="/admin/orders/${number}"`);
    const onlyReserve = await staff.get(`/admin/stock/items/${p.variant.id}?reason=reserve`);
    expect([...onlyReserve.body.matchAll(/<tr data-reason="(\w+)">/g)].map((m) => m[1])).toEqual(['reserve']);
    const future = await staff.get(`/admin/stock/items/${p.variant.id}?from=2999-01-01`);
    expect(future.body).not.toContain('<tr data-reason=');
    const bad = await staff.get(`/admin/stock/items/${p.variant.id}?from=yesterday`);
    expect(bad.statusCode).toBe(200);
    expect(bad.body).toContain('Please enter a date such as 6 Dec 2026 or 6/12/2026.');
  });
});

describe('warehouses', () => {
  it('are created and edited by owner and admin; a non-sellable one never supplies an order', async () => {
    const created = await owner.post('/admin/warehouses', { code: 'dmg', name: 'Damaged goods', address: '', priority: '100', active: 'on' });
    expect(created.statusCode).toBe(303);
    const [dmg] = await t.database.db.select().from(warehouses).where(eq(warehouses.code, 'DMG'));
    expect(dmg).toMatchObject({ name: 'Damaged goods', priority: 100, active: true, sellable: false });
    const taken = await owner.post('/admin/warehouses', { code: 'DMG', name: 'again', priority: '0' });
    expect(taken.statusCode).toBe(400);

    // The damaged-goods location has the highest priority and plenty of stock, and is never used.
    const p = await makeProduct(t.database.db, { sku: 'SELL-1', stock: { MAIN: 2, DMG: 50 } });
    const customer = await makeCustomer(t.database.db);
    const { order } = await placeOrder(t.database.db, orderInput(customer, [{ sku: 'SELL-1', qty: 2 }]));
    const held = await orderReservations(t.database.db, order.id);
    expect(held.map((r) => r.warehouseId)).toEqual([main.id]);
    await expect(placeOrder(t.database.db, orderInput(customer, [{ sku: 'SELL-1', qty: 1 }]))).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    const products = await t.app.inject({ method: 'GET', url: '/api/v1/products', headers: auth });
    expect(products.json().items.find((i: { sku: string }) => i.sku === 'SELL-1').available).toBe(0);
    expect(await level(p.variant.id, dmg!.id)).toMatchObject({ onHand: 50, reserved: 0 });

    // Made sellable, it supplies orders again.
    const edit = await owner.post(`/admin/warehouses/${dmg!.id}`, { code: 'DMG', name: 'Damaged goods', priority: '100', active: 'on', sellable: 'on' });
    expect(edit.statusCode).toBe(303);
    const again = await placeOrder(t.database.db, orderInput(customer, [{ sku: 'SELL-1', qty: 1 }]));
    expect((await orderReservations(t.database.db, again.order.id)).map((r) => r.warehouseId)).toEqual([dmg!.id]);
    expect((await findOrderByNumber(t.database.db, again.order.number))?.status).toBe('pending_payment');
    await owner.post(`/admin/warehouses/${dmg!.id}`, { code: 'DMG', name: 'Damaged goods', priority: '100', active: 'on' });
  });
});

describe('roles', () => {
  it('let packers work stock but never see its value, warehouses or reports', async () => {
    const list = await packer.get('/admin/stock');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('data-stat="stock-value"');
    expect(list.body).not.toContain('฿');
    for (const url of ['/admin/stock/value', '/admin/warehouses', '/admin/warehouses/new', '/admin/reports']) {
      expect((await packer.get(url)).statusCode, url).toBe(403);
    }
    expect((await packer.post('/admin/warehouses', { code: 'X', name: 'x', priority: '0' })).statusCode).toBe(403);
    expect((await staff.get('/admin/stock/value')).statusCode).toBe(403);
    expect((await staff.get('/admin/stock')).body).not.toContain('data-stat="stock-value"');
  });

  it('shows owners the stock value per warehouse, at cost, falling back to price and saying so', async () => {
    const p = await makeProduct(t.database.db, { sku: 'VAL-1', price: 50_000, stock: { SUB: 2 } });
    const value1 = await owner.get('/admin/stock/value');
    expect(value1.statusCode).toBe(200);
    expect(value1.body).toContain('data-value-fallback');
    await t.database.db.update(productVariants).set({ cost: 12_000 }).where(eq(productVariants.id, p.variant.id));
    const { rows } = await t.database.db.execute<{ v: string }>(
      (await import('drizzle-orm')).sql`select coalesce(sum(s.on_hand::bigint * coalesce(v.cost, v.price)), 0)::text as v
        from stock_levels s join product_variants v on v.id = s.variant_id`,
    );
    const page = await owner.get('/admin/stock/value');
    const total = /data-col="total">([^<]+)</.exec(page.body)![1]!;
    expect(Number(total.replace(/[^\d.]/g, '')) * 100).toBe(Number(rows[0]!.v));
    expect((await owner.get('/admin/stock')).body).toContain('data-stat="stock-value"');
  });

  it('refuses a stock operation without the CSRF token', async () => {
    const p = await makeProduct(t.database.db, { sku: 'CSRF-1', stock: { MAIN: 1 } });
    const res = await packer.post('/admin/stock/receive', { code: 'CSRF-1', warehouse: String(main.id), qty: '5' }, { csrf: false });
    expect(res.statusCode).toBe(403);
    expect(await level(p.variant.id, main.id)).toMatchObject({ onHand: 1 });
  });
});
