import { withTransaction, type Db } from '#src/db/client.ts';
import { existingWarehouse, setStockBin } from '#src/modules/inventory/index.ts';

/** Sets (or clears) the bin of a SKU in a warehouse. */
export function assignBin(db: Db, input: { variantId: number; warehouseId: number; bin: string | null }): Promise<void> {
  return withTransaction(db, async (tx) => {
    await existingWarehouse(tx, input.warehouseId);
    await setStockBin(tx, input.variantId, input.warehouseId, input.bin);
  });
}
