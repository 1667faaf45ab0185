import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, Refund } from '#src/db/schema/index.ts';
import { appendOrderNote, findOrderById } from '#src/modules/orders/index.ts';
import { findRefund, payDueRefund, removeRefundSlip, saveRefundSlip, type RefundMethod } from '#src/modules/payments/index.ts';

export interface PayRefundInput {
  refundId: number;
  method: RefundMethod;
  reference?: string | undefined;
  /** A photo of the refund transfer, checked by content before it is kept. */
  slip?: Buffer | undefined;
  actor: string;
  /** Where uploaded files live (DATA_DIR); the slip goes under refund-slips/. */
  dataDir: string;
}

export type PayRefundResult = { paid: true; refund: Refund; order: Order } | { paid: false; refund: Refund | undefined };

/**
 * Marks a refund owed as paid: method, reference, optional slip photo, who and when, and a note in the
 * order's history, in one transaction. The update only takes a refund still due, so a double submit
 * (or two people at once) pays it once; the loser's slip file is removed again.
 */
export async function payRefund(
  db: Db,
  input: PayRefundInput,
  within?: (tx: Tx, refund: Refund, order: Order) => Promise<void>,
): Promise<PayRefundResult> {
  const slipPath = input.slip ? await saveRefundSlip(input.dataDir, input.slip, { prefix: String(input.refundId) }) : undefined;
  try {
    const result = await withTransaction(db, async (tx): Promise<PayRefundResult> => {
      const updated = await payDueRefund(tx, input.refundId, { method: input.method, reference: input.reference, slipPath });
      if (!updated) return { paid: false, refund: await findRefund(tx, input.refundId) };
      const order = await findOrderById(tx, updated.orderId);
      await appendOrderNote(tx, order!, input.actor, {
        event: { kind: 'refund.paid', params: { amount: updated.amount, currency: updated.currency, method: input.method, reference: input.reference } },
      });
      if (within) await within(tx, updated, order!);
      return { paid: true, refund: updated, order: order! };
    });
    if (!result.paid && slipPath) await removeRefundSlip(input.dataDir, slipPath);
    return result;
  } catch (err) {
    if (slipPath) await removeRefundSlip(input.dataDir, slipPath);
    throw err;
  }
}
