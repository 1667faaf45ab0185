/** The shop approves or rejects a customer's return request; the customer hears either way. */
import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, ReturnRequest } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { appendOrderNote, lockOrderById } from '#src/modules/orders/index.ts';
import { formatReturnNumber, lockReturnForMove, updateReturn } from '#src/modules/returns/index.ts';

export interface DecideReturnInput {
  id: number;
  decision: 'approved' | 'rejected';
  note?: string | undefined;
  actor: string;
  locale: 'th' | 'en';
  now?: Date;
}

export async function decideReturn(db: Db, input: DecideReturnInput, within?: (tx: Tx, ret: ReturnRequest, order: Order) => Promise<void>): Promise<ReturnRequest> {
  return withTransaction(db, async (tx) => {
    const ret = await lockReturnForMove(tx, input.id, input.decision);
    const order = await lockOrderById(tx, ret.orderId);
    if (input.decision === 'rejected' && !input.note) throw new AppError('RETURN_INVALID', 'A rejection needs a reason');
    const updated = await updateReturn(tx, ret.id, {
      status: input.decision,
      decisionNote: input.note ?? null,
      decidedBy: input.actor,
      decidedAt: input.now ?? new Date(),
    });
    const number = formatReturnNumber(ret.id);
    await appendOrderNote(tx, order, input.actor, { event: { kind: 'return.decided', params: { number, decision: input.decision } }, note: input.note });
    await tellCustomer(
      tx,
      order,
      { kind: input.decision === 'approved' ? 'return.approved' : 'return.rejected', returnNumber: number, orderNumber: order.number, note: input.note },
      { fallbackLocale: input.locale },
    );
    if (within) await within(tx, updated, order);
    return updated;
  });
}
