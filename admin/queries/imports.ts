import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { productVariants, products } from '#src/db/schema/index.ts';

/** Our SKUs with their product names, for the SKU matching field (a scanner types the SKU and Enter). */
export async function skuChoices(db: DbOrTx, limit = 3000) {
  return db
    .select({ sku: productVariants.sku, nameTh: products.nameTh, nameEn: products.nameEn })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .orderBy(asc(productVariants.sku))
    .limit(limit);
}
