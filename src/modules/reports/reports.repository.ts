import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import type { OrderChannel } from '../../db/schema/index.ts';
import { cancelledStatus, paidStatuses, statusList } from '../orders/index.ts';

/** Orders that count as sales: money received or promised (cash on delivery confirmed), not cancelled. */
const saleStatuses = statusList(paidStatuses);

export interface ReportRange {
  from: Date;
  /** Exclusive. */
  to: Date;
  timeZone: string;
  channel?: OrderChannel | undefined;
}

const saleFilter = (r: ReportRange, alias = 'o'): SQL =>
  sql.join(
    [
      sql`${sql.raw(alias)}.status in (${saleStatuses})`,
      sql`${sql.raw(alias)}.created_at >= ${r.from} and ${sql.raw(alias)}.created_at < ${r.to}`,
      r.channel ? sql`${sql.raw(alias)}.channel = ${r.channel}` : sql`true`,
    ],
    sql` and `,
  );

async function rows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  return (await db.execute<T & Record<string, unknown>>(query)).rows as T[];
}

export interface PeriodSales {
  period: string;
  orders: number;
  revenue: number;
}

/** Sales per day, week (starting Monday) or month, in the shop's time zone. */
export function salesByPeriod(db: DbOrTx, r: ReportRange, granularity: 'day' | 'week' | 'month') {
  return rows<PeriodSales>(
    db,
    sql`select to_char(date_trunc(${granularity}, o.created_at at time zone ${r.timeZone}), 'YYYY-MM-DD') as period,
               count(*)::int as orders, coalesce(sum(o.total), 0)::bigint as revenue
        from orders o where ${saleFilter(r)}
        group by 1 order by 1`,
  ).then((list) => list.map((x) => ({ ...x, revenue: Number(x.revenue) })));
}

export function salesByChannel(db: DbOrTx, r: ReportRange) {
  return rows<{ channel: string; orders: number; revenue: number }>(
    db,
    sql`select o.channel, count(*)::int as orders, coalesce(sum(o.total), 0)::bigint as revenue
        from orders o where ${saleFilter(r)} group by 1 order by revenue desc`,
  ).then((list) => list.map((x) => ({ ...x, revenue: Number(x.revenue) })));
}

export function salesByPaymentMethod(db: DbOrTx, r: ReportRange) {
  return rows<{ method: string; orders: number; revenue: number }>(
    db,
    sql`select o.payment_method as method, count(*)::int as orders, coalesce(sum(o.total), 0)::bigint as revenue
        from orders o where ${saleFilter(r)} group by 1 order by revenue desc`,
  ).then((list) => list.map((x) => ({ ...x, revenue: Number(x.revenue) })));
}

/** Units and line revenue per SKU (before shipping and discounts, which belong to orders). */
export function salesByProduct(db: DbOrTx, r: ReportRange) {
  return rows<{ sku: string; name: string; units: number; revenue: number }>(
    db,
    sql`select l.sku, min(l.name) as name, sum(l.qty)::int as units, sum(l.line_total)::bigint as revenue
        from order_lines l join orders o on o.id = l.order_id
        where ${saleFilter(r)} group by l.sku order by revenue desc, l.sku`,
  ).then((list) => list.map((x) => ({ ...x, revenue: Number(x.revenue) })));
}

export function salesByCategory(db: DbOrTx, r: ReportRange) {
  return rows<{ category: string; categoryEn: string; units: number; revenue: number }>(
    db,
    sql`select coalesce(c.name_th, '-') as category, coalesce(c.name_en, c.name_th, '-') as "categoryEn", sum(l.qty)::int as units, sum(l.line_total)::bigint as revenue
        from order_lines l join orders o on o.id = l.order_id
        join product_variants v on v.id = l.variant_id join products p on p.id = v.product_id
        left join categories c on c.id = p.category_id
        where ${saleFilter(r)} group by 1, 2 order by revenue desc`,
  ).then((list) => list.map((x) => ({ ...x, revenue: Number(x.revenue) })));
}

export async function salesSummary(db: DbOrTx, r: ReportRange) {
  const [row] = await rows<{ orders: number; revenue: number; customers: number; new_customers: number }>(
    db,
    sql`with sales as (select o.customer_id, o.total, o.created_at from orders o where ${saleFilter(r)}),
             firsts as (select o.customer_id, min(o.created_at) as first_at from orders o
                        where o.status in (${saleStatuses})
                        group by o.customer_id)
        select count(*)::int as orders, coalesce(sum(total), 0)::bigint as revenue,
               count(distinct s.customer_id)::int as customers,
               count(distinct s.customer_id) filter (where f.first_at >= ${r.from})::int as new_customers
        from sales s join firsts f on f.customer_id = s.customer_id`,
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

export function topCustomers(db: DbOrTx, r: ReportRange, limit = 10) {
  return rows<{ customerId: number; name: string; phone: string | null; orders: number; revenue: number }>(
    db,
    sql`select o.customer_id as "customerId", min(o.customer_name) as name, min(o.customer_phone) as phone,
               count(*)::int as orders, sum(o.total)::bigint as revenue
        from orders o where ${saleFilter(r)} group by o.customer_id order by revenue desc limit ${limit}`,
  ).then((list) => list.map((x) => ({ ...x, revenue: Number(x.revenue) })));
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
 * New and returning customers among those who bought in the range: a customer is new when their first
 * non-cancelled order (any channel, any time) falls in the range, returning when it came before.
 */
export async function newVsReturningCustomers(db: DbOrTx, r: ReportRange) {
  const list = await rows<{ kind: 'new' | 'returning'; customers: number; orders: number; revenue: number | string }>(
    db,
    sql`with sales as (select o.customer_id, o.total from orders o where ${saleFilter(r)}),
             firsts as (select o.customer_id, min(o.created_at) as first_at from orders o
                        where o.status <> ${cancelledStatus} and o.customer_id in (select customer_id from sales)
                        group by o.customer_id)
        select case when f.first_at >= ${r.from} then 'new' else 'returning' end as kind,
               count(distinct s.customer_id)::int as customers, count(*)::int as orders,
               coalesce(sum(s.total), 0)::bigint as revenue
        from sales s join firsts f on f.customer_id = s.customer_id
        group by 1`,
  );
  const pick = (kind: 'new' | 'returning') => {
    const row = list.find((x) => x.kind === kind);
    return { kind, customers: row?.customers ?? 0, orders: row?.orders ?? 0, revenue: Number(row?.revenue ?? 0) };
  };
  return [pick('new'), pick('returning')];
}
