import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import { orders, refunds, type Order, type Refund } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { appendOrderNote } from '#src/modules/orders/index.ts';
import { inspectImage } from '#src/modules/payments/image-guard.ts';

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

/** Where refund slip photos live, relative to DATA_DIR; `refunds.slip_path` is always relative to DATA_DIR and under here. */
export const REFUND_SLIPS_DIR = 'refund-slips';

/**
 * Keeps a refund slip photo under DATA_DIR/refund-slips, readable by the app's user only, and returns the
 * path to store in `refunds.slip_path` (relative to DATA_DIR). The bytes are checked first unless the
 * caller passes the format `checkRefundSlip` already found; a bad image throws REFUND_SLIP_INVALID.
 */
export async function saveRefundSlip(dataDir: string, bytes: Buffer, opts: { prefix: string; format?: 'jpeg' | 'png' | 'webp' }): Promise<string> {
  const format = opts.format ?? (await checkRefundSlip(bytes));
  await mkdir(path.join(dataDir, REFUND_SLIPS_DIR), { recursive: true });
  const relative = path.posix.join(REFUND_SLIPS_DIR, `${opts.prefix}-${randomUUID()}.${format === 'jpeg' ? 'jpg' : format}`);
  await writeFile(path.join(dataDir, relative), bytes, { mode: 0o600 });
  return relative;
}

/** Removes a slip kept by `saveRefundSlip` whose refund was never written. */
export async function removeRefundSlip(dataDir: string, slipPath: string): Promise<void> {
  const file = refundSlipFile(dataDir, slipPath);
  if (file) await rm(file, { force: true });
}

/**
 * The file of a stored slip path, or undefined when it would lie outside DATA_DIR/refund-slips (whatever
 * a row says, nothing else is ever read). Rows written before slip paths were made relative hold an
 * absolute path; it is accepted only when it, too, lies under DATA_DIR/refund-slips.
 */
export function refundSlipFile(dataDir: string, slipPath: string | null | undefined): string | undefined {
  if (!slipPath) return undefined;
  const root = path.resolve(dataDir, REFUND_SLIPS_DIR);
  const file = path.isAbsolute(slipPath) ? path.resolve(slipPath) : path.resolve(dataDir, slipPath);
  return file.startsWith(root + path.sep) ? file : undefined;
}

/** The content type of a slip file, by the extension `saveRefundSlip` gave it. */
export function refundSlipType(file: string): 'image/png' | 'image/webp' | 'image/jpeg' {
  return /\.png$/i.test(file) ? 'image/png' : /\.webp$/i.test(file) ? 'image/webp' : 'image/jpeg';
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
  const slipPath = input.slip ? await saveRefundSlip(input.dataDir, input.slip, { prefix: String(input.refundId) }) : undefined;
  try {
    const result = await withTransaction(db, async (tx): Promise<PayRefundResult> => {
      const [updated] = await tx
        .update(refunds)
        // A slip sent with the return's refund stays unless a new one replaces it.
        .set({ status: 'paid', paidAt: new Date(), method: input.method, reference: input.reference ?? null, ...(slipPath ? { slipPath } : {}) })
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
    if (!result.paid && slipPath) await removeRefundSlip(input.dataDir, slipPath);
    return result;
  } catch (err) {
    if (slipPath) await removeRefundSlip(input.dataDir, slipPath);
    throw err;
  }
}
