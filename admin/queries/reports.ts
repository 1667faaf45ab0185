import { z } from 'zod';
import { orderChannel, type OrderChannel } from '#src/db/schema/index.ts';
import { addDays, localDate, zonedMidnight } from '#src/lib/shop-time.ts';
import { calendarDay } from '../forms.ts';
import type { ReportRange } from '#src/modules/reports/index.ts';

export { addDays, zonedMidnight };

export const granularities = ['day', 'week', 'month'] as const;
export type Granularity = (typeof granularities)[number];
export const presets = ['today', '7d', '30d', 'thisMonth', 'lastMonth'] as const;
export type Preset = (typeof presets)[number];

const isoDay = calendarDay;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export interface ReportFilter {
  from: string;
  to: string;
  channel: OrderChannel | undefined;
  granularity: Granularity;
  slowDays: number;
}

/** The first day of the period (day, Monday-started week, month) a calendar day falls in, as Postgres' date_trunc. */
function periodStart(day: string, granularity: Granularity): string {
  if (granularity === 'day') return day;
  if (granularity === 'month') return `${day.slice(0, 7)}-01`;
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

/** Every period of the filter's range in order, with the sales found and zeros for the rest. */
export function fillPeriods<T extends { period: string; orders: number; revenue: number }>(found: T[], filter: Pick<ReportFilter, 'from' | 'to' | 'granularity'>) {
  const byPeriod = new Map(found.map((p) => [p.period, p]));
  const all: { period: string; orders: number; revenue: number }[] = [];
  for (let p = periodStart(filter.from, filter.granularity); p <= filter.to; ) {
    const hit = byPeriod.get(p);
    all.push({ period: p, orders: hit?.orders ?? 0, revenue: hit?.revenue ?? 0 });
    if (filter.granularity === 'day') p = addDays(p, 1);
    else if (filter.granularity === 'week') p = addDays(p, 7);
    else {
      const [y, m] = p.split('-').map(Number) as [number, number];
      p = `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`;
    }
  }
  return all;
}

/** The day range of a preset, in the shop's calendar. */
export function presetRange(preset: Preset, today: string): { from: string; to: string } {
  const [y, m] = today.split('-').map(Number) as [number, number];
  const monthStart = `${today.slice(0, 7)}-01`;
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case 'thisMonth':
      return { from: monthStart, to: today };
    case 'lastMonth': {
      const first = new Date(Date.UTC(m === 1 ? y - 1 : y, m === 1 ? 11 : m - 2, 1)).toISOString().slice(0, 10);
      return { from: first, to: addDays(monthStart, -1) };
    }
  }
}

/**
 * The report filter from the query string: a bad or missing date falls back to the last 30 days in the
 * shop's time zone (and is reported), a range is at most about three years long.
 */
export function parseReportQuery(query: unknown, now: Date, timeZone: string): { filter: ReportFilter; errors: Record<string, string> } {
  const q = (query ?? {}) as Record<string, unknown>;
  const today = localDate(now, timeZone);
  const errors: Record<string, string> = {};
  const preset = z.enum(presets).safeParse(q.preset);
  let range = presetRange('30d', today);
  if (preset.success) range = presetRange(preset.data, today);
  else {
    const from = z.preprocess(blankToUndefined, isoDay.optional()).safeParse(q.from);
    const to = z.preprocess(blankToUndefined, isoDay.optional()).safeParse(q.to);
    if (!from.success) errors.from = 'field.date';
    if (!to.success) errors.to = 'field.date';
    const f = from.success ? from.data : undefined;
    const t = to.success ? to.data : undefined;
    if (f && t && f > t) errors.to = 'field.dateOrder';
    else if (f || t) range = { from: f ?? addDays(t!, -29), to: t ?? (f! > today ? f! : today) };
  }
  if (Date.parse(range.to) - Date.parse(range.from) > 1_100 * 86_400_000) range.from = addDays(range.to, -1_100);
  const channel = z.enum(orderChannel.enumValues).safeParse(q.channel);
  const granularity = z.enum(granularities).safeParse(q.granularity);
  const slow = z.coerce.number().int().min(1).max(3650).safeParse(blankToUndefined(q.days) ?? 30);
  if (!slow.success) errors.days = 'field.qty';
  return {
    filter: {
      ...range,
      channel: channel.success ? channel.data : undefined,
      granularity: granularity.success ? granularity.data : 'day',
      slowDays: slow.success ? slow.data : 30,
    },
    errors,
  };
}

export function reportRange(filter: ReportFilter, timeZone: string): ReportRange {
  return { from: zonedMidnight(filter.from, timeZone), to: zonedMidnight(addDays(filter.to, 1), timeZone), timeZone, channel: filter.channel };
}

/** The query string of a filter, for links (CSV, presets, granularity). */
export function filterQuery(filter: ReportFilter, patch: Partial<Record<'from' | 'to' | 'channel' | 'granularity' | 'days', string | undefined>> = {}): string {
  const params = new URLSearchParams();
  const values: Record<string, string | undefined> = {
    from: filter.from,
    to: filter.to,
    channel: filter.channel,
    granularity: filter.granularity === 'day' ? undefined : filter.granularity,
    days: filter.slowDays === 30 ? undefined : String(filter.slowDays),
    ...patch,
  };
  for (const [k, v] of Object.entries(values)) if (v) params.set(k, v);
  return params.toString();
}
