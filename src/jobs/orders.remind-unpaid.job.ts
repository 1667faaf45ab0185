import { and, inArray, lte, ne, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { orders } from '../db/schema/index.ts';
import { isQuietHour } from '../lib/shop-time.ts';
import type { Logger } from '../logger.ts';
import { isUnpaid, lockOrder, unpaidStatuses } from '../modules/orders/index.ts';
import { tellCustomer } from '../modules/notify/index.ts';
import { transitionLockedOrder } from '../workflows/orders/transition-order.ts';

/**
 * Reminds customers of orders still unpaid after the set time (default 2 h), once per order, outside
 * quiet hours. Orders paid, cancelled or in review meanwhile are skipped: the status is read under lock.
 */
/** Unpaid (non cash-on-delivery) orders placed before `olderThan` and, when given, after `newerThan`. */
function unpaidOrders(db: Db, olderThan: Date, newerThan?: Date) {
  return db
    .select({ number: orders.number })
    .from(orders)
    .where(
      and(
        inArray(orders.status, [...unpaidStatuses]),
        ne(orders.paymentMethod, 'cod'),
        lte(orders.createdAt, olderThan),
        newerThan ? sql`${orders.createdAt} > ${newerThan}` : undefined,
      ),
    )
    .limit(500);
}

export async function remindUnpaidOrders(db: Db, config: Config, now: Date): Promise<number> {
  if (isQuietHour(now, config.shop.timeZone, config.jobs.quietHours)) return 0;
  const due = await unpaidOrders(
    db,
    new Date(now.getTime() - config.jobs.unpaidReminderMs),
    new Date(now.getTime() - config.jobs.unpaidCancelMs),
  );
  let sent = 0;
  for (const { number } of due) {
    await withTransaction(db, async (tx) => {
      const order = await lockOrder(tx, number);
      if (!isUnpaid(order)) return;
      // tellCustomer dedupes on the order and event: a second run queues nothing.
      await tellCustomer(tx, order, { kind: 'order.payment_reminder', promptPayId: config.promptPayId }, { once: 'reminder', fallbackLocale: config.shop.locale });
      sent++;
    });
  }
  return sent;
}

/** Cancels orders unpaid after the set time (default 24 h), releasing their stock and telling the customer. */
export async function expireUnpaidOrders(db: Db, config: Config, now: Date, logger?: Logger): Promise<string[]> {
  const due = await unpaidOrders(db, new Date(now.getTime() - config.jobs.unpaidCancelMs));
  const expired: string[] = [];
  for (const { number } of due) {
    await withTransaction(db, async (tx) => {
      const order = await lockOrder(tx, number);
      // Paid while we were looking: paid → cancelled is legal, but is not ours to do.
      if (!isUnpaid(order)) return;
      const hours = Math.round(config.jobs.unpaidCancelMs / 3_600_000);
      const cancelled = await transitionLockedOrder(tx, order, { to: 'cancelled', actor: 'system', note: `not paid within ${hours} h`, notify: false });
      await tellCustomer(tx, cancelled, { kind: 'order.expired' }, { fallbackLocale: config.shop.locale });
      expired.push(number);
    });
  }
  if (expired.length) logger?.info({ orders: expired }, 'unpaid orders expired');
  return expired;
}
