import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { lowStockThresholds, products, productVariants } from '../../db/schema/index.ts';
import { availableUnits } from './inventory.repository.ts';

/**
 * Low stock, one rule for the dashboard, the stock pages and the merchant's alert: a SKU on sale (an
 * active variant of an active product) whose threshold is set is low when the units available in
 * active, sellable warehouses (availableUnits) are at or below it. A SKU without a threshold is never
 * low: the merchant chooses what to be warned about (the threshold form says "leave empty for no
 * warning"). The arguments are the SKU's columns in the caller's query.
 */
export function isLowStock(sku: { onSale: SQL; available: SQL; threshold: SQL }): SQL<boolean> {
  return sql<boolean>`(${sku.onSale} and ${sku.threshold} is not null and ${sku.available} <= ${sku.threshold})`;
}

export interface LowStockItem {
  variantId: number;
  sku: string;
  nameTh: string;
  nameEn: string;
  threshold: number;
  available: number;
}

/** Every SKU low on stock, the furthest under its threshold first. */
export async function lowStockItems(db: DbOrTx): Promise<LowStockItem[]> {
  const available = availableUnits();
  const threshold = sql<number>`${lowStockThresholds.threshold}`;
  return db
    .select({ variantId: productVariants.id, sku: productVariants.sku, nameTh: products.nameTh, nameEn: products.nameEn, threshold, available })
    .from(lowStockThresholds)
    .innerJoin(productVariants, eq(productVariants.id, lowStockThresholds.variantId))
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(isLowStock({ onSale: and(eq(productVariants.active, true), eq(products.active, true))!, available, threshold }))
    .orderBy(sql`${available} - ${threshold}`, sql`lower(${productVariants.sku})`);
}
