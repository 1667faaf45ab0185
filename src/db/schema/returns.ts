import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgEnum, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.ts';
import { customers } from './customers.ts';
import { warehouses } from './inventory.ts';
import { orderLines, orders } from './orders.ts';

export const returnStatus = pgEnum('return_status', ['requested', 'approved', 'rejected', 'received', 'refunded', 'exchanged', 'closed']);
export const returnCondition = pgEnum('return_condition', ['sellable', 'damaged']);

/** A customer's request to send items back (from chat or entered by staff), and what became of it. */
export const returnRequests = pgTable(
  'return_requests',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    status: returnStatus('status').notNull().default('requested'),
    reason: text('reason').notNull(),
    /** Stored photo paths the customer sent with the request. */
    photos: jsonb('photos').$type<string[]>().notNull().default([]),
    decisionNote: text('decision_note'),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    receivedAt: timestamp('received_at', { withTimezone: true }),
    exchangeOrderId: integer('exchange_order_id').references(() => orders.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('return_requests_order_idx').on(t.orderId), index('return_requests_status_idx').on(t.status, t.createdAt)],
);

export const returnLines = pgTable(
  'return_lines',
  {
    id: serial('id').primaryKey(),
    returnId: integer('return_id')
      .notNull()
      .references(() => returnRequests.id, { onDelete: 'cascade' }),
    orderLineId: integer('order_line_id')
      .notNull()
      .references(() => orderLines.id),
    qty: integer('qty').notNull(),
    /** Set when the items arrive back. */
    condition: returnCondition('condition'),
    warehouseId: integer('warehouse_id').references(() => warehouses.id),
  },
  (t) => [index('return_lines_return_idx').on(t.returnId), check('return_lines_qty_pos', sql`${t.qty} > 0`)],
);

export type ReturnRequest = typeof returnRequests.$inferSelect;
export type ReturnLine = typeof returnLines.$inferSelect;
export type ReturnStatus = (typeof returnStatus.enumValues)[number];
