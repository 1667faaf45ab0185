// A new product with its first variant and its opening stock (received into a warehouse with a ledger
// row), from the back office's form or from the API.

import type { Db } from '#src/db/client.ts';
import { withTransaction, type Tx } from '#src/db/client.ts';
import type { Product, ProductVariant } from '#src/db/schema/index.ts';
import { categoryByName, createProduct, ensureCategory, insertProduct, insertVariant, type CreateProductInput, type ProductFields, type VariantFields } from '#src/modules/catalog/index.ts';
import { changeStock, warehouseByCodeOrDefault } from '#src/modules/inventory/index.ts';

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
      const warehouse = await warehouseByCodeOrDefault(tx, input.stock.warehouse);
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
