/**
 * A merchant approving the slips under review records what came in, never what was owed: the amount
 * the slips show, or the amount the merchant typed with a reason. Whether that settles the order is
 * the caller's business (paidAmount against the total).
 */
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { paymentSlips, type Order, type Payment } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { paidAmount, recordPayment } from './payments.repository.ts';

export interface SlipApproval {
  /** The amount received in satang; when absent, what the slips under review show. */
  amount?: number | undefined;
  /** Why the amount differs from the slips' (required then). */
  reason?: string | undefined;
  actor: string;
}

export interface ApprovedSlips {
  payment: Payment;
  /** Everything received on the order now, this payment included. */
  paid: number;
  /** What is still owed (0 when covered) and what was paid beyond the total (0 when not over). */
  remaining: number;
  over: number;
}

/** The slips waiting for a decision on an order, oldest first. */
async function slipsUnderReview(tx: Tx, orderId: number) {
  return tx
    .select()
    .from(paymentSlips)
    .where(and(eq(paymentSlips.orderId, orderId), eq(paymentSlips.verdict, 'review')))
    .orderBy(paymentSlips.id);
}

export async function approveReviewedSlips(tx: Tx, order: Order, input: SlipApproval): Promise<ApprovedSlips> {
  const slips = await slipsUnderReview(tx, order.id);
  const shown = slips.length > 0 && slips.every((s) => s.amount !== null) ? slips.reduce((sum, s) => sum + s.amount!, 0) : null;
  const reason = input.reason?.trim() || undefined;
  const amount = input.amount ?? shown;
  if (amount === null || amount <= 0) {
    throw new AppError('SLIP_AMOUNT_UNKNOWN', `Type the amount received for order ${order.number}: the slip shows none`, { orderNumber: order.number });
  }
  if (amount !== shown && !reason) {
    throw new AppError('SLIP_AMOUNT_REASON', `Say why ${amount} was received for order ${order.number} when the slips show ${shown ?? 'nothing'}`, {
      orderNumber: order.number,
      shown,
      amount,
    });
  }
  const refs = slips.map((s) => s.transRef).filter((r): r is string => Boolean(r));
  const payment = await recordPayment(tx, {
    orderId: order.id,
    method: order.paymentMethod === 'cod' ? 'transfer' : order.paymentMethod,
    amount,
    currency: order.currency,
    reference: refs.length > 0 ? refs.join(', ') : undefined,
    actor: input.actor,
    // What the reviewer typed, if anything; the approval itself is the order's event.
    note: reason,
  });
  if (slips.length > 0) {
    await tx
      .update(paymentSlips)
      .set({ verdict: 'approved', paymentId: payment.id, reviewedBy: input.actor, reviewedAt: new Date(), reviewNote: reason })
      .where(and(eq(paymentSlips.orderId, order.id), eq(paymentSlips.verdict, 'review')));
  }
  const paid = await paidAmount(tx, order.id);
  return { payment, paid, remaining: Math.max(0, order.total - paid), over: Math.max(0, paid - order.total) };
}
