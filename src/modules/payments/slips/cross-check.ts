// One slip's fields settled from everything read: the QR (bank and reference, CRC checked), the
// date and time many references encode, and the printed text, with a confidence per field.
// A printed value that disagrees with what the QR or reference encodes loses, and the
// disagreement is reported: a confident wrong value is worse than an empty one. Pure.

import { extractAmount } from './amount.ts';
import { dateHintFromTransRef, findPrintedDate, settleDatetime, type RefSource } from './dates.ts';
import { extractParties } from './names.ts';
import type { SlipQr } from './slip-qr.ts';
import { detectBank, extractTransRef, SLIP_LABELS, SUCCESS_RE, type SlipParty } from './slip-text.ts';
import { lines } from './thai.ts';

export type SlipField = 'bank' | 'amount' | 'datetime' | 'transRef' | 'receiver';

/** A field that matters for a payment, read with less confidence than this, goes to a person. */
import { REVIEW_BELOW } from '../slip-checks.ts';

export { REVIEW_BELOW };

type Settled<T> = { value: T | null; confidence: number };

export type Disagreement = { field: 'bank' | 'datetime' | 'transRef'; printed: string; encoded: string };

export type SettledFields = {
  bank: Settled<string>;
  amount: Settled<number>;
  datetime: Settled<Date>;
  transRef: Settled<string>;
  receiver: Settled<SlipParty>;
  sender: SlipParty | null;
  disagreements: Disagreement[];
  /** The text alone reads as a transfer slip (amount, labels, a date or reference or bank). */
  looksLikeSlip: boolean;
  isSlip: boolean;
  successMarker: boolean;
  labelCount: number;
  ocrConfidence: number;
  /** 0..1, the reading as a whole. */
  overall: number;
};

export type SettleInput = {
  /** Normalised OCR text, one OCR line per text line. */
  text: string;
  /** Tesseract's confidence (0-100) for each text line. */
  lineConfidence: number[];
  /** Each text line's height in pixels, where known: slips print the amount bigger than the rest. */
  lineHeight?: number[];
  qr: SlipQr | null;
  ocrConfidence: number;
  /** The printed reference read again on its own (a second pass), with tesseract's confidence. */
  refFromLine?: { text: string; confidence: number } | null;
};

/** How much a line's OCR confidence lets a value read from it be trusted. */
function lineFactor(confidence: number | undefined): number {
  if (confidence === undefined) return 0.9;
  if (confidence >= 75) return 1;
  if (confidence >= 55) return 0.9;
  return 0.75;
}

/**
 * How well a printed reference checks out: it encodes a date the bank's way (+1), and that date
 * is the printed one (+2). The same checks decide whether a second reading may replace the first.
 */
export function refScore(ref: string | null, bank: string | null, text: string): number {
  if (!ref) return -1;
  const hint = dateHintFromTransRef(ref, bank);
  if (!hint) return 0;
  const printed = findPrintedDate(text);
  if (!printed) return 1;
  if (hint.month === 0) return 1;
  return hint.month === printed.month && hint.day === printed.day ? 3 : 1;
}

function chooseRef(input: SettleInput, bank: string | null): Settled<string> & { disagreement: Disagreement | null } {
  const { qr, text } = input;
  const printed = extractTransRef(text);
  if (qr) {
    const disagreement =
      qr.crcValid && printed && printed !== qr.transRef ? { field: 'transRef' as const, printed, encoded: qr.transRef } : null;
    return { value: qr.transRef, confidence: qr.crcValid ? 1 : 0.5, disagreement };
  }
  let best = { value: printed, score: refScore(printed, bank, text) };
  const again = input.refFromLine ?? null;
  let differ = false;
  // A second reading replaces the first only when it checks out at least as
  // well: it is the reading made for references (English letters and digits
  // only, the line alone at full size). Two readings that differ are each
  // trusted less.
  if (again && again.text !== printed) {
    const score = refScore(again.text, bank, text);
    differ = printed !== null;
    if (score > best.score || (score === best.score && score >= 1)) best = { value: again.text, score };
  }
  if (!best.value) return { value: null, confidence: 0, disagreement: null };
  const confidence = (best.score >= 3 ? 0.85 : best.score >= 1 ? 0.65 : 0.5) - (differ ? 0.1 : 0);
  return { value: best.value, confidence, disagreement: null };
}

const receiverLine = (ls: string[], name: string | null): number => {
  const word = name?.split(' ').find((w, i) => i > 0 && w.length >= 2);
  return word ? ls.findIndex((l) => l.includes(word)) : -1;
};

