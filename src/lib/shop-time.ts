/** Times as the shop lives them: stored in UTC, reasoned about in the shop's time zone. */

/** One formatter per time zone (a shop has one), made once: an Intl formatter is costly to make. */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function parts(now: Date, timeZone: string) {
  let f = zoneFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    zoneFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(now).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), min: Number(p.minute), s: Number(p.second) };
}

export function localHour(now: Date, timeZone: string): number {
  return parts(now, timeZone).h;
}

const two = (n: number) => String(n).padStart(2, '0');

/** "2026-11-22" in the shop's calendar. */
export function localDate(now: Date, timeZone: string): string {
  const p = parts(now, timeZone);
  return `${p.y}-${two(p.m)}-${two(p.d)}`;
}

/** A moment as the shop's local time, machine-readable: "2026-12-06 14:22:05". */
export function localDateTime(now: Date, timeZone: string): string {
  const p = parts(now, timeZone);
  return `${p.y}-${two(p.m)}-${two(p.d)} ${two(p.h)}:${two(p.min)}:${two(p.s)}`;
}

/** The instant the shop's day containing `now` began. */
export function startOfLocalDay(now: Date, timeZone: string): Date {
  const p = parts(now, timeZone);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  const offset = asUtc - Math.floor(now.getTime() / 1000) * 1000;
  return new Date(Date.UTC(p.y, p.m - 1, p.d) - offset);
}

/** Quiet hours wrap midnight when from > to (21-9 means 21:00 to 08:59). */
export function isQuietHour(now: Date, timeZone: string, quiet: { from: number; to: number }): boolean {
  const h = localHour(now, timeZone);
  return quiet.from > quiet.to ? h >= quiet.from || h < quiet.to : h >= quiet.from && h < quiet.to;
}

/** Adds days to a calendar day, in the calendar (no time zone involved). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The instant a calendar day begins in a time zone (correct across offset changes). */
export function zonedMidnight(day: string, timeZone: string): Date {
  const utc = Date.parse(`${day}T00:00:00Z`);
  const offsetAt = (instant: number) => {
    const p = parts(new Date(instant), timeZone);
    return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - instant;
  };
  const guess = utc - offsetAt(utc);
  return new Date(utc - offsetAt(guess));
}

/** The instants a range of whole shop days covers: from the first day's midnight to the midnight after the last (exclusive). */
export function shopDays(from: string, to: string, timeZone: string): { from: Date; to: Date } {
  return { from: zonedMidnight(from, timeZone), to: zonedMidnight(addDays(to, 1), timeZone) };
}
