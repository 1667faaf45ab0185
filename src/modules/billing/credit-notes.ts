import { asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '#src/db/client.ts';
import { creditNotes, debitNotes, invoices, type CreditNote, type DebitNote, type Invoice } from '#src/db/schema/index.ts';
import { nextInSeries } from '#src/db/series.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { invoiceNumber, invoiceOf, vatIncluded } from './invoices.ts';

export type NoteKind = 'credit' | 'debit';
const tables = { credit: creditNotes, debit: debitNotes } as const;
/** CN2026-000001 / DN2026-000001: each kind of note its own gap-free yearly series, apart from the receipts'. */
const prefixes = { credit: 'CN', debit: 'DN' } as const;

/** What a receipt covers now: its total, less its credit notes, plus its debit notes. */
export async function receiptCovers(db: DbOrTx, invoice: Invoice): Promise<number> {
  const { rows } = await db.execute<{ n: string }>(sql`
    select ${invoice.total}::bigint
           - coalesce((select sum(amount) from credit_notes where invoice_id = ${invoice.id}), 0)
           + coalesce((select sum(amount) from debit_notes where invoice_id = ${invoice.id}), 0) as n`);
  return Number(rows[0]!.n);
}

interface NoteInput {
  amount: number;
  reason: string;
  timeZone: string;
  now?: Date;
}

async function issueNote(tx: Tx, kind: NoteKind, invoice: Invoice, amount: number, input: NoteInput) {
  const now = input.now ?? new Date();
  const series = `${prefixes[kind]}${localDate(now, input.timeZone).slice(0, 4)}`;
  const seq = await nextInSeries(tx, series);
  const [note] = await tx
    .insert(tables[kind])
    .values({
      orderId: invoice.orderId,
      invoiceId: invoice.id,
      series,
      seq,
      number: invoiceNumber(series, seq),
      amount,
      vat: invoice.vat > 0 ? vatIncluded(amount).vat : 0,
      reason: input.reason,
      issuedAt: now,
    })
    .returning();
  return note!;
}

/**
 * A credit note (ใบลดหนี้) for money taken off an order's receipt (an edit down, a partial refund, a
 * return, a cancellation after payment), in the caller's transaction. None when the order has no
 * receipt yet (the receipt, when issued, shows the new amount) or nothing is left to credit; never
 * more than the receipt still covers (debit notes included). VAT is split as on the receipt (none
 * when it had none).
 */
export async function issueCreditNote(tx: Tx, orderId: number, input: NoteInput): Promise<CreditNote | undefined> {
  const invoice = await invoiceOf(tx, orderId);
  if (!invoice || input.amount <= 0) return undefined;
  const amount = Math.min(input.amount, await receiptCovers(tx, invoice));
  if (amount <= 0) return undefined;
  return issueNote(tx, 'credit', invoice, amount, input);
}

/**
 * A debit note (ใบเพิ่มหนี้) for money added to an order's receipt (an edit up after it was issued), in
 * the caller's transaction; the receipt keeps its number and amounts. None when the order has no
 * receipt yet (it will show the new amount). VAT split as on the receipt.
 */
export async function issueDebitNote(tx: Tx, orderId: number, input: NoteInput): Promise<DebitNote | undefined> {
  const invoice = await invoiceOf(tx, orderId);
  if (!invoice || input.amount <= 0) return undefined;
  return issueNote(tx, 'debit', invoice, input.amount, input);
}

export function creditNotesOf(db: DbOrTx, orderId: number): Promise<CreditNote[]> {
  return db.select().from(creditNotes).where(eq(creditNotes.orderId, orderId)).orderBy(asc(creditNotes.id));
}

export function debitNotesOf(db: DbOrTx, orderId: number): Promise<DebitNote[]> {
  return db.select().from(debitNotes).where(eq(debitNotes.orderId, orderId)).orderBy(asc(debitNotes.id));
}

/**
 * A credit or debit note by its number (CN… or DN…) as its printed document needs it: its kind, the
 * receipt it refers to, and what the receipt covered before it and after it (the "value as it was" and
 * "as it should be" a Thai credit or debit note shows beside the difference).
 */
export async function findNote(db: DbOrTx, number: string) {
  const kind: NoteKind | undefined = number.startsWith(prefixes.credit) ? 'credit' : number.startsWith(prefixes.debit) ? 'debit' : undefined;
  if (!kind) return undefined;
  const table = tables[kind];
  const [note] = await db.select().from(table).where(eq(table.number, number));
  if (!note) return undefined;
  const [invoice] = await db.select().from(invoices).where(eq(invoices.id, note.invoiceId));
  // Notes issued before this one (and, at the same moment, of the same kind with a lower id).
  const earlier = (t: typeof creditNotes | typeof debitNotes) => sql`coalesce((select sum(amount) from ${t} n where n.invoice_id = ${note.invoiceId}
      and (n.issued_at < ${note.issuedAt} or (n.issued_at = ${note.issuedAt} and ${t === table ? sql`n.id < ${note.id}` : sql`false`}))), 0)`;
  const { rows } = await db.execute<{ n: string }>(sql`select ${invoice!.total}::bigint - ${earlier(creditNotes)} + ${earlier(debitNotes)} as n`);
  const before = Number(rows[0]!.n);
  return { kind, note, invoice: invoice!, before, after: kind === 'credit' ? before - note.amount : before + note.amount };
}
