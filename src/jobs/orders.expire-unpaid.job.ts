import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { tellCustomer } from '../modules/notify/index.ts';
import { isUnpaid, lockOrder, unpaidFirstOrderNumbers, unpaidOrderNumbers } from '../modules/orders/index.ts';
import { transitionLockedOrder } from '../workflows/orders/transition-order.ts';

/**
 * Cancels orders unpaid after the set time (default 24 h), releasing their stock and telling the customer;
 * a customer who never paid before has their stock held for the shorter first-order time (default 4 h).
 */
export async function expireUnpaidOrders(db: Db, config: Config, now: Date, logger?: Logger): Promise<string[]> {
  const firstMs = Math.min(config.jobs.firstOrderCancelMs, config.jobs.unpaidCancelMs);
  const late = await unpaidOrderNumbers(db, { placedBefore: new Date(now.getTime() - config.jobs.unpaidCancelMs) });
  const first = await unpaidFirstOrderNumbers(db, new Date(now.getTime() - firstMs));
  const due = [...new Set([...late, ...first])];
  const expired: string[] = [];
  for (const number of due) {
    await withTransaction(db, async (tx) => {
      const order = await lockOrder(tx, number);
      // Paid while we were looking: paid → cancelled is legal, but is not ours to do.
      if (!isUnpaid(order)) return;
      const hours = Math.round((late.includes(number) ? config.jobs.unpaidCancelMs : firstMs) / 3_600_000);
      const cancelled = await transitionLockedOrder(tx, order, { to: 'cancelled', actor: 'system:jobs', event: { kind: 'order.expired', params: { hours } }, notify: false });
      await tellCustomer(tx, cancelled, { kind: 'order.expired' }, { fallbackLocale: config.shop.locale });
      expired.push(number);
    });
  }
  if (expired.length) logger?.info({ orders: expired }, 'unpaid orders expired');
  return expired;
}
