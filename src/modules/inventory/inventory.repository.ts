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
import { jsonRows } from '../../db/json-rows.ts';

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
  const [changed] = await applyStockChanges(tx, [change]);
  if (changed) return { onHand: changed.onHand, reserved: changed.reserved };

  // No row changed: a new stock level (a first receipt), or a change that would oversell.
  const [existing] = await tx
    .select()
    .from(stockLevels)
    .where(and(eq(stockLevels.warehouseId, change.warehouseId), eq(stockLevels.variantId, change.variantId)));
  const dOn = change.onHandDelta ?? 0;
  const dRes = change.reservedDelta ?? 0;
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
  const [received] = await applyStockChanges(tx, [change]);
  return { onHand: received!.onHand, reserved: received!.reserved };
}

/**
 * changeStock for changes made together (the orders of a group), on stock levels that exist: all of
 * them or none (INSUFFICIENT_STOCK, and the caller's transaction rolls back what did move).
 */
export async function changeStocks(tx: Tx, changes: readonly StockChange[]): Promise<void> {
  if (changes.length === 0) return;
  const levels = new Set(changes.map((c) => `${c.warehouseId}:${c.variantId}`));
  const moved = new Set((await applyStockChanges(tx, changes)).map((c) => `${c.warehouseId}:${c.variantId}`));
  const stuck = [...levels].filter((l) => !moved.has(l));
  if (stuck.length > 0) throw new AppError('INSUFFICIENT_STOCK', 'Not enough stock for this change', { levels: stuck });
}

/**
 * The changes and their ledger rows in one statement. Each stock level moves once, by the sum of its
 * changes, and only while the result stays valid; each change gets its ledger row, the balances after
 * it running in the order given. A level that did not move (missing, or the result invalid) has no rows.
 */
async function applyStockChanges(tx: Tx, changes: readonly StockChange[]) {
  const columns = {
    ord: 'int',
    warehouse_id: 'int',
    variant_id: 'int',
    reason: 'stock_reason',
    on_hand_delta: 'int',
    reserved_delta: 'int',
    ref_type: 'text',
    ref_id: 'text',
    actor: 'text',
    note: 'text',
  };
  const { rows } = await tx.execute<{ warehouseId: number; variantId: number; onHand: number; reserved: number }>(sql`
    with changes as (
      select ord, warehouse_id, variant_id, reason, coalesce(on_hand_delta, 0) as d_on, coalesce(reserved_delta, 0) as d_res, ref_type, ref_id, actor, note
      from ${jsonRows('c', columns, changes.map((c, ord) => ({ ...c, ord })))}),
    totals as (
      select warehouse_id, variant_id, sum(d_on)::int as d_on, sum(d_res)::int as d_res from changes group by warehouse_id, variant_id
    ),
    after as (
      update ${stockLevels} s set on_hand = s.on_hand + t.d_on, reserved = s.reserved + t.d_res, updated_at = now()
      from totals t
      where s.warehouse_id = t.warehouse_id and s.variant_id = t.variant_id
        and s.on_hand + t.d_on >= 0 and s.reserved + t.d_res >= 0 and s.reserved + t.d_res <= s.on_hand + t.d_on
      returning s.warehouse_id, s.variant_id, s.on_hand - t.d_on as on_hand_before, s.reserved - t.d_res as reserved_before
    )
    insert into ${stockLedger} (warehouse_id, variant_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after, ref_type, ref_id, actor, note)
    select c.warehouse_id, c.variant_id, c.reason, c.d_on, c.d_res,
      (a.on_hand_before + sum(c.d_on) over w)::int, (a.reserved_before + sum(c.d_res) over w)::int,
      c.ref_type, c.ref_id, c.actor, c.note
    from changes c join after a on a.warehouse_id = c.warehouse_id and a.variant_id = c.variant_id
    window w as (partition by c.warehouse_id, c.variant_id order by c.ord)
    order by c.ord
    returning warehouse_id as "warehouseId", variant_id as "variantId", on_hand_after as "onHand", reserved_after as "reserved"`);
  return rows;
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
 * column of a query over product_variants: of each row's variant, or of `variantId` where the query
 * names the table otherwise (an alias).
 */
export function availableUnits(variantId: SQL = sql`${productVariants}.id`): SQL<number> {
  return sql<number>`(select coalesce(sum(sl.on_hand - sl.reserved), 0)::int
    from ${stockLevels} sl join ${warehouses} w on w.id = sl.warehouse_id
    where sl.variant_id = ${variantId} and w.active and w.sellable)`;
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
