// Merging two customer records that are the same person (a LINE and a Telegram account, a phone
// order and a chat): everything that points at the duplicate moves to the kept record in one
// transaction, and the duplicate keeps only a pointer to where it went.

import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Customer } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { absorbCustomer, lockCustomer, moveCustomerRecords } from '#src/modules/customers/index.ts';
import { moveOrdersToCustomer } from '#src/modules/orders/index.ts';
import { moveReturnsToCustomer } from '#src/modules/returns/index.ts';

export interface MergeResult {
  kept: Customer;
  moved: { identities: number; addresses: number; orders: number; reminders: number; returns: number };
  filled: string[];
}

/**
 * Moves identities (and with them carts and chat sessions, which hang on the identity), saved
 * addresses, orders, reorder reminders and returns from `duplicateId` to `keepId`; fills the kept
 * record's empty phone and email from the duplicate; marks the duplicate merged. `after` runs in the
 * same transaction (the audit row).
 */
export async function mergeCustomers(
  db: Db,
  input: { keepId: number; duplicateId: number },
  after?: (tx: Tx, result: MergeResult) => Promise<void>,
): Promise<MergeResult> {
  if (input.keepId === input.duplicateId) throw new AppError('CUSTOMER_MERGE_REFUSED', 'A customer cannot be merged with itself', { reason: 'same' });
  return withTransaction(db, async (tx) => {
    // Lock both in id order so two merges of the same pair cannot deadlock.
    const [a, b] = input.keepId < input.duplicateId ? [input.keepId, input.duplicateId] : [input.duplicateId, input.keepId];
    const first = await lockCustomer(tx, a);
    const second = await lockCustomer(tx, b);
    const keep = first?.id === input.keepId ? first : second;
    const dup = first?.id === input.duplicateId ? first : second;
    if (!keep || !dup) throw new AppError('NOT_FOUND', 'No such customer');
    if (keep.mergedIntoId !== null || dup.mergedIntoId !== null) {
      throw new AppError('CUSTOMER_MERGE_REFUSED', 'This customer was already merged into another', { reason: 'merged' });
    }
    const records = await moveCustomerRecords(tx, dup.id, keep.id);
    const moved = {
      identities: records.identities,
      addresses: records.addresses,
      orders: await moveOrdersToCustomer(tx, dup.id, keep.id),
      reminders: records.reminders,
      returns: await moveReturnsToCustomer(tx, dup.id, keep.id),
    };
    const { kept, filled } = await absorbCustomer(tx, keep, dup);
    const result: MergeResult = { kept, moved, filled };
    await after?.(tx, result);
    return result;
  });
}
