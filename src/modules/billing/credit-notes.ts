import { asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '#src/db/client.ts';
import { creditNotes, type CreditNote } from '#src/db/schema/index.ts';
import { nextInSeries } from '#src/db/series.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { invoiceOf, vatIncluded } from './invoices.ts';

/** CN2026-000001: its own gap-free yearly series, apart from the receipts'. */
export function creditNoteNumber(series: string, seq: number): string {
  return `${series}-${String(seq).padStart(6, '0')}`;
}

/**
 * A credit note (ใบลดหนี้) for money taken off an order's receipt (an edit down, a partial refund, a
 * return, a cancellation after payment), in the caller's transaction. None when the order has no
 * receipt yet (the receipt, when issued, shows the new amount) or nothing is left to credit; never
 * more than the receipt still covers. VAT is split as on the receipt (none when it had none).
 */
export async function issueCreditNote(
  tx: Tx,
  orderId: number,
  input: { amount: number; reason: string; timeZone: string; now?: Date },
): Promise<CreditNote | undefined> {
  const invoice = await invoiceOf(tx, orderId);
  if (!invoice || input.amount <= 0) return undefined;
  const [credited] = await tx
    .select({ n: sql<number>`coalesce(sum(${creditNotes.amount}), 0)::bigint` })
    .from(creditNotes)
    .where(eq(creditNotes.invoiceId, invoice.id));
  const amount = Math.min(input.amount, invoice.total - Number(credited!.n));
  if (amount <= 0) return undefined;
  const now = input.now ?? new Date();
  const series = `CN${localDate(now, input.timeZone).slice(0, 4)}`;
  const seq = await nextInSeries(tx, series);
  const [note] = await tx
    .insert(creditNotes)
    .values({
      orderId,
      invoiceId: invoice.id,
      series,
      seq,
      number: creditNoteNumber(series, seq),
      amount,
      vat: invoice.vat > 0 ? vatIncluded(amount).vat : 0,
      reason: input.reason,
      issuedAt: now,
    })
    .returning();
  return note;
}

export function creditNotesOf(db: DbOrTx, orderId: number): Promise<CreditNote[]> {
  return db.select().from(creditNotes).where(eq(creditNotes.orderId, orderId)).orderBy(asc(creditNotes.id));
}
