import { and, inArray, isNull, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { lowStockAlerts } from '../db/schema/index.ts';
import { lowStockItems } from '../modules/inventory/index.ts';
import { notifyMerchant } from '../modules/notify/index.ts';

/**
 * Tells the merchant when a SKU becomes low on stock (lowStockItems: the rule the back office shows),
 * once per crossing: an alert stays open until the SKU is back above its threshold, and only a new
 * crossing alerts again.
 */
export async function alertLowStock(db: Db, config: Config, now: Date): Promise<string[]> {
  return withTransaction(db, async (tx) => {
    // One run at a time across workers, so a crossing cannot be announced twice.
    await tx.execute(sql`select pg_advisory_xact_lock(7146001)`);
    const low = await lowStockItems(tx);
    const open = new Set(
      (await tx.select({ variantId: lowStockAlerts.variantId }).from(lowStockAlerts).where(isNull(lowStockAlerts.clearedAt))).map((r) => r.variantId),
    );
    // Back above its threshold (or no longer watched, or no longer sold): the next crossing alerts again.
    const lowIds = new Set(low.map((l) => l.variantId));
    const recovered = [...open].filter((variantId) => !lowIds.has(variantId));
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
