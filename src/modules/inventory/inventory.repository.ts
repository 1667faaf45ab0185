import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import {
  lowStockThresholds,
  productVariants,
  stockLedger,
  stockLevels,
  warehouses,
  type StockReason,
  type Warehouse,
} from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import type { AvailableStock } from './allocation.ts';

export interface StockChange {
  warehouseId: number;
  variantId: number;
  onHandDelta?: number;
  reservedDelta?: number;
  reason: StockReason;
  refType?: string | undefined;
  refId?: string | undefined;
  actor: string;
  note?: string | undefined;
}

/**
 * Applies one change to one stock level and writes its ledger row. The UPDATE only matches while the
 * result stays valid (nothing negative, never more reserved than on hand), so no interleaving of
 * concurrent transactions can oversell, even without the caller's row locks.
 */
export async function changeStock(tx: Tx, change: StockChange): Promise<{ onHand: number; reserved: number }> {
  const dOn = change.onHandDelta ?? 0;
  const dRes = change.reservedDelta ?? 0;
  // The change and its ledger row in one statement: the ledger row takes the values the update returns.
  const apply = async () => {
    const { rows } = await tx.execute<{ onHand: number; reserved: number }>(sql`
      with after as (
        update ${stockLevels} set on_hand = on_hand + ${dOn}, reserved = reserved + ${dRes}, updated_at = now()
        where warehouse_id = ${change.warehouseId} and variant_id = ${change.variantId}
          and on_hand + ${dOn} >= 0 and reserved + ${dRes} >= 0 and reserved + ${dRes} <= on_hand + ${dOn}
        returning on_hand, reserved
      )
      insert into ${stockLedger} (warehouse_id, variant_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after, ref_type, ref_id, actor, note)
      select ${change.warehouseId}::int, ${change.variantId}::int, ${change.reason}::stock_reason, ${dOn}::int, ${dRes}::int, on_hand, reserved,
        ${change.refType ?? null}::text, ${change.refId ?? null}::text, ${change.actor}::text, ${change.note ?? null}::text
      from after
      returning on_hand_after as "onHand", reserved_after as "reserved"`);
    return rows[0];
  };
  const changed = await apply();
  if (changed) return changed;

  // No row changed: a new stock level (a first receipt), or a change that would oversell.
  const [existing] = await tx
    .select()
    .from(stockLevels)
    .where(and(eq(stockLevels.warehouseId, change.warehouseId), eq(stockLevels.variantId, change.variantId)));
  if (existing || dOn < 0 || dRes < 0 || dRes > dOn) {
    throw new AppError('INSUFFICIENT_STOCK', 'Not enough stock for this change', {
      variantId: change.variantId,
      warehouseId: change.warehouseId,
      onHand: existing?.onHand ?? 0,
      reserved: existing?.reserved ?? 0,
    });
  }
  // A first receipt: the stock level starts empty, and the same change (and ledger row) applies to it.
  await tx.insert(stockLevels).values({ warehouseId: change.warehouseId, variantId: change.variantId, onHand: 0, reserved: 0 }).onConflictDoNothing();
  return (await apply())!;
}

/**
 * Locks every stock row of these variants in active warehouses, in one fixed order so that two orders
 * locking overlapping variants cannot deadlock, and returns what is available.
 */
export async function lockAvailableStock(tx: Tx, variantIds: number[]): Promise<AvailableStock[]> {
  if (variantIds.length === 0) return [];
  const rows = await tx
    .select({
      warehouseId: stockLevels.warehouseId,
      variantId: stockLevels.variantId,
      onHand: stockLevels.onHand,
      reserved: stockLevels.reserved,
      priority: warehouses.priority,
    })
    .from(stockLevels)
    .innerJoin(warehouses, eq(warehouses.id, stockLevels.warehouseId))
    // A non-sellable warehouse (damaged goods) is counted and valued but never supplies an order.
    .where(and(inArray(stockLevels.variantId, variantIds), eq(warehouses.active, true), eq(warehouses.sellable, true)))
    .orderBy(asc(stockLevels.variantId), asc(stockLevels.warehouseId))
    .for('update', { of: stockLevels });
  return rows.map((r) => ({
    warehouseId: r.warehouseId,
    variantId: r.variantId,
    priority: r.priority,
    available: r.onHand - r.reserved,
  }));
}

