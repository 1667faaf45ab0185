/** The checks a slip must pass to mark an order paid without a person looking at it. Pure. */

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
}

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
  if (slip.amount === null) reasons.push('unreadable_amount');
  // More than is owed is a mistake someone must look at (and refund); less is a part payment.
  else if (slip.amount > ctx.owed || slip.amount <= 0) reasons.push('amount');
  else if (slip.amount < ctx.owed) partial = true;
  if ((ctx.receivers.accounts.length > 0 || ctx.receivers.names.length > 0) && !receiverMatches(slip.receiver, ctx.receivers)) {
    reasons.push('receiver');
  }
  if (!slip.datetime) reasons.push('unreadable_date');
  else {
    if (slip.datetime.getTime() < ctx.orderCreatedAt.getTime() - EARLY_TOLERANCE_MS) reasons.push('too_early');
    if (slip.datetime.getTime() > ctx.now.getTime() + FUTURE_TOLERANCE_MS) reasons.push('future');
  }
  if (ctx.refSeenBefore) reasons.push('duplicate_ref');
  if (ctx.imageSeenBefore) reasons.push('duplicate_image');
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

const nameKey = (s: string) =>
  s
    .normalize('NFC')
    .toLowerCase()
    .replace(/^(นาย|นางสาว|นาง|น\.ส\.|mr\.?|mrs\.?|ms\.?|miss)\s*/u, '')
    .replace(/[\s.]/g, '');

export function receiverMatches(receiver: SlipFacts['receiver'], shop: { accounts: string[]; names: string[] }): boolean {
  if (!receiver) return false;
  if (receiver.account && shop.accounts.some((a) => maskedAccountMatches(receiver.account!, a))) return true;
  if (receiver.name) {
    const got = nameKey(receiver.name);
    return shop.names.some((n) => {
      const want = nameKey(n);
      return want.length >= 3 && (got.includes(want) || want.includes(got));
    });
  }
  return false;
}
