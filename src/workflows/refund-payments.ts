import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from '../db/client.ts';
import { withTransaction } from '../db/client.ts';
import { orders, refunds, type Order, type Refund } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { appendOrderNote } from '../modules/orders/index.ts';
import { inspectImage } from '../modules/payments/image-guard.ts';

export const refundMethods = ['transfer', 'promptpay', 'cash', 'other'] as const;
export type RefundMethod = (typeof refundMethods)[number];

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

/** Checks a refund slip image by its bytes (JPEG, PNG or WebP, size and pixel limits); throws REFUND_SLIP_INVALID. */
export async function checkRefundSlip(bytes: Buffer): Promise<'jpeg' | 'png' | 'webp'> {
  const inspection = await inspectImage(bytes);
  if (!inspection.ok) throw new AppError('REFUND_SLIP_INVALID', inspection.message, { reason: inspection.code });
  return inspection.format;
}

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
  let slipPath: string | undefined;
  if (input.slip) {
    const format = await checkRefundSlip(input.slip);
    const dir = path.join(input.dataDir, 'refund-slips');
    await mkdir(dir, { recursive: true });
    slipPath = path.join('refund-slips', `${input.refundId}-${randomUUID()}.${format === 'jpeg' ? 'jpg' : format}`);
    await writeFile(path.join(input.dataDir, slipPath), input.slip, { mode: 0o600 });
  }
  try {
    const result = await withTransaction(db, async (tx): Promise<PayRefundResult> => {
      const [updated] = await tx
        .update(refunds)
        .set({ status: 'paid', paidAt: new Date(), method: input.method, reference: input.reference ?? null, slipPath: slipPath ?? null })
        .where(and(eq(refunds.id, input.refundId), eq(refunds.status, 'due')))
        .returning();
      if (!updated) {
        const [current] = await tx.select().from(refunds).where(eq(refunds.id, input.refundId));
        return { paid: false, refund: current };
      }
      const [order] = await tx.select().from(orders).where(eq(orders.id, updated.orderId));
      const ref = input.reference ? ` ${input.reference}` : '';
      await appendOrderNote(tx, order!, input.actor, `refund paid: ${(updated.amount / 100).toFixed(2)} ${updated.currency} by ${input.method}${ref}`);
      if (within) await within(tx, updated, order!);
      return { paid: true, refund: updated, order: order! };
    });
    if (!result.paid && slipPath) await rm(path.join(input.dataDir, slipPath), { force: true });
    return result;
  } catch (err) {
    if (slipPath) await rm(path.join(input.dataDir, slipPath), { force: true });
    throw err;
  }
}
