// Pulls payment facts out of OCR text from a Thai bank transfer slip: amount,
// date and time, reference, sender, receiver and bank. Pure functions only.

import { BANKS, type BankInfo } from './banks.ts';

export type SlipParty = { name: string | null; account: string | null };

export type SlipTextFields = {
  /** Satang. */
  amount: number | null;
  /** Whether the amount sat next to an amount label (or a ฿/บาท/THB mark). */
  amountLabelled: boolean;
  datetime: Date | null;
  /** How the date was found: printed in full, or repaired with the reference. */
  datetimeSource: 'text' | 'text+ref' | null;
  transRef: string | null;
  receiver: SlipParty | null;
  sender: SlipParty | null;
  bank: BankInfo | null;
  /** Words every transfer slip prints ("โอนเงินสำเร็จ", "Transfer successful"). */
  successMarker: boolean;
  /** How many slip labels (amount, fee, reference, from/to, date) were seen. */
  labelCount: number;
};

export type ExtractOptions = {
  /** Reference read from the QR, used only to repair a half-read date. */
  transRefHint?: string | null;
  /** Sending bank from the QR (short name), for the same purpose. */
  bankShortHint?: string | null;
};

// ---------------------------------------------------------------------------
// Normalisation

const THAI_MARK = '\u0E31\u0E34-\u0E3A\u0E47-\u0E4E';
const MARK_RE = new RegExp(`[${THAI_MARK}]`);

/**
 * Repairs what tesseract (and some keyboards) do to Thai: sara am written as
 * nikhahit + sara aa (`ํา`, U+0E4D U+0E32), a tone mark on the wrong side of
 * sara am, two sara e for sara ae, doubled marks. Also strips zero-width
 * characters and folds odd spaces, keeping line breaks.
 */
export function normalizeThaiText(input: string): string {
  let s = input.normalize('NFC');
  s = s.replace(/[\u200B-\u200D\u2060\uFEFF]/g, '');
  // ํ + (tone) + า → (tone) + ำ, e.g. "จํานวน" → "จำนวน", "น้ํา" → "น้ำ".
  s = s.replace(/\u0E4D([\u0E48-\u0E4B]?)\u0E32/g, '$1\u0E33');
  s = s.replace(/([\u0E48-\u0E4B])\u0E4D\u0E32/g, '$1\u0E33');
  // ำ followed by its tone mark → tone mark first, the order Unicode expects.
  s = s.replace(/\u0E33([\u0E48-\u0E4B])/g, '$1\u0E33');
  s = s.replace(/\u0E40\u0E40/g, '\u0E41');
  s = s.replace(new RegExp(`([${THAI_MARK}])\\1+`, 'g'), '$1');
  s = s.replace(/[\u00A0\u2000-\u200A\u202F\u3000\t]/g, ' ');
  s = s.replace(/[\u2018\u2019]/g, "'").replace(/[\u201C\u201D]/g, '"');
  s = s.replace(/\r\n?/g, '\n');
  return s;
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/ {2,}/g, '  ').trim());
}

// ---------------------------------------------------------------------------
// Amount

const AMOUNT_LABEL = /จำนวนเงิน|จำนวน|ยอดเงิน|ยอดโอน|ยอดชำระ|ยอดรวม|amount|total/i;
const FEE_LABEL = /ค่าธรรมเนียม|ค่าบริการ|\bfee\b/i;
const BALANCE_LABEL = /ยอดคงเหลือ|คงเหลือ|balance/i;
const CURRENCY_AFTER = /^\s*(บาท|บ\.|THB|Baht)/i;
const CURRENCY_BEFORE = /(฿|THB)\s*$/i;
// Grouped with commas, or plain; two decimals; OCR sometimes reads the
// decimal point as a comma, so either is accepted before the last two digits.
const MONEY_RE = /(?<![\d.,])(\d{1,3}(?:,\s?\d{3})+|\d{1,9})[.,](\d{2})(?![\d]|[.,]\d)/g;
const HAS_MONEY = new RegExp(MONEY_RE.source);

