import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import type { OrderChannel } from '../../db/schema/index.ts';
import { cancelledStatus } from '../orders/index.ts';
import { moneyMovements, movementShares } from './money.ts';

// Every sales table is a breakdown of net sales as money.ts defines it (payments received less refunds
// paid, on the day the money moved), so each table adds up to the headline to the satang: a refund
// counts against its order's channel, payment method, customer, products and category. "Orders" in a
// table are the orders money moved for.

export interface ReportRange {
  from: Date;
  /** Exclusive. */
  to: Date;
  timeZone: string;
  channel?: OrderChannel | undefined;
}

async function rows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  return (await db.execute<T & Record<string, unknown>>(query)).rows as T[];
}

const revenueOf = <T extends { revenue: number | string }>(list: T[]) => list.map((x) => ({ ...x, revenue: Number(x.revenue) }));

export interface PeriodSales {
  period: string;
  orders: number;
  revenue: number;
}

/** Net sales per day, week (starting Monday) or month the money moved, in the shop's time zone. */
export async function salesByPeriod(db: DbOrTx, r: ReportRange, granularity: 'day' | 'week' | 'month'): Promise<PeriodSales[]> {
  return revenueOf(
    await rows<PeriodSales>(
      db,
      sql`select to_char(date_trunc(${granularity}, mv.at at time zone ${r.timeZone}), 'YYYY-MM-DD') as period,
                 count(distinct mv.order_id)::int as orders, sum(mv.amount)::bigint as revenue
          from ${moneyMovements(r)} mv group by 1 order by 1`,
    ),
  );
}

export async function salesByChannel(db: DbOrTx, r: ReportRange) {
  return revenueOf(
    await rows<{ channel: OrderChannel; orders: number; revenue: number }>(
      db,
      sql`select mv.channel, count(distinct mv.order_id)::int as orders, sum(mv.amount)::bigint as revenue
          from ${moneyMovements(r)} mv group by 1 order by revenue desc, 1`,
    ),
  );
}

/** Net sales per payment method: payments under their own method, refunds under their order's. */
export async function salesByPaymentMethod(db: DbOrTx, r: ReportRange) {
  return revenueOf(
    await rows<{ method: string; orders: number; revenue: number }>(
      db,
      sql`select mv.method, count(distinct mv.order_id)::int as orders, sum(mv.amount)::bigint as revenue
          from ${moneyMovements(r)} mv group by 1 order by revenue desc, 1`,
    ),
  );
}

/**
 * Net sales per SKU, each movement shared out over its order's lines and shipping (money.ts); the
 * shipping share is a row with no SKU (sku null). Units are those of lines paid for in the range.
 */
export async function salesByProduct(db: DbOrTx, r: ReportRange) {
  return revenueOf(
    await rows<{ sku: string | null; name: string | null; units: number; revenue: number }>(
      db,
      sql`with per_line as (select line_id, sum(amount) as n, bool_or(kind = 'payment') as sold from ${movementShares(r)} s group by 1)
          select l.sku, min(l.name) as name, coalesce(sum(l.qty) filter (where pl.sold), 0)::int as units, sum(pl.n)::bigint as revenue
          from per_line pl left join order_lines l on l.id = pl.line_id
          group by l.sku order by l.sku is null, revenue desc, l.sku`,
    ),
  );
}

/** Net sales per category (in both its names), shared out as by product; shipping is a row with no category (category null). */
export async function salesByCategory(db: DbOrTx, r: ReportRange) {
  return revenueOf(
    await rows<{ category: string | null; categoryEn: string | null; units: number; revenue: number }>(
      db,
      sql`with per_line as (select line_id, sum(amount) as n, bool_or(kind = 'payment') as sold from ${movementShares(r)} s group by 1)
          select case when pl.line_id is null then null else coalesce(c.name_th, '-') end as category,
                 case when pl.line_id is null then null else coalesce(c.name_en, c.name_th, '-') end as "categoryEn",
                 coalesce(sum(l.qty) filter (where pl.sold), 0)::int as units, sum(pl.n)::bigint as revenue
          from per_line pl left join order_lines l on l.id = pl.line_id
          left join product_variants v on v.id = l.variant_id left join products p on p.id = v.product_id
          left join categories c on c.id = p.category_id
          group by 1, 2 order by 1 is null, revenue desc, 1`,
    ),
  );
}

