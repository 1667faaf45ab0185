import type { Db } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import { AppError } from '#src/errors.ts';
import { findSellablesBySku } from '#src/modules/catalog/index.ts';
import { changeStock, ledgerReasonFor, warehouseByCodeOrDefault, type StockAdjustmentInput } from '#src/modules/inventory/index.ts';

/** A change of stock sent through the API (received, counted, damaged ...), by SKU and warehouse code. */
export async function adjustStock(db: Db, input: StockAdjustmentInput, actor: string) {
  return withTransaction(db, async (tx) => {
    const item = (await findSellablesBySku(tx, [input.sku])).get(input.sku.toLowerCase());
    if (!item) throw new AppError('UNKNOWN_SKU', `Unknown SKU: ${input.sku}`, { skus: [input.sku] });
    const warehouse = await warehouseByCodeOrDefault(tx, input.warehouse);
    const { reason, note } = ledgerReasonFor(input);
    try {
      const after = await changeStock(tx, {
        warehouseId: warehouse.id,
        variantId: item.variantId,
        onHandDelta: input.delta,
        reason,
        refType: 'adjustment',
        actor,
        note,
      });
      return { sku: item.sku, warehouse: warehouse.code, ...after, available: after.onHand - after.reserved };
    } catch (err) {
      if (err instanceof AppError && err.code === 'INSUFFICIENT_STOCK') {
        const d = err.details as { onHand: number; reserved: number };
        throw new AppError(
          'NEGATIVE_STOCK',
          `Cannot remove ${-input.delta} of ${item.sku} from ${warehouse.code}: ${d.onHand} on hand, ${d.reserved} reserved for orders`,
          d,
        );
      }
      throw err;
    }
  });
}
