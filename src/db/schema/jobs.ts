import { sql } from 'drizzle-orm';
import { bigserial, index, integer, pgTable, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { productVariants } from './catalog.ts';
import { customers } from './customers.ts';
import { orders } from './orders.ts';

/** A reorder reminder sent: one per customer, product and purchase, and at most one a week per customer. */
export const reorderReminders = pgTable(
  'reorder_reminders',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'cascade' }),
    lastOrderId: integer('last_order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('reorder_reminders_once_key').on(t.customerId, t.variantId, t.lastOrderId),
    index('reorder_reminders_customer_idx').on(t.customerId, t.sentAt),
  ],
);

/** A low-stock alert: open while the SKU stays below its threshold, so the merchant hears once per crossing. */
export const lowStockAlerts = pgTable(
  'low_stock_alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'cascade' }),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull(),
    clearedAt: timestamp('cleared_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('low_stock_alerts_open_key').on(t.variantId).where(sql`${t.clearedAt} is null`)],
);