export function settleFields(input: SettleInput): SettledFields {
  const { text, qr, lineConfidence } = input;
  const ls = lines(text);
  const disagreements: Disagreement[] = [];

  // Bank: the QR's code, when its CRC holds.
  const textBank = detectBank(text);
  let bank: Settled<string>;
  if (qr?.bankShort) {
    bank = { value: qr.bankShort, confidence: qr.crcValid ? 1 : 0.5 };
    if (qr.crcValid && textBank && textBank.short !== qr.bankShort) {
      disagreements.push({ field: 'bank', printed: textBank.short, encoded: qr.bankShort });
    }
  } else {
    bank = textBank ? { value: textBank.short, confidence: 0.75 } : { value: null, confidence: 0 };
  }

  const ref = chooseRef(input, bank.value);
  if (ref.disagreement) disagreements.push(ref.disagreement);
  const transRef: Settled<string> = { value: ref.value, confidence: ref.confidence };

  // Date and time, against what the reference encodes: the QR's, or a
  // printed one that checks out (its encoded date matches the bank's way).
  let source: RefSource | null = null;
  if (qr?.crcValid) source = { transRef: qr.transRef, bank: qr.bankShort, from: 'qr' };
  else if (!qr && transRef.value && bank.value && dateHintFromTransRef(transRef.value, bank.value)) {
    source = { transRef: transRef.value, bank: bank.value, from: 'printed' };
  }
  const when = settleDatetime(text, source);
  if (when.disagreement) disagreements.push({ field: 'datetime', ...when.disagreement });
  const datetime: Settled<Date> = {
    value: when.datetime,
    // A date the reference confirms does not depend on how well its line was read.
    confidence: when.confidence >= 0.95 ? when.confidence : when.confidence * lineFactor(when.line === null ? undefined : lineConfidence[when.line]),
  };

  // Amount: labelled, well-formed, not contested by another figure.
  const found = extractAmount(text);
  let amountConfidence = 0;
  if (found) {
    const heights = (input.lineHeight ?? []).filter((h) => h > 0).sort((x, y) => x - y);
    const median = heights[Math.floor(heights.length / 2)] ?? 0;
    const prominent = median > 0 && (input.lineHeight?.[found.line] ?? 0) >= median * 1.4;
    amountConfidence = found.labelled ? 0.9 : prominent ? 0.85 : 0.65;
    if (found.repaired) amountConfidence = Math.min(amountConfidence, 0.7);
    if (found.contested) amountConfidence -= 0.3;
    if (found.occurrences >= 2) amountConfidence += 0.05;
    amountConfidence *= lineFactor(lineConfidence[found.line]);
  }
  const amount: Settled<number> = { value: found?.satang ?? null, confidence: Math.max(0, Math.min(1, amountConfidence)) };

  // Receiver: a titled name and a masked account, from a line read well.
  const parties = extractParties(text);
  const r = parties.receiver;
  let receiverConfidence = 0;
  if (r) {
    receiverConfidence = (r.name ? 0.5 : 0.2) + (r.account ? 0.3 : 0);
    const at = receiverLine(ls, r.name);
    if (r.name && at >= 0 && (lineConfidence[at] ?? 0) >= 80) receiverConfidence += 0.15;
  }
  const receiver: Settled<SlipParty> = { value: r, confidence: Math.min(0.95, receiverConfidence) };

  const successMarker = SUCCESS_RE.test(text);
  const labelCount = SLIP_LABELS.filter((re) => re.test(text)).length;
  const looksLikeSlip =
    amount.value !== null && (successMarker || labelCount >= 3) && (when.datetime !== null || transRef.value !== null || textBank !== null);
  const isSlip = qr !== null || looksLikeSlip;

  let overall = 0;
  if (qr) overall += qr.crcValid ? 0.35 : 0.1;
  if (amount.value !== null) overall += found?.labelled ? 0.2 : 0.12;
  if (datetime.value) overall += 0.15 * Math.max(0.6, datetime.confidence);
  if (transRef.value) overall += qr && !ref.disagreement ? 0.1 : 0.06;
  if (bank.value) overall += qr && textBank?.short === qr.bankShort ? 0.05 : 0.03;
  if (r?.name) overall += 0.1;
  overall += 0.05 * Math.max(0, Math.min(1, input.ocrConfidence / 100));
  if (!isSlip) overall = Math.min(overall, 0.2);

  return {
    bank,
    amount,
    datetime,
    transRef,
    receiver,
    sender: parties.sender,
    disagreements,
    looksLikeSlip,
    isSlip,
    successMarker,
    labelCount,
    ocrConfidence: input.ocrConfidence,
    overall: Math.min(1, overall),
  };
}

/** Which of two readings of one image says more that hangs together. */
export function slipScore(s: SettledFields): number {
  return (
    s.labelCount +
    (s.successMarker ? 2 : 0) +
    (s.amount.value !== null ? 3 : 0) +
    (s.datetime.value ? 2 : 0) +
    (s.transRef.value ? 1 : 0) +
    (s.receiver.value?.name ? 1 : 0) +
    s.ocrConfidence / 50
  );
}


function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Per field, the surer of two readings; two sure readings that differ leave the field in doubt. */
function pick<T>(a: Settled<T>, b: Settled<T>): Settled<T> {
  if (b.value === null) return a;
  if (a.value === null) return b;
  if (sameValue(a.value, b.value)) return a.confidence >= b.confidence ? a : b;
  const [sure, other] = a.confidence >= b.confidence ? [a, b] : [b, a];
  return { value: sure.value, confidence: Math.min(sure.confidence, REVIEW_BELOW - 0.05 + (sure.confidence - other.confidence)) };
}

/**
 * Two readings of one slip (the same image read with another page layout) made one: a field
 * of the second is taken only where it is surer than the first's, by the same checks.
 */
export function mergeSettled(a: SettledFields, b: SettledFields): SettledFields {
  const amount = pick(a.amount, b.amount);
  const datetime = pick(a.datetime, b.datetime);
  const merged: SettledFields = {
    ...a,
    bank: pick(a.bank, b.bank),
    amount,
    datetime,
    transRef: pick(a.transRef, b.transRef),
    receiver: pick(a.receiver, b.receiver),
    sender: a.sender ?? b.sender,
    disagreements: a.disagreements.length ? a.disagreements : b.disagreements,
    successMarker: a.successMarker || b.successMarker,
    labelCount: Math.max(a.labelCount, b.labelCount),
  };
  merged.looksLikeSlip = a.looksLikeSlip || b.looksLikeSlip || (amount.value !== null && merged.labelCount >= 3);
  merged.isSlip = a.isSlip || b.isSlip || merged.looksLikeSlip;
  merged.overall = Math.max(a.overall, b.overall);
  return merged;
}
