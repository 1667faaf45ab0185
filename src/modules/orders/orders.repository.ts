import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, getTableColumns, ilike, inArray, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import {
  orderHistory,
  orderLines,
  orders,
  type Order,
  type OrderChannel,
  type OrderEvent,
  type OrderHistoryRow,
  type OrderLine,
  type OrderStatus,
  type PaymentMethod,
  type ShippingAddress,
} from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { normalizeThaiPhone } from '../../lib/phone.ts';
import { FIRST_ORDER_NUMBER, orderNumberSql, parseOrderNumber } from './order-number.ts';
import { isMergeable, unpaidStatuses } from './policy.ts';
import { assertTransition } from './transitions.ts';
import { series, takeInSeries } from '../../db/series.ts';
import { insertRows } from '../../db/json-rows.ts';
import { likePattern } from '../../lib/like-pattern.ts';

export interface NewOrder {
  channel: OrderChannel;
  externalId?: string | undefined;
  customerId: number;
  customerName: string;
  customerPhone?: string | undefined;
  paymentMethod: PaymentMethod;
  currency: string;
  shippingFee: number;
  discount: number;
  shippingAddress: ShippingAddress;
  note?: string | undefined;
  lines: { variantId: number; sku: string; name: string; unitPrice: number; qty: number }[];
  /** When it was placed, if not now (a marketplace order's own time). */
  placedAt?: Date | undefined;
  actor: string;
}

export interface InsertedOrder {
  order: Order;
  lines: OrderLine[];
  history: OrderHistoryRow[];
}

/**
 * Inserts the order, its lines and its first history row. Totals are computed here, never trusted from
 * input. The order's number is provisional until `numberOrder` gives it its real one, last.
 */
export async function insertOrder(tx: Tx, input: NewOrder): Promise<InsertedOrder> {
  const [inserted] = await insertOrders(tx, [input]);
  return inserted!;
}

/** insertOrder for orders placed together: one statement per table for all of them, returned in the inputs' order. */
export async function insertOrders(tx: Tx, inputs: readonly NewOrder[]): Promise<InsertedOrder[]> {
  if (inputs.some((i) => i.lines.length === 0)) throw new AppError('EMPTY_ORDER', 'An order needs at least one line');
  // Unique while pending (the number column is unique) and short: the number's trigram index takes
  // every provisional number too, and a UUID is forty trigrams.
  const provisional = inputs.map(() => `~${randomBytes(9).toString('base64url')}`);
  const rows = await insertRows(
    tx,
    orders,
    inputs.map((input, i) => {
      const subtotal = input.lines.reduce((sum, l) => sum + l.unitPrice * l.qty, 0);
      const discount = Math.min(input.discount, subtotal + input.shippingFee);
      return {
        number: provisional[i]!,
        channel: input.channel,
        externalId: input.externalId,
        customerId: input.customerId,
        customerName: input.customerName,
        customerPhone: input.customerPhone,
        paymentMethod: input.paymentMethod,
        currency: input.currency,
        subtotal,
        shippingFee: input.shippingFee,
        discount,
        total: subtotal + input.shippingFee - discount,
        shippingAddress: input.shippingAddress,
        note: input.note,
        ...(input.placedAt ? { createdAt: input.placedAt } : {}),
      };
    }),
  );
  // Matched by their provisional numbers: RETURNING promises no order.
  const byNumber = new Map(rows.map((o) => [o.number, o]));
  const placed = provisional.map((n) => byNumber.get(n)!);
  const lines = await insertRows(
    tx,
    orderLines,
    inputs.flatMap((input, i) => input.lines.map((l) => ({ ...l, orderId: placed[i]!.id, lineTotal: l.unitPrice * l.qty }))),
  );
  const history = await insertRows(
    tx,
    orderHistory,
    inputs.map((input, i) => ({
      orderId: placed[i]!.id,
      fromStatus: null,
      toStatus: placed[i]!.status,
      actor: input.actor,
      event: { kind: 'order.placed' as const, params: { channel: input.channel } },
    })),
  );
  const byOrder = <R extends { orderId: number; id: number }>(list: R[], id: number) => list.filter((r) => r.orderId === id).sort((x, y) => x.id - y.id);
  return placed.map((order) => ({ order, lines: byOrder(lines, order.id), history: byOrder(history, order.id) }));
}

