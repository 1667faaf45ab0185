import { and, asc, desc, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { customerAddresses, customerIdentities, customers, orders, type Customer } from '#src/db/schema/index.ts';
import { likePattern } from '#src/lib/like-pattern.ts';
import { normalizeThaiPhone } from '#src/lib/phone.ts';
import { cancelledStatus } from '#src/modules/orders/index.ts';
import { customerNetPaid } from '#src/modules/reports/index.ts';

export interface CustomerFilter {
  q?: string | undefined;
  page: number;
  perPage: number;
  /** Leave this customer out (the merge picker). */
  exceptId?: number | undefined;
}

/**
 * Name, phone in any way it is written (081-234-5678, +66 81 234 5678, or a part of the digits), or
 * a LINE/Telegram display name.
 */
function searchCondition(q: string): SQL {
  const pattern = likePattern(q);
  const phone = normalizeThaiPhone(q);
  const digits = q.replace(/\D/g, '');
  const parts: SQL[] = [
    sql`${customers.name} ilike ${pattern}`,
    sql`${customers.email} ilike ${pattern}`,
    sql`exists (select 1 from customer_identities ci where ci.customer_id = ${outerCustomerId} and ci.display_name ilike ${pattern})`,
  ];
  if (phone) parts.push(sql`${customers.phone} = ${phone}`);
  // A partial number: "2345678" or "0812345" (a leading 0 is the national prefix, stored as 66).
  if (digits.length >= 4 && digits === q.replace(/[\s\-+().]/g, '')) {
    parts.push(sql`${customers.phone} like ${likePattern(digits.replace(/^0/, ''))}`);
  }
  return sql`(${sql.join(parts, sql` or `)})`;
}


/**
 * The list's own customer row, qualified with its table: inside a correlated sub-query Drizzle renders
 * `${customers.id}` without the table, which then names the sub-query's own `id` column.
 */
const outerCustomerId = sql`${customers}.${sql.identifier('id')}`;

/**
 * A web-chat visitor becomes a customer of the list once they give a name, a phone or an email, or
 * order: until then the browsing visitor (no name, only a web-chat identity, no order) is left out.
 */
const notAnonymousVisitor = sql`not (
  ${customers.name} = '' and ${customers.phone} is null and ${customers.email} is null
  and not exists (select 1 from orders o where o.customer_id = ${outerCustomerId})
  and not exists (select 1 from customer_addresses a where a.customer_id = ${outerCustomerId})
  and not exists (select 1 from customer_identities ci where ci.customer_id = ${outerCustomerId} and ci.channel <> 'webchat')
)`;

export interface CustomerListRow {
  customer: Customer;
  channels: string[];
  displayNames: string[];
  orders: number;
  lifetimeValue: number;
  lastOrderAt: Date | null;
}

export async function listCustomers(db: DbOrTx, filter: CustomerFilter): Promise<{ rows: CustomerListRow[]; total: number }> {
  const q = filter.q?.trim();
  const where = and(
    isNull(customers.mergedIntoId),
    q ? searchCondition(q) : undefined,
    filter.exceptId ? sql`${customers.id} <> ${filter.exceptId}` : undefined,
    notAnonymousVisitor,
  );
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(customers).where(where);
  const rows = await db
    .select({
      customer: customers,
      // Where the customer came from: their chat identities and the channels of their orders (a
      // marketplace buyer or a customer entered by hand has no chat identity).
      channels: sql<string[]>`coalesce((select array_agg(distinct ch order by ch) from (
          select ci.channel::text as ch from customer_identities ci where ci.customer_id = ${outerCustomerId}
          union select o.channel::text from orders o where o.customer_id = ${outerCustomerId}) chs), '{}')`,
      displayNames: sql<string[]>`coalesce((select array_agg(ci.display_name order by ci.id) from customer_identities ci where ci.customer_id = ${outerCustomerId} and ci.display_name is not null and ci.display_name <> ''), '{}')`,
      orders: sql<number>`(select count(*)::int from orders o where o.customer_id = ${outerCustomerId})`,
      lifetimeValue: customerNetPaid(outerCustomerId).mapWith(Number),
      lastOrderAt: sql<Date | null>`(select max(o.created_at) from orders o where o.customer_id = ${outerCustomerId})`.mapWith((v) =>
        v === null ? null : new Date(v as string),
      ),
    })
    .from(customers)
    .where(where)
    .orderBy(desc(customers.id))
    .limit(filter.perPage)
    .offset((filter.page - 1) * filter.perPage);
  return { rows, total: count!.n };
}

/** The mean gap in days between consecutive orders (not cancelled); null with fewer than two. */
export function averageDaysBetween(dates: Date[], count = dates.length): number | null {
  if (count < 2 || dates.length === 0) return null;
  const times = dates.map((d) => d.getTime());
  const span = Math.max(...times) - Math.min(...times);
  return Math.round((span / (count - 1) / 86_400_000) * 10) / 10;
}

export async function customerPage(db: DbOrTx, id: number) {
  const [customer] = await db.select().from(customers).where(eq(customers.id, id));
  if (!customer) return undefined;
  const identities = await db.select().from(customerIdentities).where(eq(customerIdentities.customerId, id)).orderBy(asc(customerIdentities.id));
  const addresses = await db
    .select()
    .from(customerAddresses)
    .where(eq(customerAddresses.customerId, id))
    .orderBy(desc(customerAddresses.createdAt), desc(customerAddresses.id));
  const history = await db
    .select({
      number: orders.number,
      status: orders.status,
      channel: orders.channel,
      total: orders.total,
      currency: orders.currency,
      createdAt: orders.createdAt,
    })
    .from(orders)
    .where(eq(orders.customerId, id))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(500);
  const [value] = await db.select({ n: customerNetPaid(sql`${id}`).mapWith(Number) }).from(sql`(select 1) one`);
  const [stats] = await db
    .select({
      n: sql<number>`count(*)::int`,
      first: sql<string | null>`min(${orders.createdAt})`,
      last: sql<string | null>`max(${orders.createdAt})`,
    })
    .from(orders)
    .where(and(eq(orders.customerId, id), sql`${orders.status} <> ${cancelledStatus}`));
  const averageDays =
    stats && stats.n >= 2 && stats.first && stats.last ? averageDaysBetween([new Date(stats.first), new Date(stats.last)], stats.n) : null;
  // Lifetime value: what their orders brought in, net (the money figures' definition).
  return { customer, identities, addresses, orders: history, lifetimeValue: value?.n ?? 0, averageDays };
}
