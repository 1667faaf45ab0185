/**
 * Warehouse work on stock: receive, count, write off damage, transfer. Each is one transaction that
 * locks the stock rows it reads, checks first (nothing is written when a check fails), then changes
 * them through changeStock, so every change has its ledger row with who and why. The CHECK
 * constraints on stock_levels stay the last line of defence.
 */
import { randomUUID } from 'node:crypto';
import { withTransaction, type Db } from '#src/db/client.ts';
import { AppError } from '#src/errors.ts';
import { changeStock, findWarehouse, lockStockLevels, setStockBin } from '#src/modules/inventory/index.ts';

export interface StockOperationResult {
  /** The ledger row of the change (for a transfer, the one at the destination). */
  ledgerRef: { refType: string; refId: string };
  onHand: number;
  reserved: number;
  available: number;
}

interface Base {
  variantId: number;
  warehouseId: number;
  actor: string;
  note?: string | undefined;
}

const MAX_QTY = 1_000_000;

function positive(qty: number): void {
  if (!Number.isInteger(qty) || qty <= 0 || qty > MAX_QTY) throw new AppError('VALIDATION_ERROR', `Quantity must be a whole number from 1 to ${MAX_QTY}`, { qty });
}

async function existingWarehouse(db: Parameters<typeof findWarehouse>[0], id: number) {
  const warehouse = await findWarehouse(db, id);
  if (!warehouse) throw new AppError('UNKNOWN_WAREHOUSE', `Unknown warehouse: ${id}`, { warehouseId: id });
  return warehouse;
}

const result = (ref: { refType: string; refId: string }, after: { onHand: number; reserved: number }): StockOperationResult => ({
  ledgerRef: ref,
  onHand: after.onHand,
  reserved: after.reserved,
  available: after.onHand - after.reserved,
});

/** Goods arrived: on hand goes up by qty. */
export function receiveStock(db: Db, input: Base & { qty: number }): Promise<StockOperationResult> {
  positive(input.qty);
  return withTransaction(db, async (tx) => {
    await existingWarehouse(tx, input.warehouseId);
    await lockStockLevels(tx, input.variantId, [input.warehouseId]);
    const ref = { refType: 'receipt', refId: randomUUID() };
    const after = await changeStock(tx, { ...input, onHandDelta: input.qty, reason: 'receive', ...ref });
    return result(ref, after);
  });
}

/**
 * A stock count: on hand becomes what was counted. Refused below what is reserved for orders, since
 * those units are promised; the count is still recorded when nothing changed (who counted, when).
 */
export function countStock(db: Db, input: Base & { counted: number; note: string }): Promise<StockOperationResult> {
  if (!Number.isInteger(input.counted) || input.counted < 0 || input.counted > MAX_QTY) {
    throw new AppError('VALIDATION_ERROR', `A count is a whole number from 0 to ${MAX_QTY}`, { counted: input.counted });
  }
  return withTransaction(db, async (tx) => {
    await existingWarehouse(tx, input.warehouseId);
    const level = (await lockStockLevels(tx, input.variantId, [input.warehouseId])).get(input.warehouseId)!;
    if (input.counted < level.reserved) {
      throw new AppError('COUNT_BELOW_RESERVED', `Counted ${input.counted} but ${level.reserved} are reserved for orders`, {
        counted: input.counted,
        reserved: level.reserved,
        onHand: level.onHand,
      });
    }
    const ref = { refType: 'count', refId: randomUUID() };
    const after = await changeStock(tx, { ...input, onHandDelta: input.counted - level.onHand, reason: 'count', ...ref });
    return result(ref, after);
  });
}

/** Damaged or lost units leave the stock; only what is not reserved for orders can be written off. */
export function writeOffDamage(db: Db, input: Base & { qty: number; note: string }): Promise<StockOperationResult> {
  positive(input.qty);
  return withTransaction(db, async (tx) => {
    await existingWarehouse(tx, input.warehouseId);
    const level = (await lockStockLevels(tx, input.variantId, [input.warehouseId])).get(input.warehouseId)!;
    const available = level.onHand - level.reserved;
    if (input.qty > available) {
      throw new AppError('INSUFFICIENT_STOCK', `Cannot write off ${input.qty}: only ${available} available`, {
        requested: input.qty,
        available,
        onHand: level.onHand,
        reserved: level.reserved,
      });
    }
    const ref = { refType: 'damage', refId: randomUUID() };
    const after = await changeStock(tx, { ...input, onHandDelta: -input.qty, reason: 'damage', ...ref });
    return result(ref, after);
  });
}

/** Moves units between two warehouses: a transfer_out and a transfer_in ledger row sharing one ref. */
export function transferStock(
  db: Db,
  input: { variantId: number; fromWarehouseId: number; toWarehouseId: number; qty: number; actor: string; note?: string | undefined },
): Promise<StockOperationResult & { source: { onHand: number; reserved: number; available: number } }> {
  positive(input.qty);
  if (input.fromWarehouseId === input.toWarehouseId) {
    throw new AppError('TRANSFER_INVALID', 'A transfer needs two different warehouses', { warehouseId: input.fromWarehouseId });
  }
  return withTransaction(db, async (tx) => {
    await existingWarehouse(tx, input.fromWarehouseId);
    await existingWarehouse(tx, input.toWarehouseId);
    const levels = await lockStockLevels(tx, input.variantId, [input.fromWarehouseId, input.toWarehouseId]);
    const source = levels.get(input.fromWarehouseId)!;
    const available = source.onHand - source.reserved;
    if (input.qty > available) {
      throw new AppError('INSUFFICIENT_STOCK', `Cannot transfer ${input.qty}: only ${available} available at the source`, {
        requested: input.qty,
        available,
        onHand: source.onHand,
        reserved: source.reserved,
      });
    }
    const ref = { refType: 'transfer', refId: randomUUID() };
    const common = { variantId: input.variantId, actor: input.actor, note: input.note, ...ref };
    const out = await changeStock(tx, { ...common, warehouseId: input.fromWarehouseId, onHandDelta: -input.qty, reason: 'transfer_out' });
    const into = await changeStock(tx, { ...common, warehouseId: input.toWarehouseId, onHandDelta: input.qty, reason: 'transfer_in' });
    return { ...result(ref, into), source: { onHand: out.onHand, reserved: out.reserved, available: out.onHand - out.reserved } };
  });
}

/** Sets (or clears) the bin of a SKU in a warehouse. */
export function assignBin(db: Db, input: { variantId: number; warehouseId: number; bin: string | null }): Promise<void> {
  return withTransaction(db, async (tx) => {
    await existingWarehouse(tx, input.warehouseId);
    await setStockBin(tx, input.variantId, input.warehouseId, input.bin);
  });
}
