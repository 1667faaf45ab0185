// Products made and changed in the back office: a product with its first variant and opening stock
// (received into a warehouse with a ledger row), and the rule that a product without options has
// exactly one variant.

import type { Db } from '#src/db/client.ts';
import { withTransaction, type Tx } from '#src/db/client.ts';
import type { Product, ProductVariant } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { categoryByName, insertProduct, insertVariant, updateVariant, variantsOf, type ProductFields, type VariantFields } from '#src/modules/catalog/index.ts';
import { changeStock } from '#src/modules/inventory/index.ts';

export interface NewProductForm {
  product: ProductFields;
  /** A category typed beside the list: found by its Thai name or created, in the same transaction. */
  newCategory?: string | undefined;
  variant: VariantFields;
  openingStock?: { warehouseId: number; qty: number } | undefined;
  /** The shop's currency, for the variant's price. */
  currency: string;
}

/** Creates a product, its first variant and its opening stock in one transaction; `after` runs in it too (the audit row). */
export async function createProductWithVariant(
  db: Db,
  input: NewProductForm,
  actor: string,
  after?: (tx: Tx, created: { product: Product; variant: ProductVariant }) => Promise<void>,
) {
  return withTransaction(db, async (tx) => {
    const categoryId = input.newCategory ? await categoryByName(tx, input.newCategory) : input.product.categoryId;
    const product = await insertProduct(tx, { ...input.product, categoryId });
    const variant = await insertVariant(tx, product.id, input.variant, input.currency);
    if (input.openingStock && input.openingStock.qty > 0) {
      await changeStock(tx, {
        warehouseId: input.openingStock.warehouseId,
        variantId: variant.id,
        onHandDelta: input.openingStock.qty,
        reason: 'receive',
        refType: 'product',
        refId: String(product.id),
        actor,
        note: 'opening stock',
      });
    }
    await after?.(tx, { product, variant });
    return { product, variant };
  });
}

/** A product has one variant without options, or several variants that each have options. */
function checkOptionsRule(variants: { id: number; options: Record<string, string> }[]) {
  if (variants.length > 1 && variants.some((v) => Object.keys(v.options).length === 0)) {
    throw new AppError('VALIDATION_ERROR', 'Every variant of a product with several variants needs option values', { reason: 'optionsNeeded' });
  }
}

export async function addVariant(db: Db, productId: number, fields: VariantFields, currency: string, after?: (tx: Tx, v: ProductVariant) => Promise<void>) {
  return withTransaction(db, async (tx) => {
    const existing = await variantsOf(tx, productId);
    checkOptionsRule([...existing, { id: 0, options: fields.options }]);
    const variant = await insertVariant(tx, productId, fields, currency);
    await after?.(tx, variant);
    return variant;
  });
}

export async function editVariant(db: Db, productId: number, variantId: number, fields: VariantFields, after?: (tx: Tx) => Promise<void>) {
  return withTransaction(db, async (tx) => {
    const existing = await variantsOf(tx, productId);
    if (!existing.some((v) => v.id === variantId)) throw new AppError('NOT_FOUND', 'No such variant');
    checkOptionsRule(existing.map((v) => (v.id === variantId ? { id: v.id, options: fields.options } : v)));
    await updateVariant(tx, variantId, fields);
    await after?.(tx);
  });
}