/** "1,250.00" → 125000 satang, or null when it is not a money figure. */
export function parseMoneyToSatang(text: string): number | null {
  const match = /^\s*(?:฿|THB)?\s*(\d{1,3}(?:,\d{3})+|\d+)[.,](\d{2})\s*(?:บาท|THB|฿)?\s*$/i.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const baht = Number(match[1].replace(/,/g, ''));
  const satang = Number(match[2]);
  if (!Number.isSafeInteger(baht)) return null;
  return baht * 100 + satang;
}

type MoneyCandidate = { satang: number; line: number; index: number; score: number; labelled: boolean };

export function extractAmount(text: string): { satang: number; labelled: boolean } | null {
  const ls = lines(text);
  const candidates: MoneyCandidate[] = [];
  ls.forEach((line, i) => {
    for (const m of line.matchAll(MONEY_RE)) {
      if (!m[1] || !m[2]) continue;
      const baht = Number(m[1].replace(/[,\s]/g, ''));
      const satang = baht * 100 + Number(m[2]);
      const before = line.slice(0, m.index);
      const after = line.slice(m.index + m[0].length);
      // Times ("14:05", "14.05 น." after a date) and dates are not money.
      if (/[:/]\s*$/.test(before) || /^[:/]/.test(after)) continue;
      if (/^\s*น\./.test(after) || /\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}[\s,\-]*$/.test(before)) continue;
      let score = 0;
      let labelled = false;
      const labelBefore = AMOUNT_LABEL.exec(before);
      if (labelBefore && !FEE_LABEL.test(before)) {
        score += 6;
        labelled = true;
      } else if (!AMOUNT_LABEL.test(line)) {
        // Label on its own line just above (K PLUS, Krungthai): "จำนวน:" then the figure.
        for (let back = 1; back <= 2; back++) {
          const prev = ls[i - back];
          if (prev === undefined) break;
          if (HAS_MONEY.test(prev)) break;
          if (AMOUNT_LABEL.test(prev) && !FEE_LABEL.test(prev)) {
            score += back === 1 ? 5 : 3;
            labelled = true;
            break;
          }
          if (FEE_LABEL.test(prev)) {
            score -= 8;
            break;
          }
        }
      }
      if (FEE_LABEL.test(before) || (FEE_LABEL.test(line) && !labelled)) score -= 10;
      if (BALANCE_LABEL.test(line)) score -= 10;
      if (CURRENCY_AFTER.test(after) || CURRENCY_BEFORE.test(before)) {
        score += 2;
        labelled = true;
      }
      if (satang === 0) score -= 20;
      candidates.push({ satang, line: i, index: m.index, score, labelled });
    }
  });
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => b.score - a.score || b.satang - a.satang);
  const best = candidates[0];
  if (!best || best.satang === 0 || best.score < -5) return null;
  return { satang: best.satang, labelled: best.labelled };
}

// ---------------------------------------------------------------------------
// Date and time

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

/** Edit distance in which adding or dropping a Thai vowel or tone mark is cheap. */
function weightedDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  const cost = (ch: string | undefined): number => (ch && MARK_RE.test(ch) ? 0.3 : 1);
  for (let i = 1; i < rows; i++) d[i * cols] = at(i - 1, 0) + cost(a[i - 1]);
  for (let j = 1; j < cols; j++) d[j] = at(0, j - 1) + cost(b[j - 1]);
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const ca = a[i - 1];
      const cb = b[j - 1];
      const sub = ca === cb ? 0 : MARK_RE.test(ca ?? '') && MARK_RE.test(cb ?? '') ? 0.3 : 1;
      d[i * cols + j] = Math.min(at(i - 1, j) + cost(ca), at(i, j - 1) + cost(cb), at(i - 1, j - 1) + sub);
    }
  }
  return at(rows - 1, cols - 1);
}

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
  // "24 0.9. 2569" (มิ.ย. misread): day and year, month lost.
  const garbled = /(?<!\d)(\d{1,2})\s+(\S{1,10}?)\s*,?\s*(\d{4}|\d{2})$/.exec(head);
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

