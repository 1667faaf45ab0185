import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { customers, orders, returnLines, returnRequests, returnStatus, warehouses, type OrderChannel, type ReturnStatus } from '#src/db/schema/index.ts';
import { findOrderById, historyOf, linesOf } from '#src/modules/orders/index.ts';
import { findReturn, returnLinesOf, returnedValue } from '#src/modules/returns/index.ts';
import { refundableAmount, refundsOfReturn } from '#src/modules/payments/index.ts';

export interface ReturnListRow {
  id: number;
  status: ReturnStatus;
  reason: string;
  createdAt: Date;
  orderNumber: string;
  orderChannel: OrderChannel;
  customerName: string;
  units: number;
}

export interface ReturnFilter {
  status?: ReturnStatus | undefined;
  /** The channel of the returned order. */
  channel?: OrderChannel | undefined;
  page: number;
  perPage: number;
}

/** The returns desk: newest first, optionally one status and one channel, with how many there are in each status (of that channel). */
export async function listReturns(db: DbOrTx, filter: ReturnFilter) {
  const byChannel = filter.channel ? eq(orders.channel, filter.channel) : undefined;
  const where = and(filter.status ? eq(returnRequests.status, filter.status) : undefined, byChannel);
  const rows = await db
    .select({
      id: returnRequests.id,
      status: returnRequests.status,
      reason: returnRequests.reason,
      createdAt: returnRequests.createdAt,
      orderNumber: orders.number,
      orderChannel: orders.channel,
      customerName: orders.customerName,
      units: sql<number>`(select coalesce(sum(${returnLines.qty}), 0)::int from ${returnLines} where ${returnLines.returnId} = ${returnRequests.id})`,
    })
    .from(returnRequests)
    .innerJoin(orders, eq(orders.id, returnRequests.orderId))
    .where(where)
    .orderBy(desc(returnRequests.createdAt), desc(returnRequests.id))
    .limit(filter.perPage)
    .offset((filter.page - 1) * filter.perPage);
  const counted = await db
    .select({ status: returnRequests.status, n: sql<number>`count(*)::int` })
    .from(returnRequests)
    .innerJoin(orders, eq(orders.id, returnRequests.orderId))
    .where(byChannel)
    .groupBy(returnRequests.status);
  const counts = Object.fromEntries(returnStatus.enumValues.map((s) => [s, 0])) as Record<ReturnStatus, number>;
  for (const c of counted) counts[c.status] = Number(c.n);
  const total = filter.status ? counts[filter.status] : Object.values(counts).reduce((a, b) => a + b, 0);
  return { rows: rows.map((r) => ({ ...r, units: Number(r.units) })) as ReturnListRow[], counts, total };
}

/** Everything the return page shows: the request, its order and customer, lines with values, money, and the order's timeline. */
export async function returnPage(db: DbOrTx, id: number) {
  const ret = await findReturn(db, id);
  if (!ret) return undefined;
  const order = (await findOrderById(db, ret.orderId))!;
  const [customer] = await db.select().from(customers).where(eq(customers.id, ret.customerId));
  const rLines = await returnLinesOf(db, ret.id);
  const oLines = new Map((await linesOf(db, order.id)).map((l) => [l.id, l]));
  const whIds = rLines.flatMap((l) => (l.warehouseId ? [l.warehouseId] : []));
  const whNames = new Map(
    whIds.length ? (await db.select().from(warehouses).where(inArray(warehouses.id, whIds))).map((w) => [w.id, w.code]) : [],
  );
  const lines = rLines.map((l) => {
    const line = oLines.get(l.orderLineId)!;
    return {
      id: l.id,
      sku: line.sku,
      name: line.name,
      qty: l.qty,
      ordered: line.qty,
      value: returnedValue([{ qty: l.qty, line }]),
      condition: l.condition,
      warehouse: l.warehouseId ? whNames.get(l.warehouseId) : undefined,
    };
  });
  const exchange = ret.exchangeOrderId ? await findOrderById(db, ret.exchangeOrderId) : undefined;
  return {
    ret,
    order,
    customer,
    lines,
    value: lines.reduce((n, l) => n + l.value, 0),
    refundable: await refundableAmount(db, order.id),
    refunds: await refundsOfReturn(db, ret.id),
    exchange,
    history: await historyOf(db, order.id),
  };
}

export async function warehouseChoices(db: DbOrTx) {
  return db.select().from(warehouses).where(eq(warehouses.active, true)).orderBy(desc(warehouses.sellable), desc(warehouses.priority), asc(warehouses.id));
}
