import { asc, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction, type Database } from '#src/db/client.ts';
import { customerAddresses, customers, idempotencyKeys, orders, stockLedger, stockReservations } from '#src/db/schema/index.ts';
import { changeStock, listStock } from '#src/modules/inventory/index.ts';
import type { CreateOrderInput } from '#src/modules/orders/index.ts';
import { importOrder, importRequest, placeGroup } from '#src/workflows/orders/import-order.ts';
import { createTestDatabase, onRealPostgres } from '../helpers/db.ts';
import { makeProduct, makeWarehouse } from '../helpers/factories.ts';

// API orders arriving together are placed in groups (src/workflows/orders/import-order.ts): one read
// checks a group's lines, one transaction places them. These tests send bursts the way a website or a
// marketplace sync does, and check that grouping loses, duplicates or oversells nothing.

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 20 });
  await makeWarehouse(database.db, { code: 'BKK', priority: 10 });
});
afterAll(() => database?.close());

const people = ['สมชาย ใจดี', 'สมหญิง รักไทย', 'วิภาวรรณ ศรีสุข', 'ประเสริฐ มั่นคง', 'กนกพร แก้วมณี'];
let serial = 0;

/** An order as a shop's website sends it: a Thai name, a phone typed with dashes, a full address. */
function apiOrder(sku: string, extra: Partial<CreateOrderInput> = {}, qty = 1): CreateOrderInput {
  const n = ++serial;
  const name = `${people[n % people.length]} ${n}`;
  const phone = `089-${String(100 + (n % 900)).padStart(3, '0')}-${String(1000 + n).slice(-4)}`;
  return {
    channel: 'api',
    customer: { name, phone },
    lines: [{ sku, qty }],
    shippingAddress: { name, phone, address: `${n}/7 หมู่ 3 ถนนเพชรเกษม ต.หาดใหญ่ อ.หาดใหญ่ จ.สงขลา`, postcode: '90110' },
    paymentMethod: 'promptpay',
    ...extra,
  };
}

const opts = (key?: string) => ({ idempotencyKey: key, actor: 'api:เว็บร้าน', currency: 'THB' });

async function stockOf(sku: string) {
  const [row] = await listStock(database.db, { sku });
  return { onHand: row!.onHand, reserved: row!.reserved };
}

