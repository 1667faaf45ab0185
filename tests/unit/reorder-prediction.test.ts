import { describe, expect, it } from 'vitest';
import { isReminderDue, predictRunOut, reminderDueAt } from '#src/modules/customers/reorder-prediction.ts';
import { isQuietHour, localDate, startOfLocalDay } from '#src/lib/shop-time.ts';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
const p = (n: number, qty = 1, orderId = n) => ({ orderId, at: day(n), qty });

describe('predicting when a customer runs out', () => {
  it('uses the median gap of their own orders, ignoring one odd gap', () => {
    const r = predictRunOut([p(0), p(10), p(20), p(60), p(70)], 90);
    expect(r).toMatchObject({ basis: 'own-history', intervalDays: 10 });
    expect(r!.runOutAt).toEqual(day(80));
  });

  it('falls back to how long the product lasts times the quantity for a first purchase', () => {
    expect(predictRunOut([p(5, 2)], 15)).toMatchObject({ basis: 'lasts-days', intervalDays: 30, runOutAt: day(35) });
    expect(predictRunOut([p(5)], null)).toBeNull();
  });

  it('is due from two days before the run-out day until it goes stale', () => {
    const r = predictRunOut([p(0), p(10)], null)!;
    expect(reminderDueAt(r)).toEqual(day(18));
    expect(isReminderDue(r, day(17))).toBe(false);
    expect(isReminderDue(r, day(18))).toBe(true);
    expect(isReminderDue(r, day(40))).toBe(false);
  });
});

describe('shop time', () => {
  const tz = 'Asia/Bangkok';
  it('knows quiet hours that wrap midnight', () => {
    const at = (h: number) => new Date(Date.UTC(2026, 10, 22, h - 7));
    expect(isQuietHour(at(21), tz, { from: 21, to: 9 })).toBe(true);
    expect(isQuietHour(at(3), tz, { from: 21, to: 9 })).toBe(true);
    expect(isQuietHour(at(9), tz, { from: 21, to: 9 })).toBe(false);
    expect(isQuietHour(at(20), tz, { from: 21, to: 9 })).toBe(false);
  });
  it('starts the shop day at local midnight', () => {
    const now = new Date('2026-11-22T18:30:00Z'); // 01:30 on the 23rd in Bangkok
    expect(localDate(now, tz)).toBe('2026-11-23');
    expect(startOfLocalDay(now, tz).toISOString()).toBe('2026-11-22T17:00:00.000Z');
  });
});
