import type { Db } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import { AppError } from '#src/errors.ts';
import { createProduct, ensureCategory, findSellablesBySku, type CreateProductInput } from '#src/modules/catalog/index.ts';
import {
  changeStock,
  defaultWarehouse,
  findWarehouseByCode,
  ledgerReasonFor,
  type StockAdjustmentInput,
} from '#src/modules/inventory/index.ts';
import type { DbOrTx } from '#src/db/client.ts';

async function resolveWarehouse(db: DbOrTx, code: string | undefined) {
  const warehouse = code ? await findWarehouseByCode(db, code) : await defaultWarehouse(db);
  if (!warehouse) {
    throw new AppError(
      'UNKNOWN_WAREHOUSE',
      code ? `Unknown warehouse: ${code}` : 'No active warehouse exists; create one first',
      { warehouse: code },
    );
  }
  return warehouse;
}

/** A product with one SKU, and its opening stock received into a warehouse (a ledger row says so). */
export async function createProductWithStock(db: Db, input: CreateProductInput, actor: string) {
  return withTransaction(db, async (tx) => {
    const categoryId = input.category ? await ensureCategory(tx, input.category) : undefined;
    const [nameTh, nameEn] = splitBilingualName(input.name, input.nameEn);
    const { product, variants } = await createProduct(tx, {
      nameTh,
      nameEn,
      descriptionTh: input.description,
      descriptionEn: input.description,
      categoryId,
      variants: [
        {
          sku: input.sku,
          price: input.price.amount,
          currency: input.price.currency,
          compareAtPrice: input.compareAtPrice?.amount,
          barcode: input.barcode,
        },
      ],
    });
    const variant = variants[0]!;
    if (input.stock) {
      const warehouse = await resolveWarehouse(tx, input.stock.warehouse);
      if (input.stock.onHand > 0) {
        await changeStock(tx, {
          warehouseId: warehouse.id,
          variantId: variant.id,
          onHandDelta: input.stock.onHand,
          reason: 'receive',
          refType: 'product',
          refId: String(product.id),
          actor,
          note: 'opening stock',
        });
      }
    }
    return { product, variant };
  });
}

/** "ไทย / English" in one field gives both names; a single name serves both languages. */
function splitBilingualName(name: string, nameEn: string | undefined): [string, string] {
  if (nameEn) return [name, nameEn];
  const parts = name.split(/\s+\/\s+/);
  return parts.length === 2 ? [parts[0]!, parts[1]!] : [name, name];
}

export async function adjustStock(db: Db, input: StockAdjustmentInput, actor: string) {
  return withTransaction(db, async (tx) => {
    const item = (await findSellablesBySku(tx, [input.sku])).get(input.sku.toLowerCase());
    if (!item) throw new AppError('UNKNOWN_SKU', `Unknown SKU: ${input.sku}`, { skus: [input.sku] });
    const warehouse = await resolveWarehouse(tx, input.warehouse);
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
