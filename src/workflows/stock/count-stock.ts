import { randomUUID } from 'node:crypto';
import { withTransaction, type Db } from '#src/db/client.ts';
import { AppError } from '#src/errors.ts';
import { changeStock, existingWarehouse, lockStockLevels, MAX_STOCK_QTY, stockResult, type StockOperationBase, type StockOperationResult } from '#src/modules/inventory/index.ts';

/**
 * A stock count: on hand becomes what was counted. Refused below what is reserved for orders, since
 * those units are promised; the count is still recorded when nothing changed (who counted, when).
 */
export function countStock(db: Db, input: StockOperationBase & { counted: number; note: string }): Promise<StockOperationResult> {
  if (!Number.isInteger(input.counted) || input.counted < 0 || input.counted > MAX_STOCK_QTY) {
    throw new AppError('VALIDATION_ERROR', `A count is a whole number from 0 to ${MAX_STOCK_QTY}`, { counted: input.counted });
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
    return stockResult(ref, after);
  });
}
