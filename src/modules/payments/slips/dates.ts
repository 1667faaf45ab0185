// The date and time printed on a slip, and the date many banks build into a transaction reference.

import { lines, weightedDistance } from './thai.ts';

const THAI_MONTHS: Array<[number, string[]]> = [
  [1, ['มค', 'มกราคม', 'มกรา']],
  [2, ['กพ', 'กุมภาพันธ์', 'กุมภา']],
  [3, ['มีค', 'มีนาคม', 'มีนา']],
  [4, ['เมย', 'เมษายน', 'เมษา']],
  [5, ['พค', 'พฤษภาคม', 'พฤษภา']],
  [6, ['มิย', 'มิถุนายน', 'มิถุนา']],
  [7, ['กค', 'กรกฎาคม', 'กรกฎา']],
  [8, ['สค', 'สิงหาคม', 'สิงหา']],
  [9, ['กย', 'กันยายน', 'กันยา']],
  [10, ['ตค', 'ตุลาคม', 'ตุลา']],
  [11, ['พย', 'พฤศจิกายน', 'พฤศจิกา']],
  [12, ['ธค', 'ธันวาคม', 'ธันวา']],
];
const ENGLISH_MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ENGLISH_MONTHS_FULL = [
  'january', 'february', 'march', 'april', 'may', 'june',
  'july', 'august', 'september', 'october', 'november', 'december',
];

// Latin letters the eng model puts where a look-alike Thai letter was
// ("n.ค." for ก.ค., "u." for น.).
const LATIN_AS_THAI: Record<string, string> = { n: 'ก', u: 'น', w: 'พ', U: 'บ' };


export type MonthMatch = { month: number; script: 'thai' | 'english' };

