import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { orders, type Order, type OrderChannel, type OrderLine, type OrderStatus } from '#src/db/schema/index.ts';
import { cancelledStatus, linesOfOrders, orderSearchCondition, parseOrderNumber, placedStatus, waitingFor } from '#src/modules/orders/index.ts';
import { paymentReceived, refundOwed } from '#src/modules/payments/index.ts';

export const sorts = ['newest', 'oldest', 'total_desc', 'total_asc'] as const;
export type OrderSort = (typeof sorts)[number];

export interface DeskFilter {
  statuses?: readonly OrderStatus[] | undefined;
  channel?: OrderChannel | undefined;
  /** Shop-time-zone calendar days, YYYY-MM-DD, both included. */
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
  payment?: PaymentState | undefined;
  warehouseId?: number | undefined;
  sort: OrderSort;
  page: number;
  perPage: number;
}

/** Where the money of an order stands, as the desk filters it. */
export const paymentStates = ['unpaid', 'in_review', 'paid', 'cod_to_collect', 'refund_due'] as const;
export type PaymentState = (typeof paymentStates)[number];

const confirmedPayment = sql`exists (select 1 from payments p where p.order_id = ${orders.id} and p.status = ${paymentReceived})`;

function paymentCondition(state: PaymentState): SQL {
  switch (state) {
    case 'unpaid':
      return sql`${orders.status} = ${placedStatus} and ${orders.paymentMethod} <> 'cod'`;
    case 'in_review':
      return sql`${orders.status} = ${waitingFor.review}`;
    case 'paid':
      return confirmedPayment;
    case 'cod_to_collect':
      return sql`${orders.paymentMethod} = 'cod' and ${orders.status} <> ${cancelledStatus} and not ${confirmedPayment}`;
    case 'refund_due':
      return sql`exists (select 1 from refunds r where r.order_id = ${orders.id} and r.status = ${refundOwed})`;
  }
}

export interface DeskRow {
  order: Order;
  lines: OrderLine[];
}

const orderBy: Record<OrderSort, SQL[]> = {
  // Spelled as the indexes are built (DESC NULLS LAST), so a page is read in index order, not sorted.
  newest: [sql`${orders.createdAt} desc nulls last`, sql`${orders.id} desc nulls last`],
  oldest: [sql`${orders.createdAt} asc nulls first`, sql`${orders.id} asc nulls first`],
  total_desc: [desc(orders.total), desc(orders.id)],
  total_asc: [asc(orders.total), desc(orders.id)],
};

/** One page of the order desk, with the total count for the pager and each order's lines. */
export async function listDeskOrders(db: DbOrTx, filter: DeskFilter, timeZone: string) {
  const where = and(
    filter.statuses && filter.statuses.length > 0 ? inArray(orders.status, [...filter.statuses]) : undefined,
    filter.channel ? eq(orders.channel, filter.channel) : undefined,
    filter.from ? gte(orders.createdAt, sql`(${filter.from}::date::timestamp at time zone ${timeZone})`) : undefined,
    filter.to ? lt(orders.createdAt, sql`((${filter.to}::date + 1)::timestamp at time zone ${timeZone})`) : undefined,
    filter.q ? orderSearchCondition(filter.q) : undefined,
    filter.payment ? paymentCondition(filter.payment) : undefined,
    // Orders supplied from a warehouse: stock held or shipped from it.
    filter.warehouseId
      ? sql`exists (select 1 from stock_reservations sr where sr.order_id = ${orders.id} and sr.warehouse_id = ${filter.warehouseId} and sr.status <> 'released')`
      : undefined,
  );
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(orders).where(where);
  const items = await db
    .select()
    .from(orders)
    .where(where)
    .orderBy(...orderBy[filter.sort])
    .limit(filter.perPage)
    .offset((filter.page - 1) * filter.perPage);
  const lines = await linesOfOrders(
    db,
    items.map((o) => o.id),
  );
  const rows: DeskRow[] = items.map((order) => ({ order, lines: lines.get(order.id) ?? [] }));
  return { rows, total: count!.n };
}

export async function deskRow(db: DbOrTx, number: string): Promise<DeskRow | undefined> {
  const [order] = await db.select().from(orders).where(eq(orders.number, parseOrderNumber(number) ?? number));
  if (!order) return undefined;
  const lines = await linesOfOrders(db, [order.id]);
  return { order, lines: lines.get(order.id) ?? [] };
}

export async function ordersByNumbers(db: DbOrTx, numbers: readonly string[]): Promise<Order[]> {
  if (numbers.length === 0) return [];
  const rows = await db.select().from(orders).where(inArray(orders.number, [...numbers]));
  // In the order the user selected them.
  return numbers.map((n) => rows.find((o) => o.number === n)).filter((o): o is Order => o !== undefined);
}

export interface OrderEvent {
  historyId: number;
  number: string;
  from: OrderStatus | null;
  to: OrderStatus;
  at: Date;
}

/**
 * Status moves (and new orders, whose first history row has no "from") recorded after `since`.
 * Notes share the history table with from = to and are left out: they are not news for the list.
 */
export async function orderEventsSince(db: DbOrTx, since: Date): Promise<OrderEvent[]> {
  const { rows } = await db.execute<{ id: number | string; number: string; from_status: OrderStatus | null; to_status: OrderStatus; created_at: Date | string }>(sql`
    select h.id, o.number, h.from_status, h.to_status, h.created_at
    from order_history h join orders o on o.id = h.order_id
    where h.created_at > ${since.toISOString()}::timestamptz and h.from_status is distinct from h.to_status
    order by h.created_at, h.id
    limit 1000`);
  return rows.map((r) => ({ historyId: Number(r.id), number: r.number, from: r.from_status, to: r.to_status, at: new Date(r.created_at) }));
}

export async function databaseNow(db: DbOrTx): Promise<Date> {
  const { rows } = await db.execute<{ now: Date | string }>(sql`select now() as now`);
  return new Date(rows[0]!.now);
}
