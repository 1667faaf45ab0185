import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { productVariants } from './catalog.ts';
import { createdAt, money, updatedAt } from './columns.ts';
import { customers } from './customers.ts';

export const orderStatus = pgEnum('order_status', [
  'pending_payment',
  'payment_review',
  'paid',
  'confirmed',
  'packed',
  'shipped',
  'delivered',
  'completed',
  'cancelled',
]);

export const orderChannel = pgEnum('order_channel', [
  'line',
  'telegram',
  'webchat',
  'facebook',
  'instagram',
  'manual',
  'shopee',
  'lazada',
  'tiktok',
  'api',
]);

/**
 * How an order is paid: PromptPay or a bank transfer (a slip), cash on delivery, cash on the spot (a
 * walk-in, a manual order paid in cash), or on the marketplace the order came from (Shopee, Lazada,
 * TikTok pay the shop out; their cash on delivery is `cod` on a marketplace channel).
 */
export const paymentMethod = pgEnum('payment_method', ['promptpay', 'transfer', 'cod', 'cash', 'marketplace']);

/** Feeds the human order number (TL-10001, TL-10002, ...): short, unique, easy to read out on the phone. */


export interface ShippingAddress {
  name: string;
  phone: string;
  address: string;
  postcode?: string | undefined;
}

/**
 * What the system recorded on an order's timeline, as a kind and its parameters, so each reader sees
 * it in their own language; `note` keeps only what a person typed.
 */
export type OrderEvent =
  | { kind: 'order.placed'; params: { channel: string } }
  | { kind: 'order.expired'; params: { hours: number } }
  | { kind: 'order.merged'; params: { number: string } }
  | { kind: 'order.paidAtCounter'; params?: Record<string, never> }
  | { kind: 'order.paidOnMarketplace'; params: { channel: string } }
  | { kind: 'order.markedPaid'; params?: Record<string, never> }
  | { kind: 'order.split'; params: { parcels: number } }
  | { kind: 'order.messaged'; params?: Record<string, never> }
  | { kind: 'order.entered'; params: { source: string; pickup: boolean } }
  | { kind: 'slip.verified'; params: { ref: string } }
  | { kind: 'slip.toCheck'; params: { reasons: string[] } }
  | { kind: 'shipped.parcel'; params: { carrier: string; tracking: string; waiting?: number } }
  | { kind: 'shipped.lastParcel'; params: { carrier: string; tracking: string } }
  | { kind: 'parcel.cancelled'; params: { carrier: string; tracking: string } }
  | { kind: 'parcel.pickup'; params: { carrier: string; parcels: number; reference?: string | undefined; courier?: string | undefined } }
  | { kind: 'return.requested'; params: { number: string } }
  | { kind: 'return.decided'; params: { number: string; decision: 'approved' | 'rejected' } }
  | { kind: 'return.received'; params: { number: string; items: { sku: string; name: string; qty: number; choice: string; warehouse: string }[] } }
  | { kind: 'return.exchanged'; params: { number: string; exchange: string } }
  | { kind: 'return.exchangeFor'; params: { number: string; order: string; value: number; currency: string } }
  | { kind: 'return.paidBy'; params: { number: string } }
  | { kind: 'return.refund'; params: { number: string; amount: number; currency: string; due: boolean; method?: string | undefined; reference?: string | undefined } }
  | { kind: 'refund.paid'; params: { amount: number; currency: string; method: string; reference?: string | undefined } };

export type OrderEventKind = OrderEvent['kind'];

export const orders = pgTable(
  'orders',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    channel: orderChannel('channel').notNull(),
    /** The order's id in the channel it came from (a marketplace order id); unique per channel. */
    externalId: text('external_id'),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    status: orderStatus('status').notNull().default('pending_payment'),
    paymentMethod: paymentMethod('payment_method').notNull().default('promptpay'),
    currency: text('currency').notNull(),
    subtotal: money('subtotal').notNull(),
    shippingFee: money('shipping_fee').notNull().default(0),
    discount: money('discount').notNull().default(0),
    total: money('total').notNull(),
    shippingAddress: jsonb('shipping_address').$type<ShippingAddress>().notNull(),
    // Copied from the customer at order time so lists and searches need no join.
    customerName: text('customer_name').notNull(),
    customerPhone: text('customer_phone'),
    note: text('note'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('orders_channel_external_key')
      .on(t.channel, t.externalId)
      .where(sql`${t.externalId} is not null`),
    index('orders_created_idx').on(t.createdAt.desc(), t.id.desc()),
    index('orders_status_created_idx').on(t.status, t.createdAt.desc(), t.id.desc()),
    index('orders_channel_created_idx').on(t.channel, t.createdAt.desc()),
    index('orders_customer_idx').on(t.customerId, t.createdAt.desc()),
    index('orders_customer_phone_idx').on(t.customerPhone),
    // The back office searches names and order numbers by any part (ILIKE '%q%'): trigram indexes.
    index('orders_customer_name_trgm_idx').using('gin', sql`${t.customerName} gin_trgm_ops`),
    index('orders_number_trgm_idx').using('gin', sql`${t.number} gin_trgm_ops`),
    check('orders_total_consistent', sql`${t.total} = ${t.subtotal} + ${t.shippingFee} - ${t.discount}`),
    check('orders_total_nonneg', sql`${t.total} >= 0`),
  ],
);

export const orderLines = pgTable(
  'order_lines',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id),
    // A snapshot: later price or name changes never rewrite a placed order.
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    unitPrice: money('unit_price').notNull(),
    qty: integer('qty').notNull(),
    lineTotal: money('line_total').notNull(),
  },
  (t) => [
    index('order_lines_order_idx').on(t.orderId),
    index('order_lines_variant_idx').on(t.variantId),
    check('order_lines_qty_pos', sql`${t.qty} > 0`),
  ],
);

export const orderHistory = pgTable(
  'order_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    fromStatus: orderStatus('from_status'),
    toStatus: orderStatus('to_status').notNull(),
    actor: text('actor').notNull(),
    note: text('note'),
    event: jsonb('event').$type<OrderEvent>(),
    createdAt: createdAt(),
  },
  (t) => [index('order_history_order_idx').on(t.orderId, t.id)],
);

/** What an order looked like before each edit in the back office: the history keeps every old version. */
export interface OrderSnapshot {
  lines: { variantId: number; sku: string; name: string; unitPrice: number; qty: number; lineTotal: number }[];
  subtotal: number;
  shippingFee: number;
  discount: number;
  total: number;
  shippingAddress: ShippingAddress;
}

export const orderRevisions = pgTable(
  'order_revisions',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    /** 1 for the first edit; the snapshot is the order as it was before that edit. */
    revision: integer('revision').notNull(),
    before: jsonb('before').$type<OrderSnapshot>().notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('order_revisions_order_revision_key').on(t.orderId, t.revision)],
);

/** An Idempotency-Key seen by the API and the order it created; the request hash catches a key re-used for another body. */
export const idempotencyKeys = pgTable('idempotency_keys', {
  key: text('key').primaryKey(),
  requestHash: text('request_hash').notNull(),
  orderId: integer('order_id').references(() => orders.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type Order = typeof orders.$inferSelect;
export type OrderLine = typeof orderLines.$inferSelect;
export type OrderRevision = typeof orderRevisions.$inferSelect;
export type OrderHistoryRow = typeof orderHistory.$inferSelect;
export type OrderStatus = (typeof orderStatus.enumValues)[number];
export type OrderChannel = (typeof orderChannel.enumValues)[number];
export type PaymentMethod = (typeof paymentMethod.enumValues)[number];