/** Reads a month word as printed or as OCR mangles it ("พ.ุย." → November). */
export function matchMonth(raw: string): MonthMatch | null {
  const token = raw.replace(/[\s.,'`"·:;_\-–]/g, '');
  if (!token) return null;
  if (/^[A-Za-z]+$/.test(token)) {
    const lower = token.toLowerCase();
    const full = ENGLISH_MONTHS_FULL.indexOf(lower);
    if (full >= 0) return { month: full + 1, script: 'english' };
    const short = ENGLISH_MONTHS.indexOf(lower.slice(0, 3));
    if (short >= 0 && (lower.length === 3 || (lower === 'sept'))) return { month: short + 1, script: 'english' };
  }
  const thai = token.replace(/[A-Za-z]/g, (c) => LATIN_AS_THAI[c] ?? c);
  if (!/[\u0E00-\u0E7F]/.test(thai)) return null;
  let best: { month: number; dist: number } | null = null;
  let second = Infinity;
  for (const [month, names] of THAI_MONTHS) {
    let dist = Infinity;
    for (const name of names) dist = Math.min(dist, weightedDistance(thai, name));
    if (!best || dist < best.dist) {
      if (best) second = Math.min(second, best.dist);
      best = { month, dist };
    } else {
      second = Math.min(second, dist);
    }
  }
  if (!best) return null;
  if (best.dist === 0) return { month: best.month, script: 'thai' };
  // One slip of the OCR is forgiven only when no other month is as close.
  if (best.dist <= 1 && second - best.dist >= 0.6) return { month: best.month, script: 'thai' };
  return null;
}

type DateParts = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
};

function toGregorianYear(year: number, digits: number, script: 'thai' | 'english' | 'numeric'): number {
  if (digits === 4) return year >= 2400 ? year - 543 : year;
  // Two digits: Thai slips print the Buddhist year (69 = 2569 = 2026); English
  // ones the Christian year, except that 60-99 can only be Buddhist here.
  if (script === 'thai' || script === 'numeric' || year >= 60) return 2500 + year - 543;
  return 2000 + year;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Bangkok wall-clock time (UTC+7, no daylight saving) to a UTC Date. */
export function bangkokToUtc(parts: { year: number; month: number; day: number; hour: number; minute: number; second: number }): Date | null {
  const { year, month, day, hour, minute, second } = parts;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return new Date(Date.UTC(year, month - 1, day, hour - 7, minute, second));
}

const TIME_RE = /(?<![\d:])([01]?\d|2[0-3])\s?[:.]\s?([0-5]\d)(?:\s?[:.]\s?([0-5]\d))?(?![\d])/g;
// What may sit between a date and its time: "22 พ.ย. 69, 14:05", "- 14:05", "เวลา 14:05".
const DATE_TIME_GLUE = /[\s,\-–|@]*(?:เวลา|time|at)?[\s,\-–|@]*$/i;

type FoundDate =
  | { kind: 'full'; day: number; month: number; year: number }
  // Day and/or year are legible but the month is not: worth repairing.
  | { kind: 'partial'; day: number | null; year: number | null };

/** Finds the date printed just before `before`'s end. */
function parseDateBefore(before: string): FoundDate | null {
  const head = before.replace(DATE_TIME_GLUE, '');
  // 22/11/2569, 22-11-69, 22.11.2569
  const numeric = /(?<!\d)(\d{1,2})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{4}|\d{2})$/.exec(head);
  if (numeric?.[1] && numeric[2] && numeric[3]) {
    const day = Number(numeric[1]);
    const month = Number(numeric[2]);
    if (day >= 1 && day <= 31 && month >= 1 && month <= 12) {
      return { kind: 'full', day, month, year: toGregorianYear(Number(numeric[3]), numeric[3].length, 'numeric') };
    }
  }
  // 22 พ.ย. 69 / 22 พฤศจิกายน 2569 / 22 Nov 2026 / 22 Nov 26
  const worded = /(?<!\d)(\d{1,2})\s*([^\d\s][^\d]{0,14}?)\s*,?\s*(\d{4}|\d{2})$/.exec(head);
  if (worded?.[1] && worded[2] && worded[3]) {
    const month = matchMonth(worded[2]);
    const day = Number(worded[1]);
    if (month && day >= 1 && day <= 31) {
      return { kind: 'full', day, month: month.month, year: toGregorianYear(Number(worded[3]), worded[3].length, month.script) };
    }
  }
  // Nov 22, 2026
  const us = /([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$/.exec(head);
  if (us?.[1] && us[2] && us[3]) {
    const month = matchMonth(us[1]);
    if (month?.script === 'english') {
      return { kind: 'full', day: Number(us[2]), month: month.month, year: toGregorianYear(Number(us[3]), 4, 'english') };
    }
  }
  // "24 0.9. 2569", "10n.n. 68" (มิ.ย., ก.ค. misread): day and year, month lost.
  const garbled = /(?<!\d)(\d{1,2})(?:\s+|(?=[^\d\s]))(\S{1,10}?)\s*,?\s*(\d{4}|\d{2})$/.exec(head);
  if (garbled?.[1] && garbled[3] && /[^\d\s]/.test(garbled[2] ?? '')) {
    const day = Number(garbled[1]);
    if (day >= 1 && day <= 31) {
      return { kind: 'partial', day, year: toGregorianYear(Number(garbled[3]), garbled[3].length, 'thai') };
    }
  }
  // "อาโท ย 2568" (21 ก.ย. misread): only the year survived.
  const yearOnly = /[\u0E01-\u0E2EA-Za-z][^\d]{0,14}?\s*,?\s*(\d{4})$/.exec(head);
  if (yearOnly?.[1]) return { kind: 'partial', day: null, year: toGregorianYear(Number(yearOnly[1]), 4, 'thai') };
  return null;
}

type PartialDate = { day: number | null; year: number | null; hour: number; minute: number; second: number; line: number };
type PrintedDate = DateParts & { line: number; hasSeconds: boolean };

/** Every printed "date + time" on the slip, plus times whose month OCR lost. */
function findDates(text: string): { full: PrintedDate[]; partial: PartialDate[] } {
  const ls = lines(text);
  const full: PrintedDate[] = [];
  const partial: PartialDate[] = [];
  ls.forEach((line, i) => {
    for (const m of line.matchAll(TIME_RE)) {
      const hour = Number(m[1]);
      const minute = Number(m[2]);
      const second = m[3] ? Number(m[3]) : 0;
      const before = line.slice(0, m.index);
      let date = parseDateBefore(before);
      // The date may sit alone on the line above its time.
      if (date === null && before.replace(DATE_TIME_GLUE, '').trim() === '' && i > 0) {
        date = parseDateBefore(ls[i - 1] ?? '');
      }
      if (date?.kind === 'full') full.push({ day: date.day, month: date.month, year: date.year, hour, minute, second, line: i, hasSeconds: m[3] !== undefined });
      else if (date?.kind === 'partial') partial.push({ day: date.day, year: date.year, hour, minute, second, line: i });
    }
  });
  return { full, partial };
}

export type RefDate = { year: number | null; month: number; day: number; hour: number | null; minute: number | null; second?: number };

function dayOfYearToDate(year: number, doy: number): { month: number; day: number } | null {
  const d = new Date(Date.UTC(year, 0, doy));
  if (d.getUTCFullYear() !== year) return null;
  return { month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The date many Thai banks build into a transaction reference (SCB and ttb
 * start with yyyymmdd, BBL/KTB/GSB with yymmdd, Krungsri with BAYM +
 * yymmddHHMM, K PLUS with 0 + day-of-year + HHMMSS). The bank made it, so
 * where it disagrees with what OCR read, it is the OCR that is wrong.
 */
export function dateHintFromTransRef(transRef: string, bankShort: string | null | undefined): RefDate | null {
  const ok = (y: number | null, m: number, d: number): boolean =>
    m >= 1 && m <= 12 && d >= 1 && d <= (y ? daysInMonth(y, m) : 31);
  const n = (s: string | undefined): number => Number(s);
  switch (bankShort) {
    case 'SCB':
    case 'TTB': {
      const m = /^(20\d{2})(\d{2})(\d{2})/.exec(transRef);
      if (m && ok(n(m[1]), n(m[2]), n(m[3]))) return { year: n(m[1]), month: n(m[2]), day: n(m[3]), hour: null, minute: null };
      return null;
    }
    case 'BBL': {
      const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(transRef);
      if (m && ok(2000 + n(m[1]), n(m[2]), n(m[3])) && n(m[4]) <= 23 && n(m[5]) <= 59) {
        return { year: 2000 + n(m[1]), month: n(m[2]), day: n(m[3]), hour: n(m[4]), minute: n(m[5]) };
      }
      return null;
    }
    case 'KTB':
    case 'GSB': {
      const m = /^(\d{2})(\d{2})(\d{2})/.exec(transRef);
      if (m && ok(2000 + n(m[1]), n(m[2]), n(m[3]))) return { year: 2000 + n(m[1]), month: n(m[2]), day: n(m[3]), hour: null, minute: null };
      return null;
    }
    case 'BAY': {
      const m = /^BAYM(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})/.exec(transRef);
      if (m && ok(2000 + n(m[1]), n(m[2]), n(m[3])) && n(m[4]) <= 23 && n(m[5]) <= 59) {
        return { year: 2000 + n(m[1]), month: n(m[2]), day: n(m[3]), hour: n(m[4]), minute: n(m[5]) };
      }
      return null;
    }
    case 'KBANK': {
      const m = /^0(\d{3})(\d{2})(\d{2})(\d{2})/.exec(transRef);
      if (!m) return null;
      // Day-of-year without a year: resolved against the year OCR read.
      const doy = n(m[1]);
      if (doy < 1 || doy > 366 || n(m[2]) > 23 || n(m[3]) > 59 || n(m[4]) > 59) return null;
      return { year: null, month: 0, day: doy, hour: n(m[2]), minute: n(m[3]), second: n(m[4]) };
    }
    default:
      return null;
  }
}

/** The first date and time printed in full on the slip, as read. */
export function findPrintedDate(text: string): (DateParts & { line: number }) | null {
  return findDates(text).full.find((d) => bangkokToUtc(d) !== null) ?? null;
}

/** Where a reference came from: the slip's QR (CRC checked) or the printed text. */
export type RefSource = { transRef: string; bank: string | null; from: 'qr' | 'printed' };

export type SettledDatetime = {
  datetime: Date | null;
  /** 0..1; below the review threshold when the value may well be wrong. */
  confidence: number;
  /** Printed in full; repaired or overruled with the reference; from the reference alone. */
  source: 'text' | 'text+ref' | 'ref' | null;
  /** Text line the printed date was read from. */
  line: number | null;
  /** The printed date and time disagreed with the reference's, which won. */
  disagreement: { printed: string; encoded: string } | null;
};

const pad = (n: number): string => String(n).padStart(2, '0');
const show = (p: { year: number | null; month: number; day: number; hour: number | null; minute: number | null }): string =>
  `${p.year ?? '????'}-${pad(p.month)}-${pad(p.day)}${p.hour === null ? '' : ` ${pad(p.hour)}:${pad(p.minute ?? 0)}`}`;

/**
 * The slip's date and time: what is printed, checked against the date and time the reference
 * encodes (where the bank builds them in). They agree: sure. They disagree: the reference wins,
 * the disagreement is reported, and what the reference cannot say (seconds, or the time) is
 * trusted less. The month OCR could not read is filled in from the reference.
 */
export function settleDatetime(text: string, ref: RefSource | null): SettledDatetime {
  const { full, partial } = findDates(text);
  const none: SettledDatetime = { datetime: null, confidence: 0, source: null, line: null, disagreement: null };
  let hint = ref ? dateHintFromTransRef(ref.transRef, ref.bank) : null;
  // A reference read off the print is itself OCR: trusted a little less than the QR's.
  const trust = ref?.from === 'qr' ? 1 : 0.9;
  const printed = full.find((d) => bangkokToUtc(d) !== null);
  if (printed) {
    const at = bangkokToUtc(printed)!;
    if (hint?.month === 0) {
      // K PLUS day-of-year, in the year printed.
      const md = dayOfYearToDate(printed.year, hint.day);
      hint = md ? { ...hint, year: printed.year, month: md.month, day: md.day } : null;
    }
    if (!hint || hint.year === null) return { datetime: at, confidence: 0.75, source: 'text', line: printed.line, disagreement: null };
    const dateAgrees = hint.year === printed.year && hint.month === printed.month && hint.day === printed.day;
    const timeAgrees = hint.hour === null || (hint.hour === printed.hour && hint.minute === printed.minute);
    // A reference with the date only vouches for the date; the time is as good as its line.
    if (dateAgrees && timeAgrees) {
      return { datetime: at, confidence: (hint.hour !== null ? 0.97 : 0.85) * trust, source: 'text', line: printed.line, disagreement: null };
    }
    const hour = hint.hour ?? printed.hour;
    const minute = hint.minute ?? printed.minute;
    // Seconds the reference does not carry are only as good as the line they were read from.
    const second = timeAgrees ? printed.second : (hint.second ?? (printed.hasSeconds ? null : 0));
    const datetime = bangkokToUtc({ year: hint.year, month: hint.month, day: hint.day, hour, minute, second: second ?? 0 });
    if (!datetime) return none;
    const sure = hint.hour !== null ? (second === null ? 0.5 : 0.85) : 0.55;
    return {
      datetime,
      confidence: sure * trust,
      source: 'text+ref',
      line: printed.line,
      disagreement: { printed: show(printed), encoded: show(hint) },
    };
  }
  if (!hint) return none;
  for (const p of partial) {
    let { month, day } = hint;
    let year = hint.year;
    if (hint.month === 0) {
      // K PLUS day-of-year: needs the year OCR read.
      if (p.year === null) continue;
      const md = dayOfYearToDate(p.year, hint.day);
      if (!md) continue;
      year = p.year;
      month = md.month;
      day = md.day;
    }
    if (year === null) continue;
    // The parts OCR did read must agree with the reference.
    if (p.day !== null && p.day !== day) continue;
    if (p.year !== null && p.year !== year) continue;
    if (hint.hour !== null && (hint.hour !== p.hour || hint.minute !== p.minute)) continue;
    if (p.day === null && p.year === null && hint.hour === null) continue;
    const datetime = bangkokToUtc({ year, month, day, hour: p.hour, minute: p.minute, second: p.second });
    // The day and year read agree with the reference: the line was read well enough to trust
    // its time somewhat, fully when the reference carries the time too.
    if (datetime) return { datetime, confidence: (hint.hour !== null ? 0.85 : 0.7) * trust, source: 'text+ref', line: p.line, disagreement: null };
  }
  return none;
}

/** The printed date and time, repaired with a reference's date when given (see settleDatetime). */
export function extractDatetime(
  text: string,
  opts: { transRefHint?: string | null; bankShortHint?: string | null } = {},
): { datetime: Date; source: 'text' | 'text+ref' } | null {
  const settled = settleDatetime(text, opts.transRefHint ? { transRef: opts.transRefHint, bank: opts.bankShortHint ?? null, from: 'qr' } : null);
  if (!settled.datetime || settled.source === 'ref' || settled.source === null) return null;
  return { datetime: settled.datetime, source: settled.source };
}
