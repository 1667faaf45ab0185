// Pulls payment facts out of OCR text from a Thai bank transfer slip: amount,
// date and time, reference, sender, receiver and bank. Pure functions only.

import { BANKS, type BankInfo } from '../banks.ts';
import { AMOUNT_LABEL, extractAmount, FEE_LABEL } from './amount.ts';
import { extractDatetime } from './dates.ts';
import { extractParties, FROM_LABEL, TO_LABEL, type SlipParty } from './names.ts';
import { lines, normalizeThaiText } from './thai.ts';

export type { SlipParty } from './names.ts';

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

export const SUCCESS_RE = /โอนเงินสำเร็จ|ทำรายการสำเร็จ|รายการสำเร็จ|โอนสำเร็จ|ชำระเงินสำเร็จ|จ่ายบิลสำเร็จ|transfer\s+success|successful/i;
export const SLIP_LABELS = [AMOUNT_LABEL, FEE_LABEL, REF_LABEL, FROM_LABEL, TO_LABEL, /วันที่|เวลา|date/i, /ตรวจสอบสลิป|verify/i];

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
