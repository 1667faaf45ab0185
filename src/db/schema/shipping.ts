import { check, index, integer, pgEnum, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.ts';
import { warehouses } from './inventory.ts';
import { orderLines, orders } from './orders.ts';
import { sql } from 'drizzle-orm';

/**
 * pending: a planned parcel of a split order; booking: a parcel number reserved and the carrier being asked
 * (or asked and failed: booking_error says why); shipped: handed over with a typed number; booked and the
 * rest: what the carrier reported last (carrier events), delivered and returned as before.
 */
export const shipmentStatus = pgEnum('shipment_status', [
  'pending',
  'shipped',
  'delivered',
  'returned',
  'booking',
  'booked',
  'picked_up',
  'in_transit',
  'out_for_delivery',
  'failed_attempt',
  'returning',
  'cancelled',
]);

/** A carrier event in our words; exception is news for the merchant only. */
export const carrierEventStatus = pgEnum('carrier_event_status', [
  'booked',
  'picked_up',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'failed_attempt',
  'returning',
  'returned',
  'cancelled',
  'exception',
]);

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
    /** Our parcel reference sent to a booking carrier (Flash outTradeNo): one per parcel, kept across retries. */
    outTradeNo: text('out_trade_no'),
    /** Why the last booking attempt failed, in the carrier's words; null once booked. */
    bookingError: text('booking_error'),
    /** Cash the carrier collects, in satang (0 prepaid), as sent with the booking. */
    codAmount: integer('cod_amount'),
    weightGrams: integer('weight_grams'),
    /** What the carrier wants printed big on the label (Flash sortCode, sortingLineCode, destination store). */
    sortCode: text('sort_code'),
    sortingLineCode: text('sorting_line_code'),
    destinationStore: text('destination_store'),
    /** DATA_DIR-relative path of the carrier's label PDF. */
    labelPath: text('label_path'),
    /** When the carrier says the current status happened (orders late events against it). */
    statusAt: timestamp('status_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('shipments_order_idx').on(t.orderId),
    index('shipments_tracking_idx').on(t.trackingNumber),
    uniqueIndex('shipments_out_trade_no_uq').on(t.outTradeNo),
  ],
);

/** What the carrier said happened to a parcel: the order page's timeline; one row per event however often it is sent. */
export const shipmentEvents = pgTable(
  'shipment_events',
  {
    id: serial('id').primaryKey(),
    shipmentId: integer('shipment_id')
      .notNull()
      .references(() => shipments.id, { onDelete: 'cascade' }),
    status: carrierEventStatus('status').notNull(),
    /** When it happened, by the carrier's clock. */
    at: timestamp('at', { withTimezone: true }).notNull(),
    description: text('description').notNull(),
    location: text('location'),
    /** The carrier's code (Flash state:5 or a route action, Thailand Post 501), or staff for a change made by hand. */
    rawCode: text('raw_code').notNull(),
    /** webhook, track (a poll) or staff. */
    source: text('source').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('shipment_events_once_uq').on(t.shipmentId, t.rawCode, t.at), index('shipment_events_shipment_idx').on(t.shipmentId, t.at)],
);

/** A carrier's access token kept between runs (Thailand Post: a month), sealed with the settings key. */
export const carrierTokens = pgTable('carrier_tokens', {
  carrier: text('carrier').primaryKey(),
  token: text('token').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  updatedAt: updatedAt(),
});

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
export type ShipmentEvent = typeof shipmentEvents.$inferSelect;
