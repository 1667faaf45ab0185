import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { ProductVariant } from '#src/db/schema/index.ts';
import { checkOptionsRule, insertVariant, variantsOf, type VariantFields } from '#src/modules/catalog/index.ts';

/** Another variant of a product (a size, a colour); `after` runs in its transaction (the audit row). */
export async function addVariant(db: Db, productId: number, fields: VariantFields, currency: string, after?: (tx: Tx, v: ProductVariant) => Promise<void>) {
  return withTransaction(db, async (tx) => {
    const existing = await variantsOf(tx, productId);
    checkOptionsRule([...existing, { id: 0, options: fields.options }]);
    const variant = await insertVariant(tx, productId, fields, currency);
    await after?.(tx, variant);
    return variant;
  });
}

