import { eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '#src/db/client.ts';
import { orders, stockLedger, stockReservations } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { listStock, orderReservations } from '#src/modules/inventory/index.ts';
import { builtInCarriers, createCarrierRegistry } from '#src/modules/shipping/index.ts';
import { historyOf } from '#src/modules/orders/index.ts';
import { refundsOf } from '#src/modules/payments/index.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { importOrder } from '#src/workflows/orders/import-order.ts';
import type { CreateOrderInput } from '#src/modules/orders/index.ts';
import { shipOrder } from '#src/workflows/orders/ship-order.ts';
import { createTestDatabase, onRealPostgres } from '../helpers/db.ts';
import { makeCustomer, makeProduct, makeWarehouse, orderInput } from '../helpers/factories.ts';

let database: Database;
const originalQuery = pg.Client.prototype.query;
/** The shop's billing settings as an app without back-office settings has them. */
const billing = { vatRegistered: false, timeZone: 'Asia/Bangkok' };
beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 20 });
  await makeWarehouse(database.db, { code: 'BKK', priority: 10 });
  await makeWarehouse(database.db, { code: 'CNX', priority: 5 });
});
afterAll(() => database?.close());

async function stockOf(sku: string) {
  const rows = await listStock(database.db, { sku });
  return Object.fromEntries(rows.map((r) => [r.warehouse, { onHand: r.onHand, reserved: r.reserved, available: r.available }]));
}

