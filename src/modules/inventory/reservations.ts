// Stock held for orders: reserved when an order is placed or edited, moved when orders merge, released
// when one is cancelled, and consumed (deducted) when it ships, whole or parcel by parcel. Every stock
// change goes through changeStock (changeStocks for a group of orders), so each step has its ledger row.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { stockReservations, type OrderLine } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { insertRows } from '../../db/json-rows.ts';
import { allocate, type Allocation } from './allocation.ts';
import { changeStock, changeStocks, lockAvailableStock } from './inventory.repository.ts';

/** Holds the allocated stock of orders placed together: every stock level's change and ledger rows in one statement, the reservations in one more. */
async function reserveForOrders(
  tx: Tx,
  held: readonly { orderId: number; actor: string; allocations: readonly (Allocation & { orderLineId: number })[] }[],
): Promise<void> {
  const rows = held.flatMap(({ orderId, actor, allocations }) => allocations.map((a) => ({ orderId, actor, ...a })));
  if (rows.length === 0) return;
  await changeStocks(
    tx,
    rows.map((a) => ({
      warehouseId: a.warehouseId,
      variantId: a.variantId,
      reservedDelta: a.qty,
      reason: 'reserve' as const,
      refType: 'order',
      refId: String(a.orderId),
      actor: a.actor,
    })),
  );
  await insertRows(
    tx,
    stockReservations,
    rows.map((a) => ({ orderId: a.orderId, orderLineId: a.orderLineId, warehouseId: a.warehouseId, variantId: a.variantId, qty: a.qty })),
  );
}

async function settleReservations(
  tx: Tx,
  orderId: number,
  outcome: 'released' | 'consumed',
  actor: string,
  note?: string,
): Promise<number> {
  const active = await tx
    .select()
    .from(stockReservations)
    .where(and(eq(stockReservations.orderId, orderId), eq(stockReservations.status, 'active')))
    .orderBy(asc(stockReservations.variantId), asc(stockReservations.warehouseId))
    .for('update');
  for (const r of active) {
    await changeStock(tx, {
      warehouseId: r.warehouseId,
      variantId: r.variantId,
      reservedDelta: -r.qty,
      onHandDelta: outcome === 'consumed' ? -r.qty : 0,
      reason: outcome === 'consumed' ? 'ship' : 'release',
      refType: 'order',
      refId: String(orderId),
      actor,
      note,
    });
  }
  if (active.length > 0) {
    await tx
      .update(stockReservations)
      .set({ status: outcome })
      .where(inArray(stockReservations.id, active.map((r) => r.id)));
  }
  return active.length;
}

/** Gives an order's held stock back (cancel, expiry). Safe to call twice: only active reservations move. */
export function releaseOrderReservations(tx: Tx, orderId: number, actor: string, note?: string) {
  return settleReservations(tx, orderId, 'released', actor, note);
}

/** Turns an order's held stock into a deduction when it ships. */
export function consumeOrderReservations(tx: Tx, orderId: number, actor: string) {
  return settleReservations(tx, orderId, 'consumed', actor);
}

export async function orderReservations(db: DbOrTx, orderId: number) {
  return db.select().from(stockReservations).where(eq(stockReservations.orderId, orderId));
}

/**
 * Reserves stock for every line of an order (its earlier reservations must be released or moved
 * first): the lines' stock rows are locked, the allocation picks the warehouses, and a shortage of any
 * line refuses the whole with INSUFFICIENT_STOCK, naming each SKU with what is available.
 */
export async function reserveOrderLines(tx: Tx, orderId: number, lines: readonly Pick<OrderLine, 'id' | 'variantId' | 'sku' | 'qty'>[], actor: string): Promise<void> {
  await reserveOrdersLines(tx, [{ orderId, lines, actor }]);
}

/**
 * reserveOrderLines for orders placed together: their stock rows locked once, each order allocated in
 * turn from what the ones before it left, and all held in two statements. A shortage in any order
 * refuses them all (its INSUFFICIENT_STOCK names that order's short SKUs).
 */
export async function reserveOrdersLines(
  tx: Tx,
  orders: readonly { orderId: number; lines: readonly Pick<OrderLine, 'id' | 'variantId' | 'sku' | 'qty'>[]; actor: string }[],
): Promise<void> {
  const stock = await lockAvailableStock(tx, [...new Set(orders.flatMap((o) => o.lines.map((l) => l.variantId)))]);
  const held = orders.map(({ orderId, lines, actor }) => {
    const plan = allocate(lines.map((l) => ({ lineKey: l.id, variantId: l.variantId, qty: l.qty })), stock);
    if (!plan.ok) throw insufficientStock(lines, plan.shortages);
    for (const a of plan.allocations) stock.find((s) => s.warehouseId === a.warehouseId && s.variantId === a.variantId)!.available -= a.qty;
    return { orderId, actor, allocations: plan.allocations.map((a) => ({ ...a, orderLineId: a.lineKey })) };
  });
  await reserveForOrders(tx, held);
}

/**
 * Refuses lines that cannot be had, before an order writes anything or locks a stock row, on what the
 * caller read of what is available now (availableUnits, an unlocked read in its own query). It only
 * refuses early (a sold-out product under a burst of buyers costs one read, not a placement rolled
 * back); reserveOrderLines, on locked rows, still decides.
 */
