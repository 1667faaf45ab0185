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

/**
 * Every movement of money in a range, the one source of net sales and of every breakdown of it: each
 * payment received (positive, on the day it was received, under its own method) and each refund paid
 * (negative, on the day it was paid, under the refunded order's payment method); both carry the order
 * they belong to, so a refund counts against its order's channel, customer, products and category.
 * Columns: order_id, channel, customer_id, method, kind ('payment' | 'refund'), amount, at.
 */
export function moneyMovements(r: MoneyRange): SQL {
  return sql`(
    select p.order_id, o.channel, o.customer_id, p.method::text as method, 'payment' as kind, p.amount::bigint as amount, p.confirmed_at as at
    from payments p join orders o on o.id = p.order_id
    where p.status = ${paymentReceived} and p.confirmed_at >= ${r.from} and p.confirmed_at < ${r.to} and ${channelIs(r)}
    union all
    select f.order_id, o.channel, o.customer_id, o.payment_method::text, 'refund', -f.amount::bigint, f.paid_at
    from refunds f join orders o on o.id = f.order_id
    where f.status = ${refundPaidBack} and f.paid_at >= ${r.from} and f.paid_at < ${r.to} and ${channelIs(r)})`;
}

/**
 * Each movement of a range shared out over what its order sold: its lines (by line total) and its
 * shipping fee, a discount spread over both; the shares of one movement add up to it exactly (each takes
 * the rounded running total less the one before). An order with nothing to weigh gives its whole
 * amount to a share with no line. Columns: order_id, line_id (null for shipping), amount, kind.
 */
export function movementShares(r: MoneyRange): SQL {
  return sql`(
    with m as (select row_number() over () as mid, * from ${moneyMovements(r)} mv),
         parts as (
           select l.order_id, l.id as line_id, l.line_total::numeric as w from order_lines l where l.order_id in (select order_id from m)
           union all
           select o.id, null, o.shipping_fee::numeric from orders o where o.id in (select order_id from m) and o.shipping_fee > 0),
         raw as (
           select m.mid, m.order_id, m.kind, m.amount, parts.line_id, coalesce(parts.w, 1) as w,
                  sum(coalesce(parts.w, 1)) over (partition by m.mid) as whole
           from m left join parts on parts.order_id = m.order_id),
         even as (select mid, order_id, kind, amount, line_id, case when whole > 0 then w else 1 end as w from raw),
         weighed as (
           select *, sum(w) over (partition by mid order by line_id nulls last rows unbounded preceding) as upto,
                  sum(w) over (partition by mid) as whole
           from even)
    select order_id, line_id, kind,
           (round(amount * upto / whole) - round(amount * (upto - w) / whole))::bigint as amount
    from weighed)`;
}

/** The figures of a range, per channel (one row per channel that had any). */
export async function moneyByChannel(db: DbOrTx, r: MoneyRange): Promise<(MoneyFigures & { channel: OrderChannel })[]> {
  const { rows } = await db.execute<{ channel: OrderChannel; paid: string; refunds: string; awaiting: string; cod: string; orders: number }>(sql`
    with moved as (
           select channel, sum(amount) filter (where kind = 'payment') as paid, -sum(amount) filter (where kind = 'refund') as refunds
           from ${moneyMovements(r)} mv group by 1),
         placed as (
           select o.channel, count(*) as orders,
                  sum(greatest(o.total - ${receivedOn}, 0)) filter (where o.payment_method <> 'cod' and o.status in (${statusList(awaitingPaymentStatuses)})) as awaiting,
                  sum(greatest(o.total - ${receivedOn}, 0)) filter (where o.payment_method = 'cod') as cod
           from orders o
           where o.created_at >= ${r.from} and o.created_at < ${r.to} and o.status <> ${cancelledStatus} and ${channelIs(r)}
           group by 1),
         channels as (select channel from moved union select channel from placed)
    select c.channel, coalesce(moved.paid, 0)::bigint as paid, coalesce(moved.refunds, 0)::bigint as refunds,
           coalesce(placed.awaiting, 0)::bigint as awaiting, coalesce(placed.cod, 0)::bigint as cod, coalesce(placed.orders, 0)::int as orders
    from channels c left join moved using (channel) left join placed using (channel)
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
  const { rows } = await db.execute<{ day: string; channel: OrderChannel; n: string }>(sql`
    select to_char((at at time zone ${r.timeZone})::date, 'YYYY-MM-DD') as day, channel, sum(amount)::bigint as n
    from ${moneyMovements(r)} mv group by 1, 2 order by 1, 2`);
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