/** Orders money moved for, their net sales, the average per order, and the customers behind them. */
export async function salesSummary(db: DbOrTx, r: ReportRange) {
  const [row] = await rows<{ orders: number; revenue: number; customers: number; new_customers: number }>(
    db,
    sql`with sales as (select mv.customer_id, mv.order_id, mv.amount from ${moneyMovements(r)} mv),
             firsts as (select o.customer_id, min(o.created_at) as first_at from orders o
                        where o.status <> ${cancelledStatus} and o.customer_id in (select customer_id from sales)
                        group by o.customer_id)
        select count(distinct s.order_id)::int as orders, coalesce(sum(s.amount), 0)::bigint as revenue,
               count(distinct s.customer_id)::int as customers,
               count(distinct s.customer_id) filter (where f.first_at >= ${r.from})::int as new_customers
        from sales s left join firsts f on f.customer_id = s.customer_id`,
  );
  const orders = row?.orders ?? 0;
  const revenue = Number(row?.revenue ?? 0);
  const customers = row?.customers ?? 0;
  const newCustomers = row?.new_customers ?? 0;
  return {
    orders,
    revenue,
    averageOrderValue: orders ? Math.round(revenue / orders) : 0,
    customers,
    newCustomers,
    returningCustomers: customers - newCustomers,
  };
}

export async function topCustomers(db: DbOrTx, r: ReportRange, limit = 10) {
  return revenueOf(
    await rows<{ customerId: number; name: string; phone: string | null; orders: number; revenue: number }>(
      db,
      sql`select mv.customer_id as "customerId", min(o.customer_name) as name, min(o.customer_phone) as phone,
                 count(distinct mv.order_id)::int as orders, sum(mv.amount)::bigint as revenue
          from ${moneyMovements(r)} mv join orders o on o.id = mv.order_id
          group by mv.customer_id order by revenue desc, 1 limit ${limit}`,
    ),
  );
}

/** Products on sale, in stock, that nobody bought in the last `days` days: candidates for a promotion. */
export function slowMovers(db: DbOrTx, now: Date, days: number) {
  const since = new Date(now.getTime() - days * 86_400_000);
  return rows<{ sku: string; name: string; onHand: number; lastSoldAt: Date | null }>(
    db,
    sql`select v.sku, p.name_th as name, coalesce(sum(sl.on_hand), 0)::int as "onHand",
               (select max(o.created_at) from order_lines l join orders o on o.id = l.order_id
                 where l.variant_id = v.id and o.status <> ${cancelledStatus}) as "lastSoldAt"
        from product_variants v join products p on p.id = v.product_id
        left join stock_levels sl on sl.variant_id = v.id
        where v.active and p.active
          and not exists (select 1 from order_lines l join orders o on o.id = l.order_id
                          where l.variant_id = v.id and o.status <> ${cancelledStatus} and o.created_at >= ${since})
        group by v.id, v.sku, p.name_th
        having coalesce(sum(sl.on_hand), 0) > 0
        order by "lastSoldAt" nulls first, v.sku`,
  );
}

/**
 * New and returning customers among those money moved for in the range: a customer is new when their
 * first non-cancelled order (any channel, any time) falls in the range, returning when it came before.
 */
export async function newVsReturningCustomers(db: DbOrTx, r: ReportRange) {
  const list = await rows<{ kind: 'new' | 'returning'; customers: number; orders: number; revenue: number | string }>(
    db,
    sql`with sales as (select mv.customer_id, mv.order_id, mv.amount from ${moneyMovements(r)} mv),
             firsts as (select o.customer_id, min(o.created_at) as first_at from orders o
                        where o.status <> ${cancelledStatus} and o.customer_id in (select customer_id from sales)
                        group by o.customer_id)
        select case when f.first_at >= ${r.from} then 'new' else 'returning' end as kind,
               count(distinct s.customer_id)::int as customers, count(distinct s.order_id)::int as orders,
               coalesce(sum(s.amount), 0)::bigint as revenue
        from sales s left join firsts f on f.customer_id = s.customer_id
        group by 1`,
  );
  const pick = (kind: 'new' | 'returning') => {
    const row = list.find((x) => x.kind === kind);
    return { kind, customers: row?.customers ?? 0, orders: row?.orders ?? 0, revenue: Number(row?.revenue ?? 0) };
  };
  return [pick('new'), pick('returning')];
}