/**
 * Gives an order inserted in this transaction its number: the next of the gap-free counter. Called last,
 * just before the commit, because concurrent placements queue on the counter's row until then; a
 * rollback (stock short) gives the number back.
 */
export async function numberOrder(tx: Tx, order: Order): Promise<Order> {
  const [numbered] = await numberOrders(tx, [order]);
  return numbered!;
}

/** numberOrder for orders placed together: consecutive numbers, in the given order, taken and written in one statement. */
export async function numberOrders(tx: Tx, list: readonly Order[]): Promise<Order[]> {
  const ids = list.map((o) => o.id);
  // The ids as one parameter (a group's fifty would be fifty).
  const idArray = sql`string_to_array(${ids.join(',')}, ',')::int[]`;
  const position = sql`array_position(${idArray}, ${orders.id})`;
  const numbered = await takeInSeries(
    tx,
    series.order,
    FIRST_ORDER_NUMBER,
    async (taken) => {
      const rows = await tx
        .with(taken)
        .update(orders)
        .set({ number: orderNumberSql(sql`${taken.value} + ${position} - 1`) })
        .from(taken)
        .where(sql`${orders.id} = any(${idArray})`)
        .returning(getTableColumns(orders));
      return rows.length > 0 ? rows : undefined;
    },
    list.length,
  );
  const byId = new Map(numbered.map((o) => [o.id, o]));
  return ids.map((id) => byId.get(id)!);
}

export async function findOrderByNumber(db: DbOrTx, number: string): Promise<Order | undefined> {
  const normalized = parseOrderNumber(number) ?? number;
  const [order] = await db.select().from(orders).where(eq(orders.number, normalized));
  return order;
}

export async function findOrderByExternalId(db: DbOrTx, channel: OrderChannel, externalId: string) {
  const [order] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.channel, channel), eq(orders.externalId, externalId)));
  return order;
}

/** Loads and row-locks an order for a change; concurrent changes to the same order take turns. */
export async function lockOrder(tx: Tx, number: string): Promise<Order> {
  const normalized = parseOrderNumber(number) ?? number;
  const [order] = await tx.select().from(orders).where(eq(orders.number, normalized)).for('update');
  if (!order) throw new AppError('ORDER_NOT_FOUND', `Order ${number} does not exist`);
  return order;
}

export async function linesOf(db: DbOrTx, orderId: number): Promise<OrderLine[]> {
  return db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.id));
}

/** When the order last moved to this status (a note, which keeps the status, does not count). */
export async function lastMovedTo(db: DbOrTx, orderId: number, status: OrderStatus): Promise<Date | undefined> {
  const [moved] = await db
    .select({ at: orderHistory.createdAt })
    .from(orderHistory)
    .where(and(eq(orderHistory.orderId, orderId), eq(orderHistory.toStatus, status), sql`${orderHistory.fromStatus} is distinct from ${orderHistory.toStatus}`))
    .orderBy(desc(orderHistory.id))
    .limit(1);
  return moved?.at;
}

export async function historyOf(db: DbOrTx, orderId: number) {
  return db.select().from(orderHistory).where(eq(orderHistory.orderId, orderId)).orderBy(asc(orderHistory.id));
}

/** Moves a locked order to a new status after checking the transition table, and records who did it. */
export async function setOrderStatus(
  tx: Tx,
  order: Order,
  to: OrderStatus,
  actor: string,
  note?: string,
  event?: OrderEvent,
): Promise<Order> {
  assertTransition(order.status, to, order.paymentMethod);
  const [updated] = await tx.update(orders).set({ status: to }).where(eq(orders.id, order.id)).returning();
  await tx.insert(orderHistory).values({ orderId: order.id, fromStatus: order.status, toStatus: to, actor, note, event });
  return updated!;
}

