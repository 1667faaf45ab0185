import { and, eq, gte, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { lowStockAlerts, lowStockThresholds, orders, payments, productVariants, products, stockLevels, warehouses, type OrderStatus } from '../db/schema/index.ts';
import { formatMoney } from '../lib/money.ts';
import { localDate, localHour, startOfLocalDay } from '../lib/shop-time.ts';
import { cancelledStatus, waitingFor, waitingStatuses } from '../modules/orders/index.ts';
import { paymentReceived } from '../modules/payments/index.ts';
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

/** The day's figures to the merchant at the set hour, once a day. */
export async function sendDailySummary(db: Db, config: Config, now: Date): Promise<boolean> {
  const tz = config.shop.timeZone;
  if (localHour(now, tz) < config.jobs.dailySummaryHour) return false;
  const dayStart = startOfLocalDay(now, tz);
  const [today] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(orders)
    .where(and(gte(orders.createdAt, dayStart), ne(orders.status, cancelledStatus)));
  const [revenue] = await db
    .select({ sum: sql<number>`coalesce(sum(${payments.amount}), 0)::bigint` })
    .from(payments)
    .where(and(eq(payments.status, paymentReceived), gte(payments.confirmedAt, dayStart)));
  const counts = await db
    .select({ status: orders.status, n: sql<number>`count(*)::int` })
    .from(orders)
    .where(inArray(orders.status, [...waitingStatuses]))
    .groupBy(orders.status);
  const count = (s: OrderStatus) => counts.find((c) => c.status === s)?.n ?? 0;
  const date = localDate(now, tz);
  let queued = false;
  await withTransaction(db, async (tx) => {
    await notifyMerchant(
      tx,
      config,
      {
        kind: 'merchant.daily_summary',
        date,
        orders: today!.n,
        revenue: formatMoney(Number(revenue!.sum), config.shop.currency, config.shop.locale),
        toReview: count(waitingFor.review),
        toConfirm: count(waitingFor.confirm),
        toPack: count(waitingFor.pack),
        toShip: count(waitingFor.ship),
      },
      `daily-summary:${date}`,
    );
    queued = true;
  });
  return queued;
}
