/** A received return is settled with a refund, paid now or put on the refunds-due list; the customer is told. */
import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, Refund, ReturnRequest } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { formatMoney } from '#src/lib/money.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { appendOrderNote, lockOrderById } from '#src/modules/orders/index.ts';
import { recordRefundDue, recordRefundPaid, refundableAmount, type RefundMethod } from '#src/modules/payments/index.ts';
import { formatReturnNumber, lockReturnForMove, updateReturn } from '#src/modules/returns/index.ts';
import { issueCreditNote } from '#src/modules/billing/index.ts';

export interface RefundReturnInput {
  id: number;
  amount: number;
  method: RefundMethod;
  reference?: string | undefined;
  slipPath?: string | undefined;
  /** Pay later: the refund waits on the refunds-due list. */
  later: boolean;
  actor: string;
  locale: 'th' | 'en';
  /** The shop's time zone: the year of the credit note's series. */
  timeZone: string;
}

export async function refundReturn(db: Db, input: RefundReturnInput, within?: (tx: Tx, ret: ReturnRequest, order: Order, refund: Refund) => Promise<void>) {
  return withTransaction(db, async (tx) => {
    const ret = await lockReturnForMove(tx, input.id, 'refunded');
    const order = await lockOrderById(tx, ret.orderId);
    const ceiling = await refundableAmount(tx, order.id);
    if (!Number.isInteger(input.amount) || input.amount <= 0) throw new AppError('RETURN_INVALID', 'A refund must be more than zero');
    if (input.amount > ceiling) {
      throw new AppError('REFUND_TOO_LARGE', `At most ${formatMoney(ceiling, order.currency, 'en')} can be refunded on ${order.number}`, { max: ceiling });
    }
    const number = formatReturnNumber(ret.id);
    const now = new Date();
    // Refunds belong to payments; a return's refund carries its return id and, when paid at once, how it was paid.
    const refundInput = {
      orderId: order.id,
      amount: input.amount,
      currency: order.currency,
      reason: `return ${number}`,
      method: input.method,
      reference: input.reference,
      returnId: ret.id,
      slipPath: input.slipPath,
      actor: input.actor,
    };
    const refund = input.later ? await recordRefundDue(tx, refundInput) : await recordRefundPaid(tx, { ...refundInput, paidAt: now });
    // Money given back on a receipted order: a credit note against its receipt.
    await issueCreditNote(tx, order.id, { amount: input.amount, reason: `return ${number}`, timeZone: input.timeZone });
    const updated = await updateReturn(tx, ret.id, { status: 'refunded' });
    await appendOrderNote(tx, order, input.actor, {
      event: { kind: 'return.refund', params: { number, amount: input.amount, currency: order.currency, due: Boolean(input.later), method: input.method, reference: input.reference } },
    });
    await tellCustomer(
      tx,
      order,
      { kind: 'return.refunded', returnNumber: number, amount: input.amount, currency: order.currency, later: input.later },
      { fallbackLocale: input.locale },
    );
    if (within) await within(tx, updated, order, refund);
    return { ret: updated, refund };
  });
}
