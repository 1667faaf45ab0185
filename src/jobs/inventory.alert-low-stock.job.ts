import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { lowStockAlerts, lowStockThresholds, productVariants, products, stockLevels, warehouses } from '../db/schema/index.ts';
import { notifyMerchant } from '../modules/notify/index.ts';

/**
 * Tells the merchant when a SKU falls below its low-stock threshold, once per crossing: an alert stays
 * open until the SKU is back above it, and only a new crossing alerts again.
 */
export async function alertLowStock(db: Db, config: Config, now: Date): Promise<string[]> {
  return withTransaction(db, async (tx) => {
    // One run at a time across workers, so a crossing cannot be announced twice.
    await tx.execute(sql`select pg_advisory_xact_lock(7146001)`);
    const levels = await tx
      .select({
        variantId: lowStockThresholds.variantId,
        threshold: lowStockThresholds.threshold,
        sku: productVariants.sku,
        nameTh: products.nameTh,
        nameEn: products.nameEn,
        available: sql<number>`coalesce(sum(${stockLevels.onHand} - ${stockLevels.reserved}) filter (where ${warehouses.active}), 0)::int`,
      })
      .from(lowStockThresholds)
      .innerJoin(productVariants, eq(productVariants.id, lowStockThresholds.variantId))
      .innerJoin(products, eq(products.id, productVariants.productId))
      .leftJoin(stockLevels, eq(stockLevels.variantId, lowStockThresholds.variantId))
      .leftJoin(warehouses, eq(warehouses.id, stockLevels.warehouseId))
      .where(and(eq(products.active, true), eq(productVariants.active, true)))
      .groupBy(lowStockThresholds.variantId, lowStockThresholds.threshold, productVariants.sku, products.nameTh, products.nameEn);
    const open = new Set(
      (await tx.select({ variantId: lowStockAlerts.variantId }).from(lowStockAlerts).where(isNull(lowStockAlerts.clearedAt))).map((r) => r.variantId),
    );
    const low = levels.filter((l) => l.available < l.threshold);
    const recovered = levels.filter((l) => l.available >= l.threshold && open.has(l.variantId)).map((l) => l.variantId);
    if (recovered.length) {
      await tx.update(lowStockAlerts).set({ clearedAt: now }).where(and(inArray(lowStockAlerts.variantId, recovered), isNull(lowStockAlerts.clearedAt)));
    }
    const fresh = low.filter((l) => !open.has(l.variantId));
    if (fresh.length === 0) return [];
    const inserted = await tx.insert(lowStockAlerts).values(fresh.map((l) => ({ variantId: l.variantId, raisedAt: now }))).returning({ id: lowStockAlerts.id });
    await notifyMerchant(
      tx,
      config,
      {
        kind: 'merchant.low_stock',
        items: fresh.map((l) => ({
          sku: l.sku,
          name: config.shop.locale === 'th' ? l.nameTh : l.nameEn,
          available: l.available,
          threshold: l.threshold,
        })),
      },
      `low-stock:${inserted.map((r) => r.id).join(',')}`,
    );
    return fresh.map((l) => l.sku);
  });
}
