// Cash on delivery: the carrier collects at the door and remits later; a collection is a confirmed
// payment of method cod, recorded once per order.
import { and, eq, inArray, lt, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { orders, payments, shipments } from '../../db/schema/index.ts';
import { dispatchedStatuses } from '../orders/index.ts';
import { paymentReceived } from './payments.repository.ts';

/** Which of these orders have their cash-on-delivery money recorded already. */
export async function codCollectedOrderIds(db: DbOrTx, orderIds: readonly number[]): Promise<Set<number>> {
  if (orderIds.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ orderId: payments.orderId })
    .from(payments)
    .where(and(inArray(payments.orderId, [...orderIds]), eq(payments.method, 'cod'), eq(payments.status, paymentReceived)));
  return new Set(rows.map((r) => r.orderId));
}

/** Cash-on-delivery orders handed to the carrier before `shippedBefore` whose money has not come in, oldest first. */
export async function overdueCodOrders(db: DbOrTx, opts: { shippedBefore: Date; except: readonly number[]; limit: number }) {
  const rows = await db
    .select({
      number: orders.number,
      customerName: orders.customerName,
      total: orders.total,
      currency: orders.currency,
      trackingNumber: shipments.trackingNumber,
      shippedAt: shipments.shippedAt,
    })
    .from(orders)
    .innerJoin(shipments, eq(shipments.orderId, orders.id))
    .where(
      and(
        eq(orders.paymentMethod, 'cod'),
        inArray(orders.status, [...dispatchedStatuses]),
        lt(shipments.shippedAt, opts.shippedBefore),
        opts.except.length ? notInArray(orders.id, [...opts.except]) : undefined,
        sql`not exists (select 1 from ${payments} p where p.order_id = ${orders.id} and p.method = 'cod' and p.status = ${paymentReceived})`,
      ),
    )
    .orderBy(shipments.shippedAt)
    .limit(opts.limit);
  // One row per order (its first parcel).
  return [...new Map(rows.map((o) => [o.number, o])).values()];
}