type PartialDate = { day: number | null; year: number | null; hour: number; minute: number; second: number };

/** Every printed "date + time" on the slip, plus times whose month OCR lost. */
function findDates(text: string): { full: DateParts[]; partial: PartialDate[] } {
  const ls = lines(text);
  const full: DateParts[] = [];
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
      if (date?.kind === 'full') full.push({ day: date.day, month: date.month, year: date.year, hour, minute, second });
      else if (date?.kind === 'partial') partial.push({ day: date.day, year: date.year, hour, minute, second });
    }
  });
  return { full, partial };
}

type RefDate = { year: number | null; month: number; day: number; hour: number | null; minute: number | null };

function dayOfYearToDate(year: number, doy: number): { month: number; day: number } | null {
  const d = new Date(Date.UTC(year, 0, doy));
  if (d.getUTCFullYear() !== year) return null;
  return { month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The date many Thai banks build into a transaction reference (SCB and ttb
 * start with yyyymmdd, BBL/KTB/GSB with yymmdd, Krungsri with BAYM +
 * yymmddHHMM, K PLUS with 0 + day-of-year + HHMMSS). Used only to fill in a
 * month the OCR could not read, never to overrule a date it did read.
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
      if (m && ok(2000 + n(m[1]), n(m[2]), n(m[3]))) {
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
      if (m && ok(2000 + n(m[1]), n(m[2]), n(m[3]))) {
        return { year: 2000 + n(m[1]), month: n(m[2]), day: n(m[3]), hour: n(m[4]), minute: n(m[5]) };
      }
      return null;
    }
    case 'KBANK': {
      const m = /^0(\d{3})(\d{2})(\d{2})\d{2}/.exec(transRef);
      if (!m) return null;
      // Day-of-year without a year: resolved against the year OCR read.
      const doy = n(m[1]);
      if (doy < 1 || doy > 366) return null;
      return { year: null, month: 0, day: doy, hour: n(m[2]), minute: n(m[3]) };
    }
    default:
      return null;
  }
}

export function extractDatetime(
  text: string,
  opts: ExtractOptions = {},
): { datetime: Date; source: 'text' | 'text+ref' } | null {
  const { full, partial } = findDates(text);
  for (const d of full) {
    const date = bangkokToUtc({ year: d.year, month: d.month, day: d.day, hour: d.hour, minute: d.minute, second: d.second });
    if (date) return { datetime: date, source: 'text' };
  }
  if (!opts.transRefHint || partial.length === 0) return null;
  const hint = dateHintFromTransRef(opts.transRefHint, opts.bankShortHint);
  if (!hint) return null;
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
    const date = bangkokToUtc({ year, month, day, hour: p.hour, minute: p.minute, second: p.second });
    if (date) return { datetime: date, source: 'text+ref' };
  }
  return null;
}

// ---------------------------------------------------------------------------
// Transaction reference

export const REF_LABEL =
  /เลขที่รายการ|รหัสอ้างอิง|เลขที่อ้างอิง|หมายเลขอ้างอิง|เลขอ้างอิง|รหัสรายการ|หมายเลขรายการ|reference\s*(?:no|number|id)?|ref\.?\s*(?:no|id)|transaction\s*(?:id|no)/i;

function cleanRef(token: string): string {
  // Letters OCR puts inside a run of digits; bank references do not mix them there.
  return token
    .replace(/(?<=\d)[Oo](?=\d)/g, '0')
    .replace(/(?<=\d)[Il|](?=\d)/g, '1');
}