export async function listWarehouses(db: DbOrTx): Promise<Warehouse[]> {
  return db.select().from(warehouses).orderBy(desc(warehouses.priority), asc(warehouses.id));
}

/** The warehouses with these ids (unknown ids are left out). */
export async function warehousesByIds(db: DbOrTx, ids: readonly number[]): Promise<Warehouse[]> {
  if (ids.length === 0) return [];
  return db.select().from(warehouses).where(inArray(warehouses.id, [...new Set(ids)]));
}

export async function findWarehouseByCode(db: DbOrTx, code: string): Promise<Warehouse | undefined> {
  const [w] = await db.select().from(warehouses).where(sql`lower(${warehouses.code}) = lower(${code})`);
  return w;
}

/** Where stock goes when nobody names a warehouse: the active, sellable one with the highest priority. */
export async function defaultWarehouse(db: DbOrTx): Promise<Warehouse | undefined> {
  const [w] = await db
    .select()
    .from(warehouses)
    .where(and(eq(warehouses.active, true), eq(warehouses.sellable, true)))
    .orderBy(desc(warehouses.priority), asc(warehouses.id))
    .limit(1);
  return w;
}

export async function createWarehouse(
  db: DbOrTx,
  input: { code: string; name: string; address?: string; priority?: number; active?: boolean; sellable?: boolean },
): Promise<Warehouse> {
  const [w] = await db.insert(warehouses).values(input).returning();
  return w!;
}

export interface StockRow {
  sku: string;
  warehouse: string;
  onHand: number;
  reserved: number;
  available: number;
}

export async function listStock(db: DbOrTx, filter: { sku?: string | undefined } = {}): Promise<StockRow[]> {
  const rows = await db
    .select({
      sku: productVariants.sku,
      warehouse: warehouses.code,
      onHand: stockLevels.onHand,
      reserved: stockLevels.reserved,
    })
    .from(stockLevels)
    .innerJoin(productVariants, eq(productVariants.id, stockLevels.variantId))
    .innerJoin(warehouses, eq(warehouses.id, stockLevels.warehouseId))
    .where(filter.sku ? sql`lower(${productVariants.sku}) = lower(${filter.sku})` : undefined)
    .orderBy(asc(productVariants.sku), desc(warehouses.priority), asc(warehouses.id));
  return rows.map((r) => ({ ...r, available: r.onHand - r.reserved }));
}

/**
 * Available units of a variant over all active, sellable warehouses (what an order could take), as a
 * column of a query over product_variants (the variant of each row).
 */
export function availableUnits(): SQL<number> {
  return sql<number>`(select coalesce(sum(sl.on_hand - sl.reserved), 0)::int
    from ${stockLevels} sl join ${warehouses} w on w.id = sl.warehouse_id
    where sl.variant_id = ${productVariants}.id and w.active and w.sellable)`;
}

/** Available units per variant (availableUnits). */
export async function availableByVariant(db: DbOrTx, variantIds: number[]): Promise<Map<number, number>> {
  if (variantIds.length === 0) return new Map();
  const rows = await db
    .select({ variantId: productVariants.id, available: availableUnits() })
    .from(productVariants)
    .where(inArray(productVariants.id, variantIds));
  return new Map(rows.map((r) => [r.variantId, r.available]));
}

export async function setLowStockThreshold(db: DbOrTx, variantId: number, threshold: number) {
  await db
    .insert(lowStockThresholds)
    .values({ variantId, threshold })
    .onConflictDoUpdate({ target: lowStockThresholds.variantId, set: { threshold } });
}

export async function clearLowStockThreshold(db: DbOrTx, variantId: number) {
  await db.delete(lowStockThresholds).where(eq(lowStockThresholds.variantId, variantId));
}
