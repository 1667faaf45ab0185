import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, money } from './columns.ts';
import { orders } from './orders.ts';

/**
 * Gap-free number series (tax invoices). The next value is taken with UPDATE ... RETURNING in the
 * transaction that uses it, so a rollback gives the number back and concurrent issuers queue on the row.
 */
export const documentCounters = pgTable('document_counters', {
  series: text('series').primaryKey(),
  nextValue: bigint('next_value', { mode: 'number' }).notNull().default(1),
});

/** A receipt / tax invoice: one per order, numbered from a gap-free series when the order is paid (COD: collected). */
export const invoices = pgTable(
  'invoices',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    series: text('series').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** e.g. INV2026-000123 */
    number: text('number').notNull(),
    /** Amounts at issue, in satang: total includes VAT; vat is 0 when the shop is not VAT-registered. */
    total: money('total').notNull(),
    vat: money('vat').notNull().default(0),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('invoices_order_key').on(t.orderId),
    uniqueIndex('invoices_number_key').on(t.number),
    uniqueIndex('invoices_series_seq_key').on(t.series, t.seq),
    index('invoices_issued_idx').on(t.issuedAt),
    check('invoices_vat_nonneg', sql`${t.vat} >= 0`),
  ],
);

export type Invoice = typeof invoices.$inferSelect;

/** The columns and rules of a credit or debit note: the same document, money off or money on a receipt. */
function noteTable<N extends 'credit_notes' | 'debit_notes'>(name: N) {
  return pgTable(
    name,
    {
      id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
      orderId: integer('order_id')
        .notNull()
        .references(() => orders.id),
      invoiceId: integer('invoice_id')
        .notNull()
        .references(() => invoices.id),
      series: text('series').notNull(),
      seq: bigint('seq', { mode: 'number' }).notNull(),
      number: text('number').notNull(),
      amount: money('amount').notNull(),
      vat: money('vat').notNull().default(0),
      reason: text('reason').notNull(),
      issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
      createdAt: createdAt(),
    },
    (t) => [
      uniqueIndex(`${name}_number_key`).on(t.number),
      uniqueIndex(`${name}_series_seq_key`).on(t.series, t.seq),
      index(`${name}_order_idx`).on(t.orderId),
      index(`${name}_issued_idx`).on(t.issuedAt),
      check(`${name}_amount_pos`, sql`${t.amount} > 0`),
      check(`${name}_vat_nonneg`, sql`${t.vat} >= 0`),
    ],
  );
}

/**
 * A credit note (ใบลดหนี้): money taken off a receipt already issued (an order edited down, a partial
 * refund, a return), numbered from its own gap-free yearly series (CN2026-000001), referring to the
 * receipt. Amounts in satang, VAT inside the amount (0 when the shop is not VAT-registered).
 */
export const creditNotes = noteTable('credit_notes');

export type CreditNote = typeof creditNotes.$inferSelect;

/**
 * A debit note (ใบเพิ่มหนี้): money added to a receipt already issued (an order edited up after its
 * receipt), numbered from its own gap-free yearly series (DN2026-000001), referring to the receipt,
 * which keeps its number. Amounts in satang, VAT inside the amount (0 when the receipt had none).
 */
export const debitNotes = noteTable('debit_notes');

export type DebitNote = typeof debitNotes.$inferSelect;
