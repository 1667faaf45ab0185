import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import { AppError } from '#src/errors.ts';
import { checkOptionsRule, updateVariant, variantsOf, type VariantFields } from '#src/modules/catalog/index.ts';

/** Changes a variant of a product, keeping the options rule; `after` runs in its transaction (the audit row). */
export async function editVariant(db: Db, productId: number, variantId: number, fields: VariantFields, after?: (tx: Tx) => Promise<void>) {
  return withTransaction(db, async (tx) => {
    const existing = await variantsOf(tx, productId);
    if (!existing.some((v) => v.id === variantId)) throw new AppError('NOT_FOUND', 'No such variant');
    checkOptionsRule(existing.map((v) => (v.id === variantId ? { id: v.id, options: fields.options } : v)));
    await updateVariant(tx, variantId, fields);
    await after?.(tx);
  });
}
