import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { isQuietHour } from '../lib/shop-time.ts';
import { tellCustomer } from '../modules/notify/index.ts';
import { isUnpaid, lockOrder, unpaidOrderNumbers } from '../modules/orders/index.ts';

/**
 * Reminds customers of orders still unpaid after the set time (default 2 h), once per order, outside
 * quiet hours. Orders paid, cancelled or in review meanwhile are skipped: the status is read under lock.
 */
export async function remindUnpaidOrders(db: Db, config: Config, now: Date): Promise<number> {
  if (isQuietHour(now, config.shop.timeZone, config.jobs.quietHours)) return 0;
  const due = await unpaidOrderNumbers(db, {
    placedBefore: new Date(now.getTime() - config.jobs.unpaidReminderMs),
    placedAfter: new Date(now.getTime() - config.jobs.unpaidCancelMs),
  });
  let sent = 0;
  for (const number of due) {
    await withTransaction(db, async (tx) => {
      const order = await lockOrder(tx, number);
      if (!isUnpaid(order)) return;
      // The reminder's key names the order: a second run queues nothing.
      await tellCustomer(tx, order, { kind: 'order.payment_reminder', promptPayId: config.promptPayId, accounts: config.receivers.payTo }, { once: 'reminder', fallbackLocale: config.shop.locale });
      sent++;
    });
  }
  return sent;
}
