/**
 * Dates as people read and type them: Thai with the month abbreviated and the Buddhist-era year
 * ("6 ธ.ค. 2569"), English as "6 Dec 2026", always in the shop's time zone. The one place dates are
 * formatted for people; ISO stays for machines (CSV machine columns, the API, form values in URLs).
 */

export type DateLang = 'th' | 'en';

const locales: Record<DateLang, string> = { th: 'th-TH', en: 'en-GB' };
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day ("2026-12-06") as the instant its formatter reads, with no time zone shift. */
const calendar = (day: string) => new Date(`${day}T00:00:00Z`);

/**
 * Formatters for one language and time zone; instants are shown in the zone, calendar days as they are.
 * Made once per language and zone (a shop has one zone): an Intl formatter is costly to make, in time
 * and in ICU's memory, and every back-office page asks for these.
 */
export function dateFormats(lang: DateLang, timeZone: string): DateFormats {
  const key = `${lang} ${timeZone}`;
  let formats = made.get(key);
  if (!formats) {
    formats = makeDateFormats(lang, timeZone);
    made.set(key, formats);
  }
  return formats;
}

const made = new Map<string, DateFormats>();

function makeDateFormats(lang: DateLang, timeZone: string) {
  const locale = locales[lang];
  const make = (o: Intl.DateTimeFormatOptions, zone = timeZone) => new Intl.DateTimeFormat(locale, { timeZone: zone, ...o });
  const date = make({ day: 'numeric', month: 'short', year: 'numeric' });
  const dateTime = make({ day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const dayMonth = make({ day: 'numeric', month: 'short' });
  const time = make({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const longDate = make({ dateStyle: 'long' });
  const day = make({ day: 'numeric', month: 'short', year: 'numeric' }, 'UTC');
  const dayShort = make({ day: 'numeric', month: 'short' }, 'UTC');
  const month = make({ month: 'short', year: 'numeric' }, 'UTC');
  const at = (d: Date | string) => (d instanceof Date ? d : new Date(d));
  return {
    /** An instant's day: "6 ธ.ค. 2569". */
    date: (d: Date | string) => date.format(at(d)),
    /** An instant with its time: "6 ธ.ค. 2569 14:22". */
    dateTime: (d: Date | string) => dateTime.format(at(d)),
    /** An instant's day without the year, for chart axes and short lists: "6 ธ.ค.". */
    dayMonth: (d: Date | string) => dayMonth.format(at(d)),
    time: (d: Date | string) => time.format(at(d)),
    /** For documents: "6 ธันวาคม 2569". */
    longDate: (d: Date | string) => longDate.format(at(d)),
    /** A calendar day ("2026-12-06") as people read it: "6 ธ.ค. 2569". */
    day: (iso: string) => (ISO_DAY.test(iso) ? day.format(calendar(iso)) : iso),
    /** A calendar day without its year: "6 ธ.ค.". */
    dayShort: (iso: string) => (ISO_DAY.test(iso) ? dayShort.format(calendar(iso)) : iso),
    /** A calendar month ("2026-12" or its first day): "ธ.ค. 2569". */
    month: (iso: string) => month.format(calendar(`${iso.slice(0, 7)}-01`)),
    /** Two calendar days: "7 พ.ย. 2569 – 6 ธ.ค. 2569", one day once. */
    range: (from: string, to: string) => (from === to ? day.format(calendar(from)) : `${day.format(calendar(from))} – ${day.format(calendar(to))}`),
  };
}

export type DateFormats = ReturnType<typeof makeDateFormats>;

const thaiDigits = '๐๑๒๓๔๕๖๗๘๙';

// Month names people type, Thai (abbreviated with or without dots, and in full) and English.
const monthNames: [number, string[]][] = [
  [1, ['ม.ค.', 'มกราคม', 'มกรา', 'jan', 'january']],
  [2, ['ก.พ.', 'กุมภาพันธ์', 'กุมภา', 'feb', 'february']],
  [3, ['มี.ค.', 'มีนาคม', 'มีนา', 'mar', 'march']],
  [4, ['เม.ย.', 'เมษายน', 'เมษา', 'apr', 'april']],
  [5, ['พ.ค.', 'พฤษภาคม', 'พฤษภา', 'may']],
  [6, ['มิ.ย.', 'มิถุนายน', 'มิถุนา', 'jun', 'june']],
  [7, ['ก.ค.', 'กรกฎาคม', 'กรกฎา', 'jul', 'july']],
  [8, ['ส.ค.', 'สิงหาคม', 'สิงหา', 'aug', 'august']],
  [9, ['ก.ย.', 'กันยายน', 'กันยา', 'sep', 'sept', 'september']],
  [10, ['ต.ค.', 'ตุลาคม', 'ตุลา', 'oct', 'october']],
  [11, ['พ.ย.', 'พฤศจิกายน', 'พฤศจิกา', 'nov', 'november']],
  [12, ['ธ.ค.', 'ธันวาคม', 'ธันวา', 'dec', 'december']],
];
const monthByName = new Map<string, number>();
for (const [m, names] of monthNames) for (const n of names) monthByName.set(n.replace(/\./g, ''), m);

/** A year as typed: Buddhist era from 2400 to 2799 (no shop deals in those Christian years), two digits as the nearer of the two eras' years to today. */
function yearOf(text: string, now: Date): number {
  const y = Number(text);
  if (text.length === 2) {
    const current = now.getUTCFullYear();
    const ce = 2000 + y;
    const be = 2500 + y - 543;
    return Math.abs(ce - current) <= Math.abs(be - current) ? ce : be;
  }
  return y >= 2400 && y < 2800 ? y - 543 : y;
}

function isoOf(y: number, m: number, d: number): string | null {
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return null; // 31 Feb
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A calendar day typed by a person, as ISO ("2026-12-06"), or null. Takes "6 ธ.ค. 2569", "6 ธันวาคม 69",
 * "6/12/2569", "06-12-2026", "6 Dec 2026", Thai digits, and ISO itself; years 2400-2799 are Buddhist era.
 */
export function parseDay(input: string, now = new Date()): string | null {
  const text = input
    .trim()
    .replace(/[๐-๙]/g, (c) => String(thaiDigits.indexOf(c)))
    .replace(/\s+/g, ' ')
    .toLowerCase();
  if (!text) return null;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  if (m) return isoOf(yearOf(m[1]!, now), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$/.exec(text);
  if (m) return isoOf(yearOf(m[3]!, now), Number(m[2]), Number(m[1]));
  m = /^(\d{1,2})\s*([^\d\s,]+(?:\s?[^\d\s,]+)*?)\.?,?\s*(?:(?:พ\.?ศ\.?|ค\.?ศ\.?)\s*)?(\d{4}|\d{2})$/.exec(text);
  if (m) {
    const month = monthByName.get(m[2]!.replace(/[.\s]/g, ''));
    if (month) return isoOf(yearOf(m[3]!, now), month, Number(m[1]));
  }
  return null;
}
