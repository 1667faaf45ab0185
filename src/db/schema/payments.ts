import { sql } from 'drizzle-orm';
import { check, doublePrecision, index, integer, jsonb, pgEnum, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, money, updatedAt } from './columns.ts';
import { orders, paymentMethod } from './orders.ts';

export const paymentStatus = pgEnum('payment_status', ['pending', 'confirmed', 'rejected']);

/** Money received (or to be collected, for cash on delivery) against an order. */
export const payments = pgTable(
  'payments',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    method: paymentMethod('method').notNull(),
    status: paymentStatus('status').notNull().default('pending'),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    reference: text('reference'),
    actor: text('actor').notNull(),
    note: text('note'),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('payments_order_idx').on(t.orderId), check('payments_amount_pos', sql`${t.amount} > 0`)],
);

export const refundStatus = pgEnum('refund_status', ['due', 'paid']);

/** Money owed back to a customer (a paid order cancelled, a return), shown on the refunds-due list until paid. */
export const refunds = pgTable(
  'refunds',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    status: refundStatus('status').notNull().default('due'),
    reason: text('reason').notNull(),
    method: text('method'),
    reference: text('reference'),
    /** The return this refund settles, when it comes from one. */
    returnId: integer('return_id'),
    /** A photo of the refund transfer slip, stored like payment slips. */
    slipPath: text('slip_path'),
    actor: text('actor').notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('refunds_order_idx').on(t.orderId), index('refunds_status_idx').on(t.status)],
);

export type Payment = typeof payments.$inferSelect;
export type Refund = typeof refunds.$inferSelect;
export type PaymentStatus = (typeof paymentStatus.enumValues)[number];

export const slipVerdict = pgEnum('slip_verdict', ['accepted', 'review', 'approved', 'rejected']);

/**
 * Every payment slip a customer sent, with what was read from it and what the checks said. A
 * transaction reference or an image can be accepted once only: the partial unique indexes make
 * "no slip accepted twice" a rule of the database, whatever the concurrency.
 */
export const paymentSlips = pgTable(
  'payment_slips',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    paymentId: integer('payment_id').references(() => payments.id),
    imagePath: text('image_path'),
    imageSha256: text('image_sha256').notNull(),
    bank: text('bank'),
    amount: money('amount'),
    slipAt: timestamp('slip_at', { withTimezone: true }),
    transRef: text('trans_ref'),
    receiver: jsonb('receiver').$type<{ name: string | null; account: string | null } | null>(),
    sender: jsonb('sender').$type<{ name: string | null; account: string | null } | null>(),
    qrPayload: text('qr_payload'),
    qrCrcValid: text('qr_crc_valid').$type<'yes' | 'no' | 'none'>().notNull().default('none'),
    confidence: doublePrecision('confidence').notNull().default(0),
    rawText: text('raw_text').notNull().default(''),
    verdict: slipVerdict('verdict').notNull(),
    /** The checks that failed, as codes (no_qr, qr_crc, amount, receiver, too_early, future, duplicate_ref, ...). */
    reasons: jsonb('reasons').$type<string[]>().notNull().default([]),
    reviewedBy: text('reviewed_by'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewNote: text('review_note'),
    createdAt: createdAt(),
  },
  (t) => [
    index('payment_slips_order_idx').on(t.orderId),
    index('payment_slips_ref_idx').on(t.transRef),
    index('payment_slips_sha_idx').on(t.imageSha256),
    uniqueIndex('payment_slips_accepted_ref_key').on(t.transRef).where(sql`${t.verdict} = 'accepted' and ${t.transRef} is not null`),
    uniqueIndex('payment_slips_accepted_image_key').on(t.imageSha256).where(sql`${t.verdict} = 'accepted'`),
  ],
);

export type PaymentSlip = typeof paymentSlips.$inferSelect;
