import { inArray, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { orders, type OrderStatus } from '../db/schema/index.ts';
import { formatMoney } from '../lib/money.ts';
import { localDate, localHour, shopDays } from '../lib/shop-time.ts';
import { notifyMerchant } from '../modules/notify/index.ts';
import { waitingFor, waitingStatuses } from '../modules/orders/index.ts';
import { moneyFigures } from '../modules/reports/index.ts';

/** The day's figures to the merchant at the set hour, once a day. */
export async function sendDailySummary(db: Db, config: Config, now: Date): Promise<boolean> {
  const tz = config.shop.timeZone;
  if (localHour(now, tz) < config.jobs.dailySummaryHour) return false;
  const date = localDate(now, tz);
  // The same figures as the dashboard's "today" (src/modules/reports/money.ts).
  const figures = await moneyFigures(db, shopDays(date, date, tz));
  const money = (n: number) => formatMoney(n, config.shop.currency, config.shop.locale);
  const counts = await db
    .select({ status: orders.status, n: sql<number>`count(*)::int` })
    .from(orders)
    .where(inArray(orders.status, [...waitingStatuses]))
    .groupBy(orders.status);
  const count = (s: OrderStatus) => counts.find((c) => c.status === s)?.n ?? 0;
  let queued = false;
  await withTransaction(db, async (tx) => {
    await notifyMerchant(
      tx,
      config,
      {
        kind: 'merchant.daily_summary',
        date,
        orders: figures.orders,
        revenue: money(figures.netSales),
        awaiting: money(figures.awaitingPayment),
        cod: money(figures.codToCollect),
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
