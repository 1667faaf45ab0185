import { randomUUID } from 'node:crypto';
import { withTransaction, type Db } from '#src/db/client.ts';
import { AppError } from '#src/errors.ts';
import { assertStockQty, changeStock, existingWarehouse, lockStockLevels, stockResult, type StockOperationBase, type StockOperationResult } from '#src/modules/inventory/index.ts';

/** Damaged or lost units leave the stock; only what is not reserved for orders can be written off. */
export function writeOffDamage(db: Db, input: StockOperationBase & { qty: number; note: string }): Promise<StockOperationResult> {
  assertStockQty(input.qty);
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
    return stockResult(ref, after);
  });
}
