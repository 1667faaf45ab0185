import type { Config } from '#src/config.ts';
import type { DbOrTx, Tx } from '#src/db/client.ts';
import { pgErrorCode } from '#src/db/client.ts';
import type { Order } from '#src/db/schema/index.ts';
import { isUnpaid } from '#src/modules/orders/index.ts';
import { attachPayment, checkSlip, insertSlip, paidAmount, recordPayment, slipSeenBefore, type SlipCheckReason } from '#src/modules/payments/index.ts';
import type { RemoteSlipVerifier } from '#src/modules/payments/remote-verifier.ts';
import { notifyMerchant } from '#src/modules/notify/index.ts';
import { transitionLockedOrder } from '../orders/transition-order.ts';

export interface SlipReadingInput {
  isSlip: boolean;
  bank: string | null;
  amount: number | null;
  datetime: Date | null;
  transRef: string | null;
  receiver: { name: string | null; account: string | null } | null;
  sender: { name: string | null; account: string | null } | null;
  qr: { payload: string; crcValid: boolean } | null;
  confidence: number;
  rawText: string;
  sha256: string;
}

export type SlipOutcome =
  | { verdict: 'accepted'; order: Order; paid: number; remaining: number }
  | { verdict: 'review'; order: Order; reasons: SlipCheckReason[] };

/**
 * A slip for a locked order awaiting payment: checked, recorded with what was read, and then either
 * a payment (the order is paid once nothing is owed) or a review with the failed checks listed.
 * The accepted-slip unique indexes settle a race between two orders claiming one slip: the loser
 * goes to review as a duplicate.
 */
export async function verifySlip(
  tx: Tx,
  input: {
    order: Order;
    reading: SlipReadingInput;
    imagePath: string | undefined;
    config: Config;
    now: Date;
    /**
     * The bank's answer when a remote verifier is switched on, asked before the transaction by
     * askBankFirst (undefined when it was not asked: the slip then goes to review).
     */
    bank?: { answer: SlipCheckReason[] | undefined } | undefined;
  },
): Promise<SlipOutcome> {
  const { order, reading, config } = input;
  const { owed, check } = await localCheck(tx, order, reading, config, input.now);
  const base = {
    orderId: order.id,
    imagePath: input.imagePath,
    imageSha256: reading.sha256,
    bank: reading.bank,
    amount: reading.amount,
    slipAt: reading.datetime,
    transRef: reading.transRef,
    receiver: reading.receiver,
    sender: reading.sender,
    qrPayload: reading.qr?.payload ?? null,
    qrCrcValid: (reading.qr ? (reading.qr.crcValid ? 'yes' : 'no') : 'none') as 'yes' | 'no' | 'none',
    confidence: reading.confidence,
    rawText: reading.rawText.slice(0, 20_000),
  };

  let reasons = check.reasons;
  if (reasons.length === 0 && input.bank && reading.qr) reasons = input.bank.answer ?? ['remote_unavailable'];
  if (reasons.length === 0) {
    try {
      const accepted = await tx.transaction(async (sp) => {
        const slip = await insertSlip(sp, { ...base, verdict: 'accepted' });
        const payment = await recordPayment(sp, {
          orderId: order.id,
          method: order.paymentMethod === 'cod' ? 'transfer' : order.paymentMethod,
          amount: reading.amount!,
          currency: order.currency,
          reference: reading.transRef ?? undefined,
          actor: 'system:slip',
          note: reading.bank ? `slip from ${reading.bank}` : 'slip',
        });
        await attachPayment(sp, slip.id, payment.id);
        return payment;
      });
      const remaining = owed - accepted.amount;
      let current = order;
      if (remaining <= 0) {
        current = await transitionLockedOrder(tx, order, {
          to: 'paid',
          actor: 'system:slip',
          event: { kind: 'slip.verified', params: { ref: reading.transRef ?? '' } },
          billing: config.shop,
          // The chat reply that carried the slip says it; a second "paid" message would repeat it.
          notify: false,
        });
      }
      return { verdict: 'accepted', order: current, paid: accepted.amount, remaining: Math.max(0, remaining) };
    } catch (err) {
      if (pgErrorCode(err) !== '23505') throw err;
      reasons = ['duplicate_ref'];
    }
  }

  await insertSlip(tx, { ...base, verdict: 'review', reasons });
  let current = order;
  if (isUnpaid(order)) {
    current = await transitionLockedOrder(tx, order, {
      to: 'payment_review',
      actor: 'system:slip',
      event: { kind: 'slip.toCheck', params: { reasons } },
      notify: false,
    });
  }
  await notifyMerchant(tx, config, { kind: 'merchant.slip_review', orderNumber: order.number, reasons }, `slip-review:${order.number}:${reading.sha256.slice(0, 16)}`);
  return { verdict: 'review', order: current, reasons };
}

async function localCheck(db: DbOrTx, order: Order, reading: SlipReadingInput, config: Pick<Config, 'receivers'>, now: Date) {
  const owed = order.total - (await paidAmount(db, order.id));
  const seen = await slipSeenBefore(db, reading.transRef, reading.sha256);
  const check = checkSlip(reading, {
    owed,
    orderCreatedAt: order.createdAt,
    now,
    receivers: config.receivers,
    refSeenBefore: seen.ref,
    imageSeenBefore: seen.image,
  });
  return { owed, check };
}

/**
 * Outside any transaction (a network call): the bank's answer on a slip, asked only when the local
 * checks pass, so a re-used or wrong slip never reaches the bank. Undefined when not asked.
 */
export async function askBankFirst(
  db: DbOrTx,
  input: { order: Order; reading: SlipReadingInput; config: Pick<Config, 'receivers'>; now: Date; remote: RemoteSlipVerifier },
): Promise<SlipCheckReason[] | undefined> {
  if (!input.reading.qr) return undefined;
  const { check } = await localCheck(db, input.order, input.reading, input.config, input.now);
  if (check.reasons.length > 0) return undefined;
  return askRemote(input.remote, input.reading);
}

/** The bank's record must exist and agree with the slip on reference and amount. */
async function askRemote(remote: RemoteSlipVerifier, reading: SlipReadingInput): Promise<SlipCheckReason[]> {
  try {
    const answer = await remote.verify(reading.qr!.payload);
    if (answer.status === 'not_found') return ['remote_not_found'];
    const refOk = !reading.transRef || answer.transRef === reading.transRef;
    return refOk && answer.amount === reading.amount ? [] : ['remote_mismatch'];
  } catch {
    return ['remote_unavailable'];
  }
}
