import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order } from '#src/db/schema/index.ts';
import { tellCustomer, type ChatAddress } from '#src/modules/notify/index.ts';
import { appendOrderNote, lockOrder } from '#src/modules/orders/index.ts';

export interface MessageCustomerInput {
  number: string;
  text: string;
  actor: string;
  /** Names this message: the same id sent twice (a double click, a resent form) is queued once. */
  messageId: string;
  /** The shop's language, for customers who never told us theirs. */
  locale: 'th' | 'en';
}

export type MessageCustomerResult =
  | { queued: true; order: Order; target: ChatAddress }
  | { queued: false; order: Order; reason: 'no_chat' | 'duplicate' };

/**
 * A message written by staff to the customer of an order, queued to the chat the order came from
 * (else the one they used last) through the outbox, and noted in the order's history.
 */
export async function messageCustomer(
  db: Db,
  input: MessageCustomerInput,
  within?: (tx: Tx, order: Order, target: ChatAddress) => Promise<void>,
): Promise<MessageCustomerResult> {
  return withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.number);
    const told = await tellCustomer(
      tx,
      order,
      { kind: 'chat.messages', messages: [{ type: 'text', text: input.text }], by: 'staff' },
      { once: input.messageId, fallbackLocale: input.locale },
    );
    const target = told.to;
    if (!target) return { queued: false, order, reason: 'no_chat' };
    if (!told.queued) return { queued: false, order, reason: 'duplicate' };
    await appendOrderNote(tx, order, input.actor, { event: { kind: 'order.messaged' }, note: input.text });
    if (within) await within(tx, order, target);
    return { queued: true, order, target };
  });
}
