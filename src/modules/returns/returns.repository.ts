import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { returnLines, returnRequests, type ReturnLine, type ReturnRequest, type ReturnStatus } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { canMoveReturn, formatReturnNumber, openReturnStatuses } from './rules.ts';
import { nextInSeries, series } from '../../db/series.ts';

export interface NewReturn {
  orderId: number;
  customerId: number;
  reason: string;
  photos: string[];
  lines: { orderLineId: number; qty: number }[];
}

export async function insertReturn(tx: Tx, input: NewReturn): Promise<{ request: ReturnRequest; lines: ReturnLine[] }> {
  if (input.lines.length === 0) throw new AppError('RETURN_INVALID', 'A return needs at least one item');
  // R-<id>: the id is the next of a gap-free series, so the numbers staff and customers read have no holes.
  const id = await nextInSeries(tx, series.return);
  const [request] = await tx
    .insert(returnRequests)
    .values({ id, orderId: input.orderId, customerId: input.customerId, reason: input.reason, photos: input.photos })
    .returning();
  const lines = await tx
    .insert(returnLines)
    .values(input.lines.map((l) => ({ returnId: request!.id, orderLineId: l.orderLineId, qty: l.qty })))
    .returning();
  return { request: request!, lines };
}

export async function findReturn(db: DbOrTx, id: number): Promise<ReturnRequest | undefined> {
  const [row] = await db.select().from(returnRequests).where(eq(returnRequests.id, id));
  return row;
}

/** Loads and row-locks a return for a change: two clicks on "receive" take turns, and the second sees the first. */
export async function lockReturn(tx: Tx, id: number): Promise<ReturnRequest> {
  const [row] = await tx.select().from(returnRequests).where(eq(returnRequests.id, id)).for('update');
  if (!row) throw new AppError('RETURN_NOT_FOUND', `Return R-${id} does not exist`);
  return row;
}

export async function returnLinesOf(db: DbOrTx, returnId: number): Promise<ReturnLine[]> {
  return db.select().from(returnLines).where(eq(returnLines.returnId, returnId)).orderBy(asc(returnLines.id));
}

/** The return still being handled for an order, if any. */
export async function openReturnOf(db: DbOrTx, orderId: number): Promise<ReturnRequest | undefined> {
  const [row] = await db
    .select()
    .from(returnRequests)
    .where(and(eq(returnRequests.orderId, orderId), inArray(returnRequests.status, [...openReturnStatuses])))
    .orderBy(desc(returnRequests.id))
    .limit(1);
  return row;
}

/** Units of each order line already asked back in returns that were not refused. */
export async function returnedQtyByLine(db: DbOrTx, orderId: number): Promise<Map<number, number>> {
  const rows = await db
    .select({ orderLineId: returnLines.orderLineId, qty: sql<number>`sum(${returnLines.qty})::int` })
    .from(returnLines)
    .innerJoin(returnRequests, eq(returnRequests.id, returnLines.returnId))
    .where(and(eq(returnRequests.orderId, orderId), ne(returnRequests.status, 'rejected')))
    .groupBy(returnLines.orderLineId);
  return new Map(rows.map((r) => [r.orderLineId, Number(r.qty)]));
}

/** Moves a locked return on; the caller checked that the move is allowed. */
export async function updateReturn(
  tx: Tx,
  id: number,
  set: Partial<Pick<ReturnRequest, 'status' | 'decisionNote' | 'decidedBy' | 'decidedAt' | 'receivedAt' | 'exchangeOrderId'>>,
): Promise<ReturnRequest> {
  const [row] = await tx.update(returnRequests).set(set).where(eq(returnRequests.id, id)).returning();
  return row!;
}

export async function recordLineReceipt(tx: Tx, lineId: number, receipt: { condition: 'sellable' | 'damaged'; warehouseId: number }) {
  await tx.update(returnLines).set(receipt).where(eq(returnLines.id, lineId));
}

/** A duplicate customer's return requests now belong to the kept record (a merge of customers); returns how many moved. */
export async function moveReturnsToCustomer(tx: Tx, fromId: number, toId: number): Promise<number> {
  const rows = await tx.update(returnRequests).set({ customerId: toId }).where(eq(returnRequests.customerId, fromId)).returning({ id: returnRequests.id });
  return rows.length;
}

/** Locks a return for a move, refusing (RETURN_STATE) one its status does not allow. */
export async function lockReturnForMove(tx: Tx, id: number, to: ReturnStatus): Promise<ReturnRequest> {
  const ret = await lockReturn(tx, id);
  if (!canMoveReturn(ret.status, to)) {
    throw new AppError('RETURN_STATE', `Return ${formatReturnNumber(id)} is ${ret.status} and cannot become ${to}`, { from: ret.status, to });
  }
  return ret;
}