describe(`placing orders (${onRealPostgres ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('reserves stock and snapshots prices in the same transaction as the order', async () => {
    const { sku } = await makeProduct(database.db, { price: 12_500, stock: { BKK: 5 } });
    const customer = await makeCustomer(database.db);
    const { order, lines } = await placeOrder(database.db, orderInput(customer, [{ sku, qty: 2 }]));
    expect(order.number).toMatch(/^TL-\d{5,}$/);
    expect(order.status).toBe('pending_payment');
    expect(order.total).toBe(25_000);
    expect(lines).toMatchObject([{ sku, qty: 2, unitPrice: 12_500, lineTotal: 25_000 }]);
    expect(await stockOf(sku)).toEqual({ BKK: { onHand: 5, reserved: 2, available: 3 } });
    const history = await historyOf(database.db, order.id);
    expect(history).toMatchObject([{ fromStatus: null, toStatus: 'pending_payment', actor: 'test' }]);
  });

  it('reserves every line or none: a short line leaves no order, reservation or ledger row behind', async () => {
    const a = await makeProduct(database.db, { stock: { BKK: 10 } });
    const b = await makeProduct(database.db, { stock: { BKK: 1 } });
    const customer = await makeCustomer(database.db);
    const ordersBefore = (await database.db.select().from(orders)).length;
    const ledgerBefore = (await database.db.select().from(stockLedger)).length;

    const attempt = placeOrder(database.db, orderInput(customer, [{ sku: a.sku, qty: 3 }, { sku: b.sku, qty: 2 }]));
    await expect(attempt).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      details: { shortages: [{ sku: b.sku, requested: 2, available: 1 }] },
    });

    expect((await database.db.select().from(orders)).length).toBe(ordersBefore);
    expect((await database.db.select().from(stockLedger)).length).toBe(ledgerBefore);
    expect(await stockOf(a.sku)).toEqual({ BKK: { onHand: 10, reserved: 0, available: 10 } });
    expect(await stockOf(b.sku)).toEqual({ BKK: { onHand: 1, reserved: 0, available: 1 } });
  });

  it('refuses unknown SKUs by name, before touching stock', async () => {
    const a = await makeProduct(database.db, { stock: { BKK: 10 } });
    const customer = await makeCustomer(database.db);
    const attempt = placeOrder(database.db, orderInput(customer, [{ sku: a.sku, qty: 1 }, { sku: 'NOPE-1', qty: 1 }]));
    await expect(attempt).rejects.toMatchObject({ code: 'UNKNOWN_SKU', details: { skus: ['NOPE-1'] } });
    expect(await stockOf(a.sku)).toEqual({ BKK: { onHand: 10, reserved: 0, available: 10 } });
  });

  it('takes a line from two warehouses when neither has enough alone', async () => {
    const { sku } = await makeProduct(database.db, { stock: { BKK: 3, CNX: 3 } });
    const customer = await makeCustomer(database.db);
    const { order } = await placeOrder(database.db, orderInput(customer, [{ sku, qty: 5 }]));
    expect(await stockOf(sku)).toEqual({
      BKK: { onHand: 3, reserved: 3, available: 0 },
      CNX: { onHand: 3, reserved: 2, available: 1 },
    });
    expect((await orderReservations(database.db, order.id)).map((r) => r.qty).sort()).toEqual([2, 3]);
  });

  it('never reserves more than is available when 200 buyers race for 20 units', async () => {
    const { sku } = await makeProduct(database.db, { stock: { BKK: 12, CNX: 8 } });
    const customer = await makeCustomer(database.db);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => placeOrder(database.db, orderInput(customer, [{ sku, qty: 1 }]))),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(20);
    expect(lost).toHaveLength(180);
    for (const r of lost) expect(isAppError(r.reason, 'INSUFFICIENT_STOCK')).toBe(true);
    const stock = await stockOf(sku);
    expect(stock).toEqual({
      BKK: { onHand: 12, reserved: 12, available: 0 },
      CNX: { onHand: 8, reserved: 8, available: 0 },
    });
  });

  // Two connections: one holds the stock rows while the placement runs on another.
  it.skipIf(!onRealPostgres)('refuses a sold-out product at once, without queueing for its locked stock rows or writing anything', async () => {
    const { sku, variant } = await makeProduct(database.db, { stock: { BKK: 1 } });
    const customer = await makeCustomer(database.db);
    await placeOrder(database.db, orderInput(customer, [{ sku, qty: 1 }]));
    const ordersBefore = (await database.db.select().from(orders)).length;
    // A checkout of the last units elsewhere: it holds the product's stock rows until it commits.
    const holder = await database.pool.connect();
    try {
      await holder.query('begin');
      await holder.query('select * from stock_levels where variant_id = $1 for update', [variant.id]);
      let settled = false;
      const placement = placeOrder(database.db, orderInput(customer, [{ sku, qty: 1 }])).then(
        () => 'placed',
        (err: unknown) => err,
      ).finally(() => (settled = true));
      // Whichever comes first: the placement's answer, or a backend of this database waiting for a lock.
      const queued = (async () => {
        while (!settled) {
          const { rows } = await holder.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
          );
          if (rows[0]!.n > 0) return 'queued for the locked stock rows';
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      expect(await Promise.race([placement, queued])).toMatchObject({
        code: 'INSUFFICIENT_STOCK',
        details: { shortages: [{ sku, requested: 1, available: 0 }] },
      });
      expect((await database.db.select().from(orders)).length).toBe(ordersBefore);
    } finally {
      await holder.query('rollback');
      holder.release();
    }
  });

  it('refuses a sold-out API order with one read and no transaction; a retry with its Idempotency-Key still gets its order', async () => {
    const { sku } = await makeProduct(database.db, { stock: { BKK: 1 } });
    const input = (i: number): CreateOrderInput => ({
      channel: 'api',
      customer: { name: `ลูกค้า ${i}`, phone: `08100000${10 + i}` },
      lines: [{ sku, qty: 1 }],
      shippingAddress: { name: `ลูกค้า ${i}`, phone: `08100000${10 + i}`, address: '12/3 ถนนนิมมานเหมินท์ เชียงใหม่', postcode: '50200' },
      paymentMethod: 'promptpay',
    });
    const placed = await importOrder(database.db, input(1), { idempotencyKey: 'shop-web-0001', actor: 'api', currency: 'THB' });
    expect(placed.created).toBe(true);

    // What the database is sent for the next buyer: the product is sold out by now.
    const sent: string[] = [];
    const query = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const q = args[0] as string | { text: string };
      sent.push(typeof q === 'string' ? q : q.text);
      return originalQuery.apply(this, args as never) as never;
    });
    try {
      await expect(importOrder(database.db, input(2), { actor: 'api', currency: 'THB' })).rejects.toMatchObject({
        code: 'INSUFFICIENT_STOCK',
        details: { shortages: [{ sku, requested: 1, available: 0 }] },
      });
    } finally {
      query.mockRestore();
    }
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^select /);

    // The first buyer's retry (its network dropped the answer) gets the order, though nothing is left.
    const again = await importOrder(database.db, input(1), { idempotencyKey: 'shop-web-0001', actor: 'api', currency: 'THB' });
    expect(again).toMatchObject({ created: false, order: { id: placed.order.id, number: placed.order.number } });
    // A new key is refused all the same, and its claim does not stay behind.
    await expect(importOrder(database.db, input(3), { idempotencyKey: 'shop-web-0003', actor: 'api', currency: 'THB' })).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
    });
    const retried = importOrder(database.db, input(3), { idempotencyKey: 'shop-web-0003', actor: 'api', currency: 'THB' });
    await expect(retried).rejects.toMatchObject({ code: 'INSUFFICIENT_STOCK' });
  });

  it('never deadlocks or oversells when orders for overlapping SKUs race in opposite order', async () => {
    const x = await makeProduct(database.db, { stock: { BKK: 30 } });
    const y = await makeProduct(database.db, { stock: { BKK: 30 } });
    const customer = await makeCustomer(database.db);
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        placeOrder(
          database.db,
          orderInput(customer, i % 2 ? [{ sku: x.sku, qty: 1 }, { sku: y.sku, qty: 1 }] : [{ sku: y.sku, qty: 1 }, { sku: x.sku, qty: 1 }]),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30);
    expect((await stockOf(x.sku)).BKK!.available).toBe(0);
    expect((await stockOf(y.sku)).BKK!.available).toBe(0);
  });
});

describe('the order lifecycle and stock', () => {
  it('cancelling releases the reservation, once, and records a refund owed when it was paid', async () => {
    const { sku } = await makeProduct(database.db, { price: 5_000, stock: { BKK: 4 } });
    const customer = await makeCustomer(database.db);
    const { order } = await placeOrder(database.db, orderInput(customer, [{ sku, qty: 3 }]));
    await transitionOrder(database.db, { number: order.number, to: 'paid', actor: 'staff:a', billing });
    await transitionOrder(database.db, { number: order.number, to: 'cancelled', actor: 'staff:a', note: 'customer changed mind' });
    expect(await stockOf(sku)).toEqual({ BKK: { onHand: 4, reserved: 0, available: 4 } });
    expect(await refundsOf(database.db, order.id)).toMatchObject([{ amount: 15_000, status: 'due', reason: 'customer changed mind' }]);
    // A second cancel is refused and moves no stock.
    await expect(transitionOrder(database.db, { number: order.number, to: 'cancelled', actor: 'x' })).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
    });
    expect(await stockOf(sku)).toEqual({ BKK: { onHand: 4, reserved: 0, available: 4 } });
  });

  it('shipping turns the reservation into a deduction, with ledger rows for each step', async () => {
    const { sku, variant } = await makeProduct(database.db, { stock: { BKK: 10 } });
    const customer = await makeCustomer(database.db);
    const { order } = await placeOrder(database.db, orderInput(customer, [{ sku, qty: 4 }]));
    await transitionOrder(database.db, { number: order.number, to: 'paid', actor: 'staff', billing });
    await transitionOrder(database.db, { number: order.number, to: 'confirmed', actor: 'staff' });
    await shipOrder(database.db, { number: order.number, carrier: 'Kerry', trackingNumber: 'KEX123456', actor: 'staff', carriers: createCarrierRegistry({ settings: builtInCarriers }) });
    expect(await stockOf(sku)).toEqual({ BKK: { onHand: 6, reserved: 0, available: 6 } });
    const ledger = await database.db.select().from(stockLedger).where(eq(stockLedger.variantId, variant.id));
    expect(ledger.map((l) => [l.reason, l.onHandDelta, l.reservedDelta])).toEqual([
      ['receive', 10, 0],
      ['reserve', 0, 4],
      ['ship', -4, -4],
    ]);
    const reservations = await database.db.select().from(stockReservations).where(eq(stockReservations.orderId, order.id));
    expect(reservations.map((r) => r.status)).toEqual(['consumed']);
    const history = await historyOf(database.db, order.id);
    expect(history.map((h) => h.toStatus)).toEqual(['pending_payment', 'paid', 'confirmed', 'shipped']);
  });

  it('refuses an illegal transition and leaves no history row for it', async () => {
    const { sku } = await makeProduct(database.db, { stock: { BKK: 1 } });
    const customer = await makeCustomer(database.db);
    const { order } = await placeOrder(database.db, orderInput(customer, [{ sku, qty: 1 }]));
    await expect(transitionOrder(database.db, { number: order.number, to: 'shipped', actor: 'x' })).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
    });
    expect((await historyOf(database.db, order.id)).length).toBe(1);
  });
});
