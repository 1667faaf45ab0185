import { and, eq, gte, inArray, ne, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { customerIdentities, customers, orderLines, orders, productVariants, products, reorderReminders } from '../db/schema/index.ts';
import { isQuietHour } from '../lib/shop-time.ts';
import { variantName } from '../modules/catalog/index.ts';
import { tellCustomer } from '../modules/notify/index.ts';
import { cancelledStatus } from '../modules/orders/index.ts';
import { chatTargetFor, isReminderDue, predictRunOut, reminderDueAt, type RunOutPrediction } from '../modules/customers/index.ts';

const WEEK = 7 * 86_400_000;

export interface UpcomingReminder {
  customerId: number;
  variantId: number;
  sku: string;
  name: string;
  names: { th: string; en: string };
  qty: number;
  prediction: RunOutPrediction;
  dueAt: Date;
}

/** Every product each customer (or one customer) buys again, with when they will run out. */
export async function upcomingReminders(db: DbOrTx, config: Config, now: Date, customerId?: number): Promise<UpcomingReminder[]> {
  const rows = await db
    .select({
      customerId: orders.customerId,
      orderId: orders.id,
      at: orders.createdAt,
      variantId: orderLines.variantId,
      qty: orderLines.qty,
      sku: productVariants.sku,
      nameTh: products.nameTh,
      nameEn: products.nameEn,
      options: productVariants.options,
      lastsDays: products.lastsDays,
      active: sql<boolean>`${products.active} and ${productVariants.active}`,
    })
    .from(orderLines)
    .innerJoin(orders, eq(orders.id, orderLines.orderId))
    .innerJoin(productVariants, eq(productVariants.id, orderLines.variantId))
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(
      and(
        ne(orders.status, cancelledStatus),
        gte(orders.createdAt, new Date(now.getTime() - 365 * 86_400_000)),
        customerId === undefined ? undefined : eq(orders.customerId, customerId),
      ),
    );
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    if (!r.active) continue;
    const key = `${r.customerId}:${r.variantId}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out: UpcomingReminder[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const prediction = predictRunOut(
      list.map((r) => ({ orderId: r.orderId, at: r.at, qty: r.qty })),
      first.lastsDays,
    );
    if (!prediction) continue;
    out.push({
      customerId: first.customerId,
      variantId: first.variantId,
      sku: first.sku,
      name: variantName(first, config.shop.locale),
      names: { th: variantName(first, 'th'), en: variantName(first, 'en') },
      qty: prediction.lastPurchase.qty,
      prediction,
      dueAt: reminderDueAt(prediction),
    });
  }
  return out.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

/**
 * Sends due reorder reminders: a little before each predicted run-out, never in quiet hours, at most
 * one a week per customer, never to a customer who said stop, once per purchase.
 */
export async function sendReorderReminders(db: Db, config: Config, now: Date): Promise<number> {
  if (!config.jobs.reorderReminders) return 0;
  if (isQuietHour(now, config.shop.timeZone, config.jobs.quietHours)) return 0;
  const due = (await upcomingReminders(db, config, now)).filter((r) => isReminderDue(r.prediction, now));
  if (due.length === 0) return 0;
  const customerIds = [...new Set(due.map((d) => d.customerId))];
  const reachable = await db
    .selectDistinct({ id: customers.id })
    .from(customers)
    .innerJoin(customerIdentities, eq(customerIdentities.customerId, customers.id))
    .where(and(inArray(customers.id, customerIds), eq(customers.reminderOptOut, false)));
  const allowed = new Set(reachable.map((r) => r.id));

  let sent = 0;
  const served = new Set<number>();
  for (const r of due) {
    if (!allowed.has(r.customerId) || served.has(r.customerId)) continue;
    const queued = await withTransaction(db, async (tx) => {
      // Serialise per customer so two workers cannot both decide "none sent this week".
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`reminder:${r.customerId}`}, 7146))`);
      const recent = await tx
        .select({ id: reorderReminders.id })
        .from(reorderReminders)
        .where(and(eq(reorderReminders.customerId, r.customerId), gte(reorderReminders.sentAt, new Date(now.getTime() - WEEK))))
        .limit(1);
      if (recent.length > 0) return false;
      const inserted = await tx
        .insert(reorderReminders)
        .values({ customerId: r.customerId, variantId: r.variantId, lastOrderId: r.prediction.lastPurchase.orderId, sentAt: now })
        .onConflictDoNothing()
        .returning({ id: reorderReminders.id });
      if (inserted.length === 0) return false;
      const target = await chatTargetFor(tx, r.customerId, 'line', config.shop.locale);
      if (!target) return false;
      await tellCustomer(
        tx,
        target,
        { kind: 'reminder.reorder', product: r.names[target.locale], sku: r.sku, qty: r.qty, days: Math.round(r.prediction.intervalDays) },
        { key: `reminder:${r.customerId}:${r.variantId}:${r.prediction.lastPurchase.orderId}` },
      );
      return true;
    });
    served.add(r.customerId);
    if (queued) sent++;
  }
  return sent;
}
