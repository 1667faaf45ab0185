import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order } from '#src/db/schema/index.ts';
import { appendOrderNote, lockOrder } from '#src/modules/orders/index.ts';

export interface OrderNoteInput {
  number: string;
  actor: string;
  note: string;
}

/** An internal note on an order; `within` adds the caller's own writes (an audit row) to the same transaction. */
export async function addOrderNote(
  db: Db,
  input: OrderNoteInput,
  within?: (tx: Tx, order: Order) => Promise<void>,
): Promise<Order> {
  return withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.number);
    await appendOrderNote(tx, order, input.actor, input.note);
    if (within) await within(tx, order);
    return order;
  });
}