/**
 * The one way back from shipped, outside the transition table (so no button offers it): the carrier
 * cancelled the order's booking before its courier took the parcel, so nothing left; the order is packed
 * again, ready to be booked anew. The caller puts its stock back.
 */
export async function unshipBeforePickup(tx: Tx, order: Order, actor: string, event: OrderEvent): Promise<Order> {
  if (order.status !== 'shipped') return order;
  const [updated] = await tx.update(orders).set({ status: 'packed' }).where(eq(orders.id, order.id)).returning();
  await tx.insert(orderHistory).values({ orderId: order.id, fromStatus: order.status, toStatus: 'packed', actor, event });
  return updated!;
}

export interface OrderPage {
  items: Order[];
  nextCursor: string | undefined;
}

/** Newest first, paginated by a keyset cursor so page 500 costs what page 1 does. */
export async function listOrders(
  db: DbOrTx,
  filter: { status?: OrderStatus | undefined; channel?: OrderChannel | undefined; q?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<OrderPage> {
  const where: (SQL | undefined)[] = [
    filter.status ? eq(orders.status, filter.status) : undefined,
    filter.channel ? eq(orders.channel, filter.channel) : undefined,
  ];
  if (filter.q) where.push(orderSearchCondition(filter.q));
  const cursor = decodeCursor(filter.cursor);
  if (cursor) where.push(sql`(${orders.createdAt}, ${orders.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id})`);
  const rows = await db
    .select()
    .from(orders)
    .where(and(...where))
    .orderBy(sql`${orders.createdAt} desc nulls last`, sql`${orders.id} desc nulls last`)
    .limit(filter.limit + 1);
  const items = rows.slice(0, filter.limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last) : undefined,
  };
}

/** `and o.channel = $n` for raw SQL over the orders row aliased `o`, or nothing when every channel is wanted. */
export function andOrderChannel(channel: OrderChannel | undefined): SQL {
  return channel ? sql`and o.channel = ${channel}` : sql``;
}

/** Statuses as SQL literals for raw queries, e.g. `o.status in (${statusList(paidStatuses)})` (enum values, never input). */
export function statusList(statuses: readonly OrderStatus[]): SQL {
  return sql.raw(statuses.map((s) => `'${s}'`).join(', '));
}

/** An order number, a phone however typed, or part of a name or number: the search of the API and the desk. */
export function orderSearchCondition(q: string): SQL {
  // An order number or a phone number is looked up exactly, on its index (a shop has many orders);
  // anything else is matched inside names and numbers.
  const number = parseOrderNumber(q);
  const phone = normalizeThaiPhone(q);
  if (number || phone) return or(number ? eq(orders.number, number) : undefined, phone ? eq(orders.customerPhone, phone) : undefined)!;
  const like = likePattern(q);
  return or(ilike(orders.customerName, like), ilike(orders.number, like))!;
}

function encodeCursor(o: Order): string {
  return Buffer.from(JSON.stringify([o.createdAt.toISOString(), o.id])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): { createdAt: string; id: number } | undefined {
  if (!cursor) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'string' && !Number.isNaN(Date.parse(createdAt)) && Number.isInteger(id)) {
      return { createdAt, id: id as number };
    }
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_ERROR', 'cursor is not one this API returned');
}

export async function linesOfOrders(db: DbOrTx, orderIds: number[]): Promise<Map<number, OrderLine[]>> {
  const map = new Map<number, OrderLine[]>();
  if (orderIds.length === 0) return map;
  const rows = await db.select().from(orderLines).where(inArray(orderLines.orderId, orderIds)).orderBy(asc(orderLines.id));
  for (const r of rows) map.set(r.orderId, [...(map.get(r.orderId) ?? []), r]);
  return map;
}

/** Orders by id or by number, for matching a file's rows (missing ones are left out). */
export async function ordersByIds(db: DbOrTx, ids: readonly number[]): Promise<Order[]> {
  return inChunks([...new Set(ids)], (chunk) => db.select().from(orders).where(inArray(orders.id, chunk)));
}

export async function ordersByNumbers(db: DbOrTx, numbers: readonly string[]): Promise<Order[]> {
  return inChunks([...new Set(numbers)], (chunk) => db.select().from(orders).where(inArray(orders.number, chunk)));
}

/** The orders of a marketplace with these external ids, by external id. */
export async function ordersByExternalIds(db: DbOrTx, channel: OrderChannel, externalIds: readonly string[]): Promise<Order[]> {
  return inChunks([...new Set(externalIds)], (chunk) => db.select().from(orders).where(and(eq(orders.channel, channel), inArray(orders.externalId, chunk))));
}

async function inChunks<T, R>(list: T[], query: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < list.length; i += 500) out.push(...(await query(list.slice(i, i + 500))));
  return out;
}

