import { sql } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import type { OrderChannel, OrderStatus } from '#src/db/schema/index.ts';
import { cancelledStatus, statusList, waitingStatuses } from '#src/modules/orders/index.ts';

/** Midnight today in the shop's time zone, as a timestamptz the orders index can use. */
const shopMidnight = (tz: string, daysBack = 0) =>
  sql`((date_trunc('day', now() at time zone ${tz}) - make_interval(days => ${daysBack})) at time zone ${tz})`;

/** Orders waiting for someone's action, per status: slips to review, to confirm, to pack, to ship. */
export async function waitingCounts(db: DbOrTx): Promise<Partial<Record<OrderStatus, number>>> {
  const { rows } = await db.execute<{ status: OrderStatus; n: number }>(sql`
    select status, count(*)::int as n from orders
    where status in (${statusList(waitingStatuses)}) group by status`);
  const counts: Partial<Record<OrderStatus, number>> = Object.fromEntries(waitingStatuses.map((s) => [s, 0]));
  for (const r of rows) if (r.status in counts) counts[r.status] = Number(r.n);
  return counts;
}

export interface DailySeries {
  days: string[];
  channels: OrderChannel[];
  orders: Record<string, number[]>;
}

/**
 * Orders placed per shop-time-zone day and channel for the last `days` days, zeros included (the
 * money per day comes from the money figures: netSalesByDay).
 */
export async function dailyOrdersByChannel(db: DbOrTx, tz: string, days = 30): Promise<DailySeries> {
  const { rows } = await db.execute<{ day: string; channel: OrderChannel; orders: number }>(sql`
    select to_char((created_at at time zone ${tz})::date, 'YYYY-MM-DD') as day, channel, count(*)::int as orders
    from orders
    where created_at >= ${shopMidnight(tz, days - 1)} and status <> ${cancelledStatus}
    group by 1, 2`);
  const { rows: today } = await db.execute<{ day: string }>(sql`select to_char((now() at time zone ${tz})::date, 'YYYY-MM-DD') as day`);
  const last = new Date(`${today[0]!.day}T00:00:00Z`);
  const dayList = Array.from({ length: days }, (_, i) => {
    const d = new Date(last);
    d.setUTCDate(d.getUTCDate() - (days - 1 - i));
    return d.toISOString().slice(0, 10);
  });
  const channels = [...new Set(rows.map((r) => r.channel))].sort();
  const orders: Record<string, number[]> = {};
  for (const c of channels) orders[c] = dayList.map(() => 0);
  for (const r of rows) {
    const i = dayList.indexOf(r.day);
    if (i >= 0) orders[r.channel]![i] = Number(r.orders);
  }
  return { days: dayList, channels, orders };
}
