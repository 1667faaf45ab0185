import { and, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { orders, refunds, type OrderChannel } from '#src/db/schema/index.ts';
import { refundOwed } from '#src/modules/payments/index.ts';

/** Refunds owed and not paid yet, newest first, optionally of one channel's orders. */
export async function refundsDue(db: DbOrTx, filter: { channel?: OrderChannel | undefined } = {}) {
  return db
    .select({
      refund: refunds,
      number: orders.number,
      channel: orders.channel,
      customerName: orders.customerName,
      customerPhone: orders.customerPhone,
      orderStatus: orders.status,
    })
    .from(refunds)
    .innerJoin(orders, eq(orders.id, refunds.orderId))
    .where(and(eq(refunds.status, refundOwed), filter.channel ? eq(orders.channel, filter.channel) : undefined))
    .orderBy(desc(refunds.createdAt))
    .limit(500);
}
