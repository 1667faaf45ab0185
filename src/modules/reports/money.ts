// The one definition of every money figure the shop reads: the dashboard, the reports, the finance
// page, the daily summary, the accounting export and GET /api/v1/reports/sales all take them from here.
//
// Money is counted when it moves, on the shop's day it moved:
// - paid: payments received (a slip accepted or approved for what it shows, an order marked paid,
//   cash, a marketplace payout, cash on delivery collected), by the day they were received;
// - refunds: refunds paid back, by the day they were paid;
// - net sales = paid − refunds, so it always equals the ledger of payments and refunds to the satang;
// - awaiting payment: what prepaid orders placed in the range still owe (not cancelled);
// - COD to collect: what cash-on-delivery orders placed in the range still owe (not cancelled);
// - orders: orders placed in the range, cancelled ones left out.
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import type { OrderChannel } from '../../db/schema/index.ts';
import { awaitingPaymentStatuses, cancelledStatus, statusList } from '../orders/index.ts';
import { paymentReceived, refundPaidBack } from '../payments/index.ts';

export interface MoneyRange {
  from: Date;
  /** Exclusive. */
  to: Date;
  channel?: OrderChannel | undefined;
}

export interface MoneyFigures {
  netSales: number;
  paid: number;
  refunds: number;
  awaitingPayment: number;
  codToCollect: number;
  orders: number;
}

/** The figures' names, in the order pages show them (each has a label and a "what it counts" text). */
export const moneyFigureNames = ['netSales', 'paid', 'refunds', 'awaitingPayment', 'codToCollect', 'orders'] as const satisfies readonly (keyof MoneyFigures)[];

const channelIs = (r: MoneyRange): SQL => (r.channel ? sql`o.channel = ${r.channel}` : sql`true`);

/** What an order has received, as a SQL expression over the order aliased `o`. */
const receivedOn = sql`coalesce((select sum(p.amount) from payments p where p.order_id = o.id and p.status = ${paymentReceived}), 0)`;

/** The figures of a range, per channel (one row per channel that had any). */
export async function moneyByChannel(db: DbOrTx, r: MoneyRange): Promise<(MoneyFigures & { channel: OrderChannel })[]> {
  const { rows } = await db.execute<{ channel: OrderChannel; paid: string; refunds: string; awaiting: string; cod: string; orders: number }>(sql`
    with paid as (
           select o.channel, sum(p.amount) as n from payments p join orders o on o.id = p.order_id
           where p.status = ${paymentReceived} and p.confirmed_at >= ${r.from} and p.confirmed_at < ${r.to} and ${channelIs(r)}
           group by 1),
         refunded as (
           select o.channel, sum(f.amount) as n from refunds f join orders o on o.id = f.order_id
           where f.status = ${refundPaidBack} and f.paid_at >= ${r.from} and f.paid_at < ${r.to} and ${channelIs(r)}
           group by 1),
         placed as (
           select o.channel, count(*) as orders,
                  sum(greatest(o.total - ${receivedOn}, 0)) filter (where o.payment_method <> 'cod' and o.status in (${statusList(awaitingPaymentStatuses)})) as awaiting,
                  sum(greatest(o.total - ${receivedOn}, 0)) filter (where o.payment_method = 'cod') as cod
           from orders o
           where o.created_at >= ${r.from} and o.created_at < ${r.to} and o.status <> ${cancelledStatus} and ${channelIs(r)}
           group by 1),
         channels as (select channel from paid union select channel from refunded union select channel from placed)
    select c.channel, coalesce(paid.n, 0)::bigint as paid, coalesce(refunded.n, 0)::bigint as refunds,
           coalesce(placed.awaiting, 0)::bigint as awaiting, coalesce(placed.cod, 0)::bigint as cod, coalesce(placed.orders, 0)::int as orders
    from channels c left join paid using (channel) left join refunded using (channel) left join placed using (channel)
    order by c.channel`);
  return rows.map((x) => {
    const paid = Number(x.paid);
    const refunds = Number(x.refunds);
    return {
      channel: x.channel,
      netSales: paid - refunds,
      paid,
      refunds,
      awaitingPayment: Number(x.awaiting),
      codToCollect: Number(x.cod),
      orders: Number(x.orders),
    };
  });
}

/** The figures of a range (of one channel, when it names one). */
export async function moneyFigures(db: DbOrTx, r: MoneyRange): Promise<MoneyFigures> {
  const total: MoneyFigures = { netSales: 0, paid: 0, refunds: 0, awaitingPayment: 0, codToCollect: 0, orders: 0 };
  for (const row of await moneyByChannel(db, r)) for (const k of moneyFigureNames) total[k] += row[k];
  return total;
}

/** Net sales per shop day and channel over a range (for charts): payments received less refunds paid. */
export async function netSalesByDay(db: DbOrTx, r: MoneyRange & { timeZone: string }): Promise<{ day: string; channel: OrderChannel; netSales: number }[]> {
  const day = (col: SQL) => sql`to_char((${col} at time zone ${r.timeZone})::date, 'YYYY-MM-DD')`;
  const { rows } = await db.execute<{ day: string; channel: OrderChannel; n: string }>(sql`
    select day, channel, sum(n)::bigint as n from (
      select ${day(sql`p.confirmed_at`)} as day, o.channel, p.amount as n from payments p join orders o on o.id = p.order_id
      where p.status = ${paymentReceived} and p.confirmed_at >= ${r.from} and p.confirmed_at < ${r.to} and ${channelIs(r)}
      union all
      select ${day(sql`f.paid_at`)}, o.channel, -f.amount from refunds f join orders o on o.id = f.order_id
      where f.status = ${refundPaidBack} and f.paid_at >= ${r.from} and f.paid_at < ${r.to} and ${channelIs(r)}) m
    group by 1, 2 order by 1, 2`);
  return rows.map((x) => ({ day: x.day, channel: x.channel, netSales: Number(x.n) }));
}

/**
 * A customer's lifetime value: what their orders brought in, net (payments received less refunds
 * paid), as a SQL expression over a customer id.
 */
export function customerNetPaid(customerId: SQL): SQL<number> {
  return sql<number>`(
    coalesce((select sum(p.amount) from payments p join orders o on o.id = p.order_id
              where o.customer_id = ${customerId} and p.status = ${paymentReceived}), 0)
    - coalesce((select sum(f.amount) from refunds f join orders o on o.id = f.order_id
                where o.customer_id = ${customerId} and f.status = ${refundPaidBack}), 0))::bigint`;
}