export async function findOrderById(db: DbOrTx, id: number) {
  const [order] = await db.select().from(orders).where(eq(orders.id, id));
  return order;
}

/** A customer's orders, newest first, optionally only in some statuses. */
export async function ordersOfCustomer(
  db: DbOrTx,
  customerId: number,
  opts: { statuses?: readonly OrderStatus[]; limit?: number } = {},
): Promise<Order[]> {
  return db
    .select()
    .from(orders)
    .where(and(eq(orders.customerId, customerId), opts.statuses ? inArray(orders.status, [...opts.statuses]) : undefined))
    .orderBy(sql`${orders.createdAt} desc nulls last`, sql`${orders.id} desc nulls last`)
    .limit(opts.limit ?? 10);
}

/** A duplicate customer's orders now belong to the kept record (a merge of customers); returns how many moved. */
export async function moveOrdersToCustomer(tx: Tx, fromId: number, toId: number): Promise<number> {
  const rows = await tx.update(orders).set({ customerId: toId }).where(eq(orders.customerId, fromId)).returning({ id: orders.id });
  return rows.length;
}

/** Loads and row-locks an order by its id. */
export async function lockOrderById(tx: Tx, id: number): Promise<Order> {
  const [order] = await tx.select().from(orders).where(eq(orders.id, id)).for('update');
  if (!order) throw new AppError('ORDER_NOT_FOUND', `Order ${id} does not exist`);
  return order;
}

/**
 * Unpaid orders that are not cash on delivery (those are paid at the door), placed before
 * `placedBefore` and, when given, after `placedAfter`: what the unpaid-order jobs remind and expire.
 */
export async function unpaidOrderNumbers(db: DbOrTx, window: { placedBefore: Date; placedAfter?: Date | undefined }, limit = 500): Promise<string[]> {
  const rows = await db
    .select({ number: orders.number })
    .from(orders)
    .where(
      and(
        inArray(orders.status, [...unpaidStatuses]),
        ne(orders.paymentMethod, 'cod'),
        lte(orders.createdAt, window.placedBefore),
        window.placedAfter ? sql`${orders.createdAt} > ${window.placedAfter}` : undefined,
      ),
    )
    .limit(limit);
  return rows.map((r) => r.number);
}

/** The customer's other unpaid orders, newest first: what an order may be merged with. */
export async function mergeCandidates(db: DbOrTx, order: Order, limit = 20): Promise<Order[]> {
  if (!isMergeable(order)) return [];
  return db
    .select()
    .from(orders)
    .where(and(eq(orders.customerId, order.customerId), inArray(orders.status, [...unpaidStatuses]), ne(orders.id, order.id)))
    .orderBy(desc(orders.createdAt))
    .limit(limit);
}

/**
 * A note in the order's history without a move: from and to are both the current status, so the
 * API and the timeline show the note in its place among the moves.
 */
export async function appendOrderNote(tx: Tx, order: Order, actor: string, entry: string | { event: OrderEvent; note?: string | undefined }): Promise<void> {
  // A string is what a person typed; what the system records is an event, shown in each reader's language.
  const { event, note } = typeof entry === 'string' ? { event: undefined, note: entry } : entry;
  await tx.insert(orderHistory).values({ orderId: order.id, fromStatus: order.status, toStatus: order.status, actor, note, event });
}
