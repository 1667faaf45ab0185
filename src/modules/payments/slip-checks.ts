/** The checks a slip must pass to mark an order paid without a person looking at it. Pure. */

import { namesMatch } from './slips/names.ts';

export type SlipCheckReason =
  | 'not_slip'
  | 'no_qr'
  | 'qr_crc'
  | 'unreadable_amount'
  | 'amount'
  | 'receiver'
  | 'unreadable_date'
  | 'too_early'
  | 'future'
  | 'duplicate_ref'
  | 'duplicate_image'
  | 'remote_not_found'
  | 'remote_mismatch'
  | 'remote_unavailable';

export interface SlipFacts {
  isSlip: boolean;
  amount: number | null;
  datetime: Date | null;
  transRef: string | null;
  receiver: { name: string | null; account: string | null } | null;
  qr: { payload: string; crcValid: boolean } | null;
  /**
   * The reader's confidence per field (0..1). A field that matters read below REVIEW_BELOW counts
   * as not read: a person checks it rather than the slip passing on a value that may be wrong.
   */
  fieldConfidence?: { amount: number; datetime: number; receiver: number };
}

/** Same as the reader's threshold (slips/cross-check.ts). */
export const REVIEW_BELOW = 0.6;

export interface SlipCheckContext {
  /** What is still owed on the order, in satang. */
  owed: number;
  orderCreatedAt: Date;
  now: Date;
  receivers: { accounts: string[]; names: string[] };
  refSeenBefore: boolean;
  imageSeenBefore: boolean;
}

/** A slip may predate the order a little: customers pay while the bot is still answering. */
export const EARLY_TOLERANCE_MS = 10 * 60_000;
/** Phones' clocks drift; a slip a few minutes "in the future" is not a forgery. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface SlipCheckResult {
  reasons: SlipCheckReason[];
  /** All checks passed but the amount is less than owed: a partial payment. */
  partial: boolean;
}

export function checkSlip(slip: SlipFacts, ctx: SlipCheckContext): SlipCheckResult {
  const reasons: SlipCheckReason[] = [];
  if (!slip.isSlip) return { reasons: ['not_slip'], partial: false };
  if (!slip.qr) reasons.push('no_qr');
  else if (!slip.qr.crcValid) reasons.push('qr_crc');
  let partial = false;
  const unsure = (field: 'amount' | 'datetime' | 'receiver'): boolean =>
    slip.fieldConfidence !== undefined && slip.fieldConfidence[field] < REVIEW_BELOW;
  // Where the amount check sits among the reasons: a short slip lists it there once another check fails.
  const amountAt = reasons.length;
  if (slip.amount === null || unsure('amount')) reasons.push('unreadable_amount');
  // More than is owed is a mistake someone must look at (and refund); less is a part payment.
  else if (slip.amount > ctx.owed || slip.amount <= 0) reasons.push('amount');
  else if (slip.amount < ctx.owed) partial = true;
  if (ctx.receivers.accounts.length > 0 || ctx.receivers.names.length > 0) {
    const how = receiverMatch(slip.receiver, ctx.receivers);
    // Account digits are checked digit by digit; a name read unsurely may be a near miss of another.
    if (!how || (how === 'name' && unsure('receiver'))) reasons.push('receiver');
  }
  if (!slip.datetime || unsure('datetime')) reasons.push('unreadable_date');
  else {
    if (slip.datetime.getTime() < ctx.orderCreatedAt.getTime() - EARLY_TOLERANCE_MS) reasons.push('too_early');
    if (slip.datetime.getTime() > ctx.now.getTime() + FUTURE_TOLERANCE_MS) reasons.push('future');
  }
  if (ctx.refSeenBefore) reasons.push('duplicate_ref');
  if (ctx.imageSeenBefore) reasons.push('duplicate_image');
  // A part payment passes alone; beside another failed check the gap is one more thing the person
  // deciding must see, never left out.
  if (partial && reasons.length > 0) reasons.splice(amountAt, 0, 'amount');
  return { reasons, partial: partial && reasons.length === 0 };
}

/**
 * Banks print the receiver's account masked ("xxx-x-x1234-x", "xxx-xxx-1234"). It matches a shop
 * account when, aligned from the right, every printed digit equals the account's digit there.
 */
export function maskedAccountMatches(masked: string, account: string): boolean {
  const m = masked.replace(/[^0-9xX*•]/g, '');
  const digits = account.replace(/\D/g, '');
  const visible = m.replace(/[^0-9]/g, '');
  if (visible.length < 3 || m.length > digits.length + 1) return false;
  // PromptPay phones appear as 10-digit local numbers; accounts may be configured as 0066... or 66...
  const candidates = [digits, digits.replace(/^0066/, '0'), digits.replace(/^66/, '0')];
  return candidates.some((d) => {
    if (m.length > d.length) return false;
    const tail = d.slice(d.length - m.length);
    return [...m].every((c, i) => !/[0-9]/.test(c) || c === tail[i]);
  });
}

/**
 * How a read receiver is the shop's: by the account's visible digits first, else by name, allowing
 * for a wrong letter or two wrong marks (namesMatch); null when neither.
 */
export function receiverMatch(receiver: SlipFacts['receiver'], shop: { accounts: string[]; names: string[] }): 'account' | 'name' | null {
  if (!receiver) return null;
  if (receiver.account && shop.accounts.some((a) => maskedAccountMatches(receiver.account!, a))) return 'account';
  if (receiver.name && shop.names.some((n) => namesMatch(receiver.name!, n))) return 'name';
  return null;
}

export function receiverMatches(receiver: SlipFacts['receiver'], shop: { accounts: string[]; names: string[] }): boolean {
  return receiverMatch(receiver, shop) !== null;
}
