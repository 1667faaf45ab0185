import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, integer, pgEnum, pgTable, primaryKey, serial, text } from 'drizzle-orm/pg-core';
import { productVariants } from './catalog.ts';
import { createdAt, updatedAt } from './columns.ts';

export const warehouses = pgTable('warehouses', {
  id: serial('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  address: text('address').notNull().default(''),
  /** Higher is preferred when an order can be supplied from several warehouses. */
  priority: integer('priority').notNull().default(0),
  active: boolean('active').notNull().default(true),
  /** False for a damaged-goods location: its stock is counted and valued but never allocated to an order. */
  sellable: boolean('sellable').notNull().default(true),
  createdAt: createdAt(),
});

export const stockLevels = pgTable(
  'stock_levels',
  {
    warehouseId: integer('warehouse_id')
      .notNull()
      .references(() => warehouses.id),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id),
    onHand: integer('on_hand').notNull().default(0),
    reserved: integer('reserved').notNull().default(0),
    /** Where pickers find it; picking lists sort by it. */
    bin: text('bin'),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.variantId, t.warehouseId] }),
    // The last line of defence against overselling: the database itself refuses it.
    check('stock_levels_on_hand_nonneg', sql`${t.onHand} >= 0`),
    check('stock_levels_reserved_nonneg', sql`${t.reserved} >= 0`),
    check('stock_levels_reserved_le_on_hand', sql`${t.reserved} <= ${t.onHand}`),
  ],
);

export const stockReason = pgEnum('stock_reason', [
  'receive',
  'adjust',
  'count',
  'damage',
  'transfer_in',
  'transfer_out',
  'reserve',
  'release',
  'ship',
  'return',
]);

/** Append-only: every change of on_hand or reserved, with why and what caused it. */
export const stockLedger = pgTable(
  'stock_ledger',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    warehouseId: integer('warehouse_id')
      .notNull()
      .references(() => warehouses.id),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id),
    reason: stockReason('reason').notNull(),
    onHandDelta: integer('on_hand_delta').notNull().default(0),
    reservedDelta: integer('reserved_delta').notNull().default(0),
    onHandAfter: integer('on_hand_after').notNull(),
    reservedAfter: integer('reserved_after').notNull(),
    refType: text('ref_type'),
    refId: text('ref_id'),
    actor: text('actor').notNull(),
    note: text('note'),
    createdAt: createdAt(),
  },
  (t) => [
    index('stock_ledger_variant_idx').on(t.variantId, t.createdAt),
    index('stock_ledger_ref_idx').on(t.refType, t.refId),
  ],
);

export const reservationStatus = pgEnum('reservation_status', ['active', 'released', 'consumed']);

/** Stock held for one order line in one warehouse, so release and shipping know exactly what to undo. */
export const stockReservations = pgTable(
  'stock_reservations',
  {
    id: serial('id').primaryKey(),
    orderId: integer('order_id').notNull(),
    orderLineId: integer('order_line_id').notNull(),
    warehouseId: integer('warehouse_id')
      .notNull()
      .references(() => warehouses.id),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id),
    qty: integer('qty').notNull(),
    status: reservationStatus('status').notNull().default('active'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('stock_reservations_order_idx').on(t.orderId), check('stock_reservations_qty_pos', sql`${t.qty} > 0`)],
);

export const lowStockThresholds = pgTable('low_stock_thresholds', {
  variantId: integer('variant_id')
    .primaryKey()
    .references(() => productVariants.id, { onDelete: 'cascade' }),
  threshold: integer('threshold').notNull(),
});

export type Warehouse = typeof warehouses.$inferSelect;
export type StockLevel = typeof stockLevels.$inferSelect;
export type StockLedgerRow = typeof stockLedger.$inferSelect;
export type StockReason = (typeof stockReason.enumValues)[number];
