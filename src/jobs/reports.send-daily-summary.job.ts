import { and, eq, gte, inArray, ne, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { orders, payments, type OrderStatus } from '../db/schema/index.ts';
import { formatMoney } from '../lib/money.ts';
import { localDate, localHour, startOfLocalDay } from '../lib/shop-time.ts';
import { notifyMerchant } from '../modules/notify/index.ts';
import { cancelledStatus, waitingFor, waitingStatuses } from '../modules/orders/index.ts';
import { paymentReceived } from '../modules/payments/index.ts';

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
