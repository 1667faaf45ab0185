import { check, index, integer, pgEnum, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.ts';
import { warehouses } from './inventory.ts';
import { orderLines, orders } from './orders.ts';
import { sql } from 'drizzle-orm';

export const shipmentStatus = pgEnum('shipment_status', ['pending', 'shipped', 'delivered', 'returned']);

export const shipments = pgTable(
  'shipments',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    warehouseId: integer('warehouse_id').references(() => warehouses.id),
    /** Null while a planned parcel (a split order) waits to be shipped. */
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    status: shipmentStatus('status').notNull().default('shipped'),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('shipments_order_idx').on(t.orderId), index('shipments_tracking_idx').on(t.trackingNumber)],
);

/**
 * Which lines (and how many of each) travel in a parcel. An order shipped in one parcel has no rows
 * here: the parcel holds everything. A split order has one row per line per parcel.
 */
export const shipmentLines = pgTable(
  'shipment_lines',
  {
    id: serial('id').primaryKey(),
    shipmentId: integer('shipment_id')
      .notNull()
      .references(() => shipments.id, { onDelete: 'cascade' }),
    orderLineId: integer('order_line_id')
      .notNull()
      .references(() => orderLines.id, { onDelete: 'cascade' }),
    qty: integer('qty').notNull(),
  },
  (t) => [index('shipment_lines_shipment_idx').on(t.shipmentId), check('shipment_lines_qty_pos', sql`${t.qty} > 0`)],
);

export type ShipmentLine = typeof shipmentLines.$inferSelect;
export type Shipment = typeof shipments.$inferSelect;