describe(`API orders placed in groups (${onRealPostgres ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('places a burst of 120 orders in fewer transactions, with gap-free numbers and a ledger whose balances run order by order', async () => {
    const { sku, variant } = await makeProduct(database.db, { price: 35_000, stock: { BKK: 500 } });
    const variantId = variant.id;
    const inputs = Array.from({ length: 120 }, () => apiOrder(sku));
    const placed = await Promise.all(inputs.map((input, i) => importOrder(database.db, input, opts(`burst-${i}`))));

    const created = placed.flatMap((p) => (p.created ? [p] : []));
    expect(created).toHaveLength(120);
    const ids = placed.map((p) => p.order.id);
    const rows = await database.db.select().from(orders).where(inArray(orders.id, ids)).orderBy(asc(orders.id));
    expect(rows).toHaveLength(120);
    // Each answer is its own order: its customer, its address, its total.
    created.forEach((p, i) => {
      expect(p.order.customerName).toBe(inputs[i]!.customer.name);
      expect(p.order.shippingAddress.address).toBe(inputs[i]!.shippingAddress.address);
      expect(p.order.total).toBe(35_000);
      expect(p.lines).toMatchObject([{ sku, qty: 1, unitPrice: 35_000, orderId: p.order.id }]);
      expect(p.history).toMatchObject([{ orderId: p.order.id, fromStatus: null, toStatus: 'pending_payment' }]);
    });
    // Numbers: 120 distinct, consecutive (the counter gave whole ranges to groups), as the answers said.
    const numbers = rows.map((o) => Number(o.number.replace('TL-', ''))).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(120);
    expect(numbers.at(-1)! - numbers[0]!).toBe(119);
    expect(new Set(placed.map((p) => p.order.number))).toEqual(new Set(rows.map((o) => o.number)));

    // Grouped: orders of one transaction share its start time (created_at defaults to now()).
    const transactions = new Set(rows.map((o) => o.createdAt.getTime())).size;
    expect(transactions).toBeLessThan(60);

    // Stock: 120 held, one reservation per order, one ledger row per order whose balance runs 1..120.
    expect(await stockOf(sku)).toEqual({ onHand: 500, reserved: 120 });
    const held = await database.db.select().from(stockReservations).where(inArray(stockReservations.orderId, ids));
    expect(held.map((r) => r.orderId).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    const ledger = await database.db
      .select()
      .from(stockLedger)
      .where(eq(stockLedger.variantId, variantId))
      .orderBy(asc(stockLedger.id));
    const reserves = ledger.filter((l) => l.reason === 'reserve');
    expect(reserves.map((l) => l.reservedAfter)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(reserves.every((l) => l.reservedDelta === 1 && l.onHandAfter === 500 && l.actor === 'api:เว็บร้าน')).toBe(true);
    expect(new Set(reserves.map((l) => l.refId))).toEqual(new Set(ids.map(String)));

    // Customers and addresses: one each per person, the phone normalised (089-… is stored as 6689…).
    const made = await database.db.select().from(customers).where(inArray(customers.id, placed.map((p) => p.order.customerId)));
    expect(made).toHaveLength(120);
    expect(made.every((c) => /^6689\d{7}$/.test(c.phone ?? ''))).toBe(true);
    const [{ addresses }] = (await database.db
      .select({ addresses: sql<number>`count(*)::int` })
      .from(customerAddresses)
      .where(inArray(customerAddresses.customerId, made.map((c) => c.id)))) as [{ addresses: number }];
    expect(addresses).toBe(120);
  });

  it('gives every retry of a key the one order, even when the retries arrive in the same burst', async () => {
    const { sku } = await makeProduct(database.db, { stock: { BKK: 100 } });
    const input = apiOrder(sku);
    const others = Array.from({ length: 30 }, () => apiOrder(sku));
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => importOrder(database.db, input, opts('same-request-key'))),
      ...others.map((o, i) => importOrder(database.db, o, opts(`other-${i}`))),
    ]);
    const retries = results.slice(0, 10);
    expect(retries.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(retries.map((r) => r.order.id)).size).toBe(1);
    expect(await stockOf(sku)).toEqual({ onHand: 100, reserved: 31 });
    // The same key with another body is refused, not replayed.
    await expect(importOrder(database.db, { ...input, note: 'ขอเพิ่มอีกชิ้น' }, opts('same-request-key'))).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('places one order per external id: the duplicates in a burst are refused with its number', async () => {
    const { sku } = await makeProduct(database.db, { stock: { BKK: 100 } });
    const dup = apiOrder(sku, { externalId: 'WEB-2569-0042' });
    const results = await Promise.allSettled([
      ...Array.from({ length: 5 }, (_, i) => importOrder(database.db, { ...dup, note: `ครั้งที่ ${i + 1}` }, opts())),
      ...Array.from({ length: 20 }, (_, i) => importOrder(database.db, apiOrder(sku, { externalId: `WEB-2569-1${i}` }), opts())),
    ]);
    const first5 = results.slice(0, 5);
    const created = first5.filter((r) => r.status === 'fulfilled');
    expect(created).toHaveLength(1);
    const number = (created[0] as PromiseFulfilledResult<{ order: { number: string } }>).value.order.number;
    for (const r of first5.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'DUPLICATE_EXTERNAL_ID', details: { number } });
    }
    expect(results.slice(5).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await stockOf(sku)).toEqual({ onHand: 100, reserved: 21 });
  });

  it('sells exactly the units there are to a burst of 150 buyers, and leaves no key behind for those refused', async () => {
    const { sku } = await makeProduct(database.db, { stock: { BKK: 7 } });
    const results = await Promise.allSettled(
      Array.from({ length: 150 }, (_, i) => importOrder(database.db, apiOrder(sku), opts(i % 2 ? `storm-${i}` : undefined))),
    );
    const placed = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, id: r.value.order.id }] : []));
    expect(placed).toHaveLength(7);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    expect(await stockOf(sku)).toEqual({ onHand: 7, reserved: 7 });
    // The keys kept are exactly those of the buyers who got an order, each tied to it.
    const keys = await database.db.select().from(idempotencyKeys).where(sql`${idempotencyKeys.key} like 'storm-%'`);
    expect(Object.fromEntries(keys.map((k) => [k.key, k.orderId]))).toEqual(
      Object.fromEntries(placed.filter((p) => p.i % 2).map((p) => [`storm-${p.i}`, p.id])),
    );
    const ordersOfProduct = await database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from order_lines where sku = ${sku}`,
    );
    expect(ordersOfProduct.rows[0]!.n).toBe(7);
  });

  it.runIf(onRealPostgres)('when units go elsewhere between the check and the lock, the group is placed order by order and oversells nothing', async () => {
    const { sku, variant } = await makeProduct(database.db, { stock: { BKK: 5 } });
    const variantId = variant.id;
    const [warehouse] = (await database.db.execute<{ id: number }>(sql`select id from warehouses where code = 'BKK'`)).rows;
    // Another checkout holds the stock row and takes 3 units, committing only after the burst is checked.
    const client = await database.pool.connect();
    try {
      await client.query('begin');
      await client.query('select 1 from stock_levels where variant_id = $1 for update', [variantId]);
      // One group of five: its check sees 5 available, then its transaction waits on the locked row.
      const burst = placeGroup(database.db, Array.from({ length: 5 }, (_, i) => importRequest(apiOrder(sku), opts(i % 2 ? `late-${i}` : undefined))));
      await waitFor(async () => (await database.pool.query(`select count(*)::int as n from pg_locks where not granted`)).rows[0].n > 0);
      await client.query(
        `update stock_levels set reserved = reserved + 3 where variant_id = $1 and warehouse_id = $2`,
        [variantId, warehouse!.id],
      );
      await client.query('commit');
      const results = await burst;
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'INSUFFICIENT_STOCK' });
    } finally {
      client.release();
    }
    expect(await stockOf(sku)).toEqual({ onHand: 5, reserved: 5 });
    // The refused ones' keys were given back with their rolled-back attempts.
    const keys = await database.db.select().from(idempotencyKeys).where(sql`${idempotencyKeys.key} like 'late-%'`);
    expect(keys.every((k) => k.orderId !== null)).toBe(true);
    // changeStock still refuses to go past what there is.
    await expect(
      withTransaction(database.db, (tx) => changeStock(tx, { warehouseId: warehouse!.id, variantId, reservedDelta: 1, reason: 'reserve', actor: 'test' })),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });
  });
});

async function waitFor(check: () => Promise<boolean>) {
  // Minutes, not seconds: a loaded machine is slow, and a wait that never comes true fails the test.
  const deadline = Date.now() + 3 * 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
