import { index, integer, pgEnum, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.ts';
import { warehouses } from './inventory.ts';
import { orders } from './orders.ts';

export const shipmentStatus = pgEnum('shipment_status', ['pending', 'shipped', 'delivered', 'returned']);

export const shipments = pgTable(
  'shipments',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    warehouseId: integer('warehouse_id').references(() => warehouses.id),
    carrier: text('carrier').notNull(),
    trackingNumber: text('tracking_number').notNull(),
    status: shipmentStatus('status').notNull().default('shipped'),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('shipments_order_idx').on(t.orderId), index('shipments_tracking_idx').on(t.trackingNumber)],
);

export type Shipment = typeof shipments.$inferSelect;
