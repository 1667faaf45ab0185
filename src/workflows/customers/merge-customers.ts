// Merging two customer records that are the same person (a LINE and a Telegram account, a phone
// order and a chat): everything that points at the duplicate moves to the kept record in one
// transaction, and the duplicate keeps only a pointer to where it went.

import { eq } from 'drizzle-orm';
import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import { customerAddresses, customerIdentities, customers, orders, reorderReminders, returnRequests, type Customer } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';

export interface MergeResult {
  kept: Customer;
  moved: { identities: number; addresses: number; orders: number; reminders: number; returns: number };
  filled: string[];
}

async function lockCustomer(tx: Tx, id: number): Promise<Customer | undefined> {
  const [row] = await tx.select().from(customers).where(eq(customers.id, id)).for('update');
  return row;
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
    const move = async <T extends typeof customerIdentities | typeof customerAddresses | typeof orders | typeof reorderReminders | typeof returnRequests>(
      table: T,
    ) => {
      const rows = await tx
        .update(table)
        .set({ customerId: keep.id } as never)
        .where(eq(table.customerId, dup.id))
        .returning({ id: table.id });
      return rows.length;
    };
    const moved = {
      identities: await move(customerIdentities),
      addresses: await move(customerAddresses),
      orders: await move(orders),
      reminders: await move(reorderReminders),
      returns: await move(returnRequests),
    };
    const patch: Partial<Customer> = {};
    const filled: string[] = [];
    if (!keep.phone && dup.phone) {
      patch.phone = dup.phone;
      filled.push('phone');
    }
    if (!keep.email && dup.email) {
      patch.email = dup.email;
      filled.push('email');
    }
    if (!keep.language && dup.language) patch.language = dup.language;
    if (!keep.name && dup.name) patch.name = dup.name;
    // A customer who opted out of reminders on either account stays opted out.
    if (dup.reminderOptOut && !keep.reminderOptOut) patch.reminderOptOut = true;
    const [kept] = await tx
      .update(customers)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(customers.id, keep.id))
      .returning();
    await tx.update(customers).set({ mergedIntoId: keep.id, updatedAt: new Date() }).where(eq(customers.id, dup.id));
    const result: MergeResult = { kept: kept!, moved, filled };
    await after?.(tx, result);
    return result;
  });
}
