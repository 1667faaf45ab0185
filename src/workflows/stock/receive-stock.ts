import { randomUUID } from 'node:crypto';
import { withTransaction, type Db } from '#src/db/client.ts';
import { assertStockQty, changeStock, existingWarehouse, lockStockLevels, stockResult, type StockOperationBase, type StockOperationResult } from '#src/modules/inventory/index.ts';

/** Goods arrived: on hand goes up by qty. */
export function receiveStock(db: Db, input: StockOperationBase & { qty: number }): Promise<StockOperationResult> {
  assertStockQty(input.qty);
  return withTransaction(db, async (tx) => {
    await existingWarehouse(tx, input.warehouseId);
    await lockStockLevels(tx, input.variantId, [input.warehouseId]);
    const ref = { refType: 'receipt', refId: randomUUID() };
    const after = await changeStock(tx, { ...input, onHandDelta: input.qty, reason: 'receive', ...ref });
    return stockResult(ref, after);
  });
}
