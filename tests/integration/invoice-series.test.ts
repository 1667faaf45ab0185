// The receipt / tax-invoice series as orders are paid: gap-free and unique under concurrency, and a
// transaction that fails after taking a number gives it back.
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction, type Database } from '#src/db/client.ts';
import { invoices, orders } from '#src/db/schema/index.ts';
import { invoiceOf, issueInvoice } from '#src/modules/billing/index.ts';
import { lockOrder } from '#src/modules/orders/index.ts';
import { transitionLockedOrder, transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { createTestDatabase, onRealPostgres } from '../helpers/db.ts';
import { makeCustomer, makeProduct, orderInput } from '../helpers/factories.ts';

let database: Database;
const billing = { vatRegistered: true, timeZone: 'Asia/Bangkok' };

beforeAll(async () => {
  database = await createTestDatabase({ poolSize: 10 });
  await makeProduct(database.db, { sku: 'SER-1', price: 10_700, stock: { MAIN: 1_000 } });
});
afterAll(() => database?.close());

async function placeMany(n: number): Promise<string[]> {
  const customer = await makeCustomer(database.db);
  const numbers: string[] = [];
  for (let i = 0; i < n; i++) numbers.push((await placeOrder(database.db, orderInput(customer, [{ sku: 'SER-1', qty: 1 }]))).order.number);
  return numbers;
}

async function allSeqs(): Promise<number[]> {
  const rows = await database.db.select({ seq: invoices.seq }).from(invoices).orderBy(asc(invoices.seq));
  return rows.map((r) => r.seq);
}

describe(`the invoice series (${onRealPostgres ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('numbers 30 orders paid at the same time 1..30, with no gap and no duplicate', async () => {
    const numbers = await placeMany(30);
    await Promise.all(numbers.map((number) => transitionOrder(database.db, { number, to: 'paid', actor: 'test', notify: false, billing })));
    const rows = await database.db
      .select({ order: orders.number, status: orders.status, invoice: invoices.number, seq: invoices.seq, vat: invoices.vat })
      .from(invoices)
      .innerJoin(orders, eq(orders.id, invoices.orderId));
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.status === 'paid')).toBe(true);
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.invoice)).size).toBe(30);
    expect(new Set(rows.map((r) => r.order))).toEqual(new Set(numbers));
    // 107 baht including VAT holds 7 baht of VAT.
    expect(rows.every((r) => r.vat === 700)).toBe(true);
  });

  it('gives the number back when the transaction that took it fails, so the next order gets it', async () => {
    const [failing, next] = await placeMany(2);
    const before = await allSeqs();
    await expect(
      withTransaction(database.db, async (tx) => {
        const order = await lockOrder(tx, failing!);
        await transitionLockedOrder(tx, order, { to: 'paid', actor: 'test', notify: false, billing });
        throw new Error('something after the invoice failed');
      }),
    ).rejects.toThrow('something after the invoice failed');
    const failed = await database.db.select().from(orders).where(eq(orders.number, failing!));
    expect(failed[0]!.status).toBe('pending_payment');
    expect(await invoiceOf(database.db, failed[0]!.id)).toBeUndefined();
    expect(await allSeqs()).toEqual(before);

    await transitionOrder(database.db, { number: next!, to: 'paid', actor: 'test', notify: false, billing });
    const seqs = await allSeqs();
    expect(seqs).toEqual([...before, before.length + 1]);
  });

  it('issues one invoice per order, however often it is asked for', async () => {
    const [number] = await placeMany(1);
    await transitionOrder(database.db, { number: number!, to: 'paid', actor: 'test', notify: false, billing });
    const [order] = await database.db.select().from(orders).where(eq(orders.number, number!));
    const first = await invoiceOf(database.db, order!.id);
    const again = await Promise.all([1, 2, 3].map(() => withTransaction(database.db, (tx) => issueInvoice(tx, order!.id, billing))));
    expect(again.map((i) => i.number)).toEqual([first!.number, first!.number, first!.number]);
    const seqs = await allSeqs();
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });
});
