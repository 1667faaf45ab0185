import { eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '#src/db/client.ts';
import { invoices, orders, type Invoice } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { nextInSeries } from '#src/db/series.ts';

/** How invoices are made: VAT registration, and the time zone whose year names the series (the shop's live settings). */
export interface BillingOptions {
  vatRegistered: boolean;
  timeZone: string;
}

/** Thai VAT is 7% and shop prices include it: the VAT inside an amount. */
export function vatIncluded(total: number): { net: number; vat: number } {
  const vat = Math.round((total * 7) / 107);
  return { net: total - vat, vat };
}

export function invoiceNumber(series: string, seq: number): string {
  return `${series}-${String(seq).padStart(6, '0')}`;
}

/**
 * The order's receipt / tax invoice, issued once. Its number is the next of a gap-free yearly series
 * (INV2026-000001, ...): the counter row is incremented in the caller's transaction, so a rollback
 * gives the number back and concurrent issuers queue on that one row.
 */
export async function issueInvoice(
  tx: Tx,
  orderId: number,
  opts: BillingOptions & { now?: Date },
): Promise<Invoice> {
  const existing = await tx.select().from(invoices).where(eq(invoices.orderId, orderId));
  if (existing[0]) return existing[0];
  const [order] = await tx.select({ total: orders.total }).from(orders).where(eq(orders.id, orderId)).for('update');
  if (!order) throw new AppError('ORDER_NOT_FOUND', `Order ${orderId} does not exist`);
  // Another transaction may have issued it while we waited for the order's lock.
  const raced = await tx.select().from(invoices).where(eq(invoices.orderId, orderId));
  if (raced[0]) return raced[0];

  const now = opts.now ?? new Date();
  const series = `INV${localDate(now, opts.timeZone).slice(0, 4)}`;
  const seq = await nextInSeries(tx, series);
  const [created] = await tx
    .insert(invoices)
    .values({
      orderId,
      series,
      seq,
      number: invoiceNumber(series, seq),
      total: order.total,
      vat: opts.vatRegistered ? vatIncluded(order.total).vat : 0,
      issuedAt: now,
    })
    .returning();
  return created!;
}

export async function invoiceOf(db: DbOrTx, orderId: number): Promise<Invoice | undefined> {
  const [row] = await db.select().from(invoices).where(eq(invoices.orderId, orderId));
  return row;
}

/**
 * A receipt already issued follows its order's new amount under the same number (an edit, a merge);
 * its VAT stays 0 when the shop was not VAT-registered when it was issued.
 */
export async function retotalInvoice(tx: Tx, orderId: number, total: number): Promise<void> {
  await tx
    .update(invoices)
    .set({ total, vat: sql`case when ${invoices.vat} = 0 then 0 else ${vatIncluded(total).vat} end` })
    .where(eq(invoices.orderId, orderId));
}
