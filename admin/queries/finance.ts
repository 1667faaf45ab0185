import { and, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { orders, refunds, type OrderChannel } from '#src/db/schema/index.ts';
import { cancelledStatus } from '#src/modules/orders/index.ts';
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

/** Orders and revenue per channel since midnight `days - 1` days ago in the shop's time zone; cancelled orders left out. */
export async function revenueByChannel(db: DbOrTx, tz: string, days = 30) {
  const { rows } = await db.execute<{ channel: OrderChannel; currency: string; orders: number; revenue: number | string }>(sql`
    select channel, currency, count(*)::int as orders, coalesce(sum(total), 0)::bigint as revenue
    from orders
    where created_at >= ((date_trunc('day', now() at time zone ${tz}) - make_interval(days => ${days - 1})) at time zone ${tz})
      and status <> ${cancelledStatus}
    group by channel, currency
    order by 4 desc`);
  return rows.map((r) => ({ channel: r.channel, currency: r.currency, orders: Number(r.orders), revenue: Number(r.revenue) }));
}