function refCandidates(segment: string, minLength: number): string[] {
  const found: string[] = [];
  for (const m of segment.matchAll(/[A-Za-z0-9]+/g)) {
    const token = cleanRef(m[0]);
    const digits = token.replace(/\D/g, '').length;
    if (token.length >= minLength && token.length <= 32 && digits >= 4) found.push(token);
  }
  return found;
}

export function extractTransRef(text: string): string | null {
  const ls = lines(text);
  for (let i = 0; i < ls.length; i++) {
    const line = ls[i] ?? '';
    const label = REF_LABEL.exec(line);
    if (!label) continue;
    const rest = line.slice(label.index + label[0].length);
    const same = refCandidates(rest, 10);
    if (same[0]) return same[0];
    for (let next = i + 1; next <= i + 2 && next < ls.length; next++) {
      const candidates = refCandidates(ls[next] ?? '', 10);
      if (candidates[0]) return candidates[0];
    }
  }
  // No label survived OCR: a long reference-shaped token anywhere.
  for (const line of ls) {
    if (/[:/]\d{2}/.test(line) && /\d{1,2}:\d{2}/.test(line)) continue;
    // Masked accounts and e-wallet ids ("xxxxxxxxxxx1234") look the part too.
    const candidates = refCandidates(line, 14).filter((t) => !/[xX]{3,}/.test(t));
    if (candidates[0]) return candidates[0];
  }
  return null;
}

// ---------------------------------------------------------------------------
// Sender and receiver

// Titles and business prefixes a Thai name or shop starts with, as printed.
const TITLES = ['นางสาว', 'น.ส.', 'นาง', 'นาย', 'ด.ช.', 'ด.ญ.', 'ร้าน', 'บจก.', 'บมจ.', 'หจก.', 'บริษัท'];
// Titles distinctive enough to recognise with one letter wrong; "ร้าน" is
// left out, one letter away from "บ้าน" and other ordinary words.
const FUZZY_TITLES = ['นางสาว', 'น.ส.', 'บจก.', 'บมจ.', 'หจก.', 'บริษัท'];
const LATIN_TITLES = /^(MR|MRS|MS|MISS)\.?$/i;
const FROM_LABEL = /(^|\s)(จาก|from)(\s|$)/i;
const TO_LABEL = /(^|\s)(ไปยัง|ไปที่|ถึง|ผู้รับ|to)(\s|$)/i;
// Words that open a line before the name in some layouts.
const LEADING_LABEL = /^(จาก|ไปยัง|ไปที่|ถึง|ผู้โอน|ผู้รับ|from|to)$/i;
const ACCOUNT_RE = /[xX*•%๐0-9](?:[xX*•%๐0-9]|-(?=[xX*•%๐0-9])){6,}/g;

const stripMarks = (s: string): string => s.replace(new RegExp(`[${THAI_MARK}]`, 'g'), '');

/**
 * The title a token stands for. OCR drops or swaps tone marks ("ราน" for
 * "ร้าน") and now and then one letter ("หอก." for "หจก."); titles are a
 * closed set, so a near miss is mapped back to the real one.
 */
function matchTitle(token: string): string | null {
  if (LATIN_TITLES.test(token)) return token;
  const t = token.replace(/\.\s+/g, '.');
  for (const title of TITLES) if (t === title) return title;
  for (const title of TITLES) if (stripMarks(t) === stripMarks(title)) return title;
  for (const title of FUZZY_TITLES) {
    if (Math.abs(t.length - title.length) <= 1 && weightedDistance(t, title) <= 1) return title;
  }
  return null;
}

// Thanthakhat (์) over a final syllable is the mark OCR loses most; these
// endings do not occur without it.
const NAME_REPAIRS: Array<[RegExp, string]> = [
  [/ศักดิ(?![\u0E4C\u0E00-\u0E7F])/g, 'ศักดิ์'],
  [/สวัสดิ(?![\u0E4C\u0E00-\u0E7F])/g, 'สวัสดิ์'],
];

