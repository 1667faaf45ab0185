/** When will a customer run out of something they buy again and again? Pure, so it is tested with any clock. */

const DAY = 86_400_000;

export interface Purchase {
  orderId: number;
  at: Date;
  qty: number;
}

export interface RunOutPrediction {
  /** The interval the prediction rests on, in days. */
  intervalDays: number;
  basis: 'own-history' | 'lasts-days';
  lastPurchase: Purchase;
  runOutAt: Date;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * From the customer's own rhythm when there are at least two orders (the median gap, robust to one
 * odd order), else from how long the product lasts times how many they bought.
 */
export function predictRunOut(purchases: Purchase[], lastsDays: number | null | undefined): RunOutPrediction | null {
  if (purchases.length === 0) return null;
  const sorted = [...purchases].sort((a, b) => a.at.getTime() - b.at.getTime());
  const last = sorted.at(-1)!;
  if (sorted.length >= 2) {
    const gaps = sorted.slice(1).map((p, i) => (p.at.getTime() - sorted[i]!.at.getTime()) / DAY);
    const interval = median(gaps);
    if (interval >= 1) return { intervalDays: interval, basis: 'own-history', lastPurchase: last, runOutAt: new Date(last.at.getTime() + interval * DAY) };
  }
  if (lastsDays && lastsDays > 0) {
    const interval = lastsDays * Math.max(1, last.qty);
    return { intervalDays: interval, basis: 'lasts-days', lastPurchase: last, runOutAt: new Date(last.at.getTime() + interval * DAY) };
  }
  return null;
}

export const REMINDER_LEAD_DAYS = 2;
/** After this long past the run-out day a reminder is stale: they bought elsewhere or stopped. */
export const REMINDER_STALE_DAYS = 14;

export function reminderDueAt(p: RunOutPrediction): Date {
  return new Date(p.runOutAt.getTime() - REMINDER_LEAD_DAYS * DAY);
}

export function isReminderDue(p: RunOutPrediction, now: Date): boolean {
  return now >= reminderDueAt(p) && now.getTime() <= p.runOutAt.getTime() + REMINDER_STALE_DAYS * DAY;
}
