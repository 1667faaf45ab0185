import { readFile } from 'node:fs/promises';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '#src/db/client.ts';
import { orderHistory } from '#src/db/schema/index.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeProduct, orderInput } from '../helpers/factories.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

describe('old English timeline notes', () => {
  it('become events in the migration; notes people typed stay as typed', async () => {
    const { db } = database;
    const product = await makeProduct(db, { stock: { MAIN: 5 } });
    const customer = await makeCustomer(db);
    const { order } = await placeOrder(db, orderInput(customer, [{ sku: product.sku, qty: 1 }]));
    const old = (note: string) => ({ orderId: order.id, fromStatus: order.status, toStatus: order.status, actor: 'system', note });
    await db.insert(orderHistory).values([
      old('order placed (line)'),
      old('slip to check: too_early, amount_mismatch'),
      old('slip 0160123456789 verified'),
      old('paid on shopee'),
      old('merged into TL-10002'),
      old('not paid within 24 h'),
      old('ลูกค้าขอให้ส่งพรุ่งนี้'),
    ]);
    const file = await readFile(new URL('../../src/db/migrations/0007_thai_order_events.sql', import.meta.url), 'utf8');
    const handWritten = file.slice(file.indexOf('-- hand-written:'));
    for (const statement of handWritten.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));
    const rows = await db.select({ note: orderHistory.note, event: orderHistory.event }).from(orderHistory).where(eq(orderHistory.orderId, order.id));
    expect(rows.slice(-7)).toEqual([
      { note: null, event: { kind: 'order.placed', params: { channel: 'line' } } },
      { note: null, event: { kind: 'slip.toCheck', params: { reasons: ['too_early', 'amount_mismatch'] } } },
      { note: null, event: { kind: 'slip.verified', params: { ref: '0160123456789' } } },
      { note: null, event: { kind: 'order.paidOnMarketplace', params: { channel: 'shopee' } } },
      { note: null, event: { kind: 'order.merged', params: { number: 'TL-10002' } } },
      { note: null, event: { kind: 'order.expired', params: { hours: 24 } } },
      { note: 'ลูกค้าขอให้ส่งพรุ่งนี้', event: null },
    ]);
    // A new order's own first row is an event already.
    expect(rows[0]!.event).toMatchObject({ kind: 'order.placed' });
  });
});
