// The transfer amount on a slip's text: labelled, well-formed money, in satang.

import { lines } from './thai.ts';

export const AMOUNT_LABEL = /จำนวนเงิน|จำนวน|ยอดเงิน|ยอดโอน|ยอดชำระ|ยอดรวม|amount|total/i;
export const FEE_LABEL = /ค่าธรรมเนียม|ค่าบริการ|\bfee\b/i;
const BALANCE_LABEL = /ยอดคงเหลือ|คงเหลือ|balance/i;
const CURRENCY_AFTER = /^\s*(บาท|บ\.|THB|Baht)/i;
const CURRENCY_BEFORE = /(฿|THB)\s*$/i;
// Grouped with commas, or plain; two decimals; OCR sometimes reads the
// decimal point as a comma, so either is accepted before the last two digits.
const MONEY_RE = /(?<![\d.,])(\d{1,3}(?:,\s?\d{3})+|\d{1,9})[.,](\d{2})(?![\d]|[.,]\d)/g;
const HAS_MONEY = new RegExp(MONEY_RE.source);
// "3.380.00", "12.500,00": thousands groups of exactly three digits with a
// stray dot (or comma) among them, then two decimals. Read one way only.
const STRAY_GROUPING = /(?<![\d.,])(\d{1,3})((?:[.,]\d{3})+)[.,](\d{2})(?![\d]|[.,]\d)/g;

/** Rewrites unambiguous stray separators as "3,380.00"; reports whether it did. */
export function repairMoneyPunctuation(line: string): { line: string; repaired: boolean } {
  let repaired = false;
  const out = line.replace(STRAY_GROUPING, (whole, head: string, groups: string, cents: string) => {
    if (!groups.includes('.') && !whole.endsWith(`,${cents}`)) return whole;
    repaired = true;
    return `${head}${groups.replace(/[.,]/g, ',')}.${cents}`;
  });
  return { line: out, repaired };
}

/** "1,250.00" → 125000 satang, or null when it is not a money figure. */
export function parseMoneyToSatang(text: string): number | null {
  const match = /^\s*(?:฿|THB)?\s*(\d{1,3}(?:,\d{3})+|\d+)[.,](\d{2})\s*(?:บาท|THB|฿)?\s*$/i.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const baht = Number(match[1].replace(/,/g, ''));
  const satang = Number(match[2]);
  if (!Number.isSafeInteger(baht)) return null;
  return baht * 100 + satang;
}

type MoneyCandidate = { satang: number; line: number; index: number; score: number; labelled: boolean; repaired: boolean };

export type AmountFound = {
  satang: number;
  /** Next to an amount label, or a ฿/บาท/THB mark. */
  labelled: boolean;
  /** Index of the text line it was read from. */
  line: number;
  /** Stray punctuation inside the figure was repaired. */
  repaired: boolean;
  /** How many times the same figure appears as a candidate. */
  occurrences: number;
  /** A different figure that scored as well: the text does not say which is the amount. */
  contested: boolean;
};

export function extractAmount(text: string): AmountFound | null {
  const ls = lines(text);
  const candidates: MoneyCandidate[] = [];
  ls.forEach((original, i) => {
    const { line, repaired } = repairMoneyPunctuation(original);
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
      candidates.push({ satang, line: i, index: m.index, score, labelled, repaired });
    }
  });
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => b.score - a.score || b.satang - a.satang);
  const best = candidates[0];
  if (!best || best.satang === 0 || best.score < -5) return null;
  return {
    satang: best.satang,
    labelled: best.labelled,
    line: best.line,
    repaired: best.repaired,
    occurrences: candidates.filter((c) => c.satang === best.satang).length,
    contested: candidates.some((c) => c.satang !== best.satang && c.score >= best.score - 1 && c.score > 0),
  };
}

