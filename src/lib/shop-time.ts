/** Times as the shop lives them: stored in UTC, reasoned about in the shop's time zone. */

function parts(now: Date, timeZone: string) {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(now).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), min: Number(p.minute), s: Number(p.second) };
}

export function localHour(now: Date, timeZone: string): number {
  return parts(now, timeZone).h;
}

/** "2026-11-22" in the shop's calendar. */
export function localDate(now: Date, timeZone: string): string {
  const p = parts(now, timeZone);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
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