export function refuseShortLines(lines: readonly Pick<OrderLine, 'variantId' | 'sku' | 'qty'>[], available: ReadonlyMap<number, number>): void {
  const needed = new Map<number, number>();
  for (const l of lines) needed.set(l.variantId, (needed.get(l.variantId) ?? 0) + l.qty);
  const shortages = [...needed]
    .map(([variantId, requested]) => ({ variantId, requested, available: Math.max(0, available.get(variantId) ?? 0) }))
    .filter((s) => s.available < s.requested);
  if (shortages.length > 0) throw insufficientStock(lines, shortages);
}

/** INSUFFICIENT_STOCK naming each short SKU with what was asked and what is available. */
function insufficientStock(lines: readonly Pick<OrderLine, 'variantId' | 'sku'>[], short: readonly { variantId: number; requested: number; available: number }[]) {
  const shortages = short.map((s) => ({ sku: lines.find((l) => l.variantId === s.variantId)!.sku, requested: s.requested, available: s.available }));
  return new AppError(
    'INSUFFICIENT_STOCK',
    `Not enough stock: ${shortages.map((s) => `${s.sku} (requested ${s.requested}, available ${s.available})`).join('; ')}`,
    { shortages },
  );
}

/** The stock held for one order line now belongs to another line (of another order): nothing is released and taken again. */
export async function moveLineReservations(tx: Tx, fromLineId: number, to: { orderId: number; orderLineId: number }): Promise<void> {
  await tx
    .update(stockReservations)
    .set({ orderId: to.orderId, orderLineId: to.orderLineId })
    .where(and(eq(stockReservations.orderLineId, fromLineId), eq(stockReservations.status, 'active')));
}

/** Where an order's stock is held: per warehouse, how many of each line (a proposal for splitting it into parcels). */
export async function heldByWarehouse(db: DbOrTx, orderId: number): Promise<{ warehouseId: number; lines: { orderLineId: number; qty: number }[] }[]> {
  const held = await db
    .select()
    .from(stockReservations)
    .where(and(eq(stockReservations.orderId, orderId), eq(stockReservations.status, 'active')))
    .orderBy(asc(stockReservations.warehouseId), asc(stockReservations.orderLineId));
  const byWarehouse = new Map<number, { warehouseId: number; lines: { orderLineId: number; qty: number }[] }>();
  for (const r of held) {
    const parcel = byWarehouse.get(r.warehouseId) ?? { warehouseId: r.warehouseId, lines: [] };
    const line = parcel.lines.find((l) => l.orderLineId === r.orderLineId);
    if (line) line.qty += r.qty;
    else parcel.lines.push({ orderLineId: r.orderLineId, qty: r.qty });
    byWarehouse.set(r.warehouseId, parcel);
  }
  return [...byWarehouse.values()];
}

/** Takes `qty` units of a line out of its held stock as shipped, preferring one warehouse (the parcel's). */
export function consumeLine(tx: Tx, input: { orderId: number; orderLineId: number; qty: number; preferWarehouseId: number | null; actor: string }): Promise<void> {
  return shiftLine(tx, input, 'ship');
}

/**
 * The reverse of shipping: `qty` units of a line that were deducted come back on the shelf, held for the
 * order again (a carrier booking cancelled before the courier took the parcel). Prefers the parcel's warehouse.
 */
export function unconsumeLine(
  tx: Tx,
  input: { orderId: number; orderLineId: number; qty: number; preferWarehouseId: number | null; actor: string; note: string },
): Promise<void> {
  return shiftLine(tx, input, 'return');
}

/** Moves a line's units between held (active) and shipped (consumed), one reservation row at a time, each change in the ledger. */
async function shiftLine(
  tx: Tx,
  input: { orderId: number; orderLineId: number; qty: number; preferWarehouseId: number | null; actor: string; note?: string | undefined },
  reason: 'ship' | 'return',
): Promise<void> {
  const { orderId, orderLineId, qty } = input;
  const [from, to, sign] = reason === 'ship' ? (['active', 'consumed', -1] as const) : (['consumed', 'active', 1] as const);
  const rows = await tx
    .select()
    .from(stockReservations)
    .where(and(eq(stockReservations.orderLineId, orderLineId), eq(stockReservations.orderId, orderId), eq(stockReservations.status, from)))
    .orderBy(asc(stockReservations.variantId), asc(stockReservations.warehouseId))
    .for('update');
  rows.sort((a, b) => Number(b.warehouseId === input.preferWarehouseId) - Number(a.warehouseId === input.preferWarehouseId));
  let left = qty;
  for (const r of rows) {
    if (left === 0) break;
    const take = Math.min(left, r.qty);
    await changeStock(tx, { warehouseId: r.warehouseId, variantId: r.variantId, reservedDelta: sign * take, onHandDelta: sign * take, reason, refType: 'order', refId: String(orderId), actor: input.actor, note: input.note });
    if (take === r.qty) {
      await tx.update(stockReservations).set({ status: to }).where(eq(stockReservations.id, r.id));
    } else {
      await tx.update(stockReservations).set({ qty: r.qty - take }).where(eq(stockReservations.id, r.id));
      await tx.insert(stockReservations).values({ orderId, orderLineId, warehouseId: r.warehouseId, variantId: r.variantId, qty: take, status: to });
    }
    left -= take;
  }
  if (left > 0) throw new AppError('INSUFFICIENT_STOCK', `Line ${orderLineId} has ${qty - left} of ${qty} units ${from === 'active' ? 'held' : 'shipped'}`);
}
