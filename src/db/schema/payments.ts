import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
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
    actor: text('actor').notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('refunds_order_idx').on(t.orderId), index('refunds_status_idx').on(t.status)],
);

export type Payment = typeof payments.$inferSelect;
export type Refund = typeof refunds.$inferSelect;
export type PaymentStatus = (typeof paymentStatus.enumValues)[number];
