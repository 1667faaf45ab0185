import { randomUUID } from 'node:crypto';
import { withTransaction, type Db } from '#src/db/client.ts';
import { AppError } from '#src/errors.ts';
import { assertStockQty, changeStock, existingWarehouse, lockStockLevels, stockResult, type StockOperationResult } from '#src/modules/inventory/index.ts';

/** Moves units between two warehouses: a transfer_out and a transfer_in ledger row sharing one ref. */
export function transferStock(
  db: Db,
  input: { variantId: number; fromWarehouseId: number; toWarehouseId: number; qty: number; actor: string; note?: string | undefined },
): Promise<StockOperationResult & { source: { onHand: number; reserved: number; available: number } }> {
  assertStockQty(input.qty);
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
    return { ...stockResult(ref, into), source: { onHand: out.onHand, reserved: out.reserved, available: out.onHand - out.reserved } };
  });
}