function cleanName(title: string, rest: string): string | null {
  // A name is Thai or Latin words; stop at a bank line, digits or a wide gap.
  let s = rest.split(/\s{2,}|\s(?:ธ\.|ธนาคาร)|[0-9๐-๙@©®|]/)[0] ?? '';
  s = s.replace(/[^\u0E00-\u0E7FA-Za-z.()&' -]/g, '').replace(/\s+/g, ' ').trim();
  s = s.replace(/[\s.-]+$/, '');
  const letters = s.replace(/[^\u0E01-\u0E2EA-Za-z]/g, '');
  if (letters.length < 2) return null;
  for (const [re, fix] of NAME_REPAIRS) s = s.replace(re, fix);
  return `${title} ${s}`;
}

function cleanAccount(raw: string): string | null {
  const s = raw.replace(/[*•%๐]/g, 'x');
  const digits = s.replace(/\D/g, '').length;
  // A masked account shows 3-6 digits; a reference or a phone shows them all.
  if (digits < 3 || (digits > 6 && !/x/i.test(s))) return null;
  if (s.replace(/-/g, '').length < 7) return null;
  return s;
}

type NameHit = { line: number; name: string };

function findName(line: string): string | null {
  const tokens = line.replace(/(น|ด)\.\s+(ส|ช|ญ)\./g, '$1.$2.').split(/\s+/).filter(Boolean);
  for (let i = 0; i < Math.min(tokens.length, 4); i++) {
    const raw = tokens[i] ?? '';
    // Leading junk from an avatar or icon: "@", "๑", "®".
    const token = raw.replace(/^[^\u0E01-\u0E2EA-Za-z]+/, '');
    if (!token) continue;
    const title = matchTitle(token);
    if (title) return cleanName(title, tokens.slice(i + 1).join(' ').replace(/ {2,}/g, '  '));
    // The title glued to the name ("นายสมชาย").
    const glued = /^(นางสาว|นาง|นาย|ร้าน|บริษัท)(?=[\u0E01-\u0E2E])/.exec(token);
    if (glued?.[1] && token.length > glued[1].length + 2) {
      return cleanName(glued[1], `${token.slice(glued[1].length)} ${tokens.slice(i + 1).join(' ')}`);
    }
    if (LEADING_LABEL.test(token) || token.length <= 2) continue;
    return null;
  }
  return null;
}

function findNames(ls: string[]): NameHit[] {
  const hits: NameHit[] = [];
  ls.forEach((line, i) => {
    // Two-column layouts put the name at the right: "จาก     นาย ก ข".
    for (const part of line.split(/\s{2,}/)) {
      const name = findName(part);
      if (name) {
        hits.push({ line: i, name });
        return;
      }
    }
  });
  return hits;
}

function findAccounts(ls: string[]): Array<{ line: number; account: string }> {
  const found: Array<{ line: number; account: string }> = [];
  ls.forEach((line, i) => {
    for (const m of line.matchAll(ACCOUNT_RE)) {
      const account = cleanAccount(m[0]);
      if (account) {
        found.push({ line: i, account });
        return;
      }
    }
  });
  return found;
}

export function extractParties(text: string): { sender: SlipParty | null; receiver: SlipParty | null } {
  const ls = lines(text);
  const names = findNames(ls);
  const accounts = findAccounts(ls);
  const accountAfter = (line: number, before: number): string | null =>
    accounts.find((a) => a.line >= line && a.line < before && a.line <= line + 4)?.account ?? null;
  const party = (hit: NameHit | undefined, next: NameHit | undefined): SlipParty | null =>
    hit ? { name: hit.name, account: accountAfter(hit.line, next ? next.line : ls.length) } : null;

  if (names.length >= 2) {
    // Every slip prints the payer's block (name, bank, account) before the
    // payee's.
    return { sender: party(names[0], names[1]), receiver: party(names[1], names[2]) };
  }
  const only = names[0];
  if (!only) return { sender: null, receiver: null };
  // OCR missed one of the two names. The label just above says whose it is;
  // failing that, a name after the first account line is the payee's.
  for (let i = only.line; i >= Math.max(0, only.line - 3); i--) {
    // An account line above closes the previous party's block.
    if (i < only.line && accounts.some((a) => a.line === i)) break;
    const line = ls[i] ?? '';
    const head = i === only.line ? line.slice(0, Math.max(0, line.indexOf(only.name.split(' ')[0] ?? ''))) : line;
    if (TO_LABEL.test(head)) return { sender: null, receiver: party(only, undefined) };
    if (FROM_LABEL.test(head)) return { sender: party(only, undefined), receiver: null };
  }
  const firstAccount = accounts[0];
  if (firstAccount && only.line > firstAccount.line) return { sender: null, receiver: party(only, undefined) };
  return { sender: party(only, undefined), receiver: null };
}

// ---------------------------------------------------------------------------
// Bank

function keywordRegex(keyword: string): RegExp {
  const escaped = keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s*');
  // Latin word-marks must stand alone ("BBL", not "BBLX"); Thai has no spaces.
  return /^[A-Za-z]/.test(keyword)
    ? new RegExp(`(?<![A-Za-z])${escaped}(?![A-Za-z])`, /[a-z]/.test(keyword) ? 'i' : '')
    : new RegExp(escaped);
}

const BANK_PATTERNS = BANKS.map((bank) => ({
  bank,
  app: bank.appKeywords.map(keywordRegex),
  names: bank.nameKeywords.map(keywordRegex),
}));

/**
 * The sending bank named by the slip's text. App names in the header win;
 * otherwise the bank mentioned first, since slips print the payer's bank
 * before the payee's.
 */
export function detectBank(text: string): BankInfo | null {
  const header = lines(text).slice(0, 6).join('\n');
  let best: { bank: BankInfo; pos: number } | null = null;
  for (const { bank, app } of BANK_PATTERNS) {
    for (const re of app) {
      const m = re.exec(header);
      if (m && (!best || m.index < best.pos)) best = { bank, pos: m.index };
    }
  }
  if (best) return best.bank;
  for (const { bank, names } of BANK_PATTERNS) {
    for (const re of names) {
      const m = re.exec(text);
      if (m && (!best || m.index < best.pos)) best = { bank, pos: m.index };
    }
  }
  return best?.bank ?? null;
}

// ---------------------------------------------------------------------------

const SUCCESS_RE = /โอนเงินสำเร็จ|ทำรายการสำเร็จ|รายการสำเร็จ|โอนสำเร็จ|ชำระเงินสำเร็จ|จ่ายบิลสำเร็จ|transfer\s+success|successful/i;
const SLIP_LABELS = [AMOUNT_LABEL, FEE_LABEL, REF_LABEL, FROM_LABEL, TO_LABEL, /วันที่|เวลา|date/i, /ตรวจสอบสลิป|verify/i];

/** Everything the slip's text says, with no knowledge of the image or QR. */
export function extractSlipFields(rawText: string, opts: ExtractOptions = {}): SlipTextFields {
  const text = normalizeThaiText(rawText);
  const amount = extractAmount(text);
  const when = extractDatetime(text, opts);
  const parties = extractParties(text);
  return {
    amount: amount?.satang ?? null,
    amountLabelled: amount?.labelled ?? false,
    datetime: when?.datetime ?? null,
    datetimeSource: when?.source ?? null,
    transRef: extractTransRef(text),
    receiver: parties.receiver,
    sender: parties.sender,
    bank: detectBank(text),
    successMarker: SUCCESS_RE.test(text),
    labelCount: SLIP_LABELS.filter((re) => re.test(text)).length,
  };
}
