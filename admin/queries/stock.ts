import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import type { StockReason } from '#src/db/schema/index.ts';
import { likePattern } from '#src/lib/like-pattern.ts';
import { availableUnits, isLowStock } from '#src/modules/inventory/index.ts';

async function rows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  return (await db.execute<T & Record<string, unknown>>(query)).rows as T[];
}

export interface ScannedItem {
  variantId: number;
  sku: string;
  barcode: string | null;
  nameTh: string;
  nameEn: string;
  options: Record<string, string>;
}

/**
 * What a scanner or a person typed: a SKU (any case) or a barcode (exactly), the SKU winning when both
 * match; else a product's name, Thai or English (the whole name, or a part only one product has).
 */
export async function resolveStockCode(db: DbOrTx, code: string): Promise<ScannedItem | undefined> {
  const trimmed = code.trim();
  if (!trimmed || trimmed.length > 64) return undefined;
  const [row] = await rows<ScannedItem>(
    db,
    sql`select v.id as "variantId", v.sku, v.barcode, p.name_th as "nameTh", p.name_en as "nameEn", v.options
        from product_variants v join products p on p.id = v.product_id
        where lower(v.sku) = lower(${trimmed}) or v.barcode = ${trimmed}
        order by (lower(v.sku) = lower(${trimmed})) desc, v.id
        limit 1`,
  );
  if (row) return row;
  const named = await stockItemsNamed(db, trimmed);
  const exact = named.filter((n) => [n.nameTh, n.nameEn].some((x) => x.toLowerCase() === trimmed.toLowerCase()));
  return exact.length === 1 ? exact[0] : named.length === 1 ? named[0] : undefined;
}

/** Products whose Thai or English name holds the words typed (a few, for "which one did you mean"). */
export async function stockItemsNamed(db: DbOrTx, typed: string, limit = 6): Promise<ScannedItem[]> {
  const words = typed.trim().split(/\s+/).filter(Boolean).slice(0, 5);
  if (words.length === 0) return [];
  const each = words.map((w) => sql`(p.name_th ilike ${likePattern(w)} or p.name_en ilike ${likePattern(w)})`);
  return rows<ScannedItem>(
    db,
    sql`select v.id as "variantId", v.sku, v.barcode, p.name_th as "nameTh", p.name_en as "nameEn", v.options
        from product_variants v join products p on p.id = v.product_id
        where ${sql.join(each, sql` and `)}
        order by p.name_th, v.sku
        limit ${limit}`,
  );
}

export async function findStockItem(db: DbOrTx, variantId: number): Promise<(ScannedItem & { price: number; cost: number | null; currency: string; threshold: number | null }) | undefined> {
  const [row] = await rows<ScannedItem & { price: number | string; cost: number | string | null; currency: string; threshold: number | null }>(
    db,
    sql`select v.id as "variantId", v.sku, v.barcode, p.name_th as "nameTh", p.name_en as "nameEn", v.options,
               v.price, v.cost, v.currency, t.threshold
        from product_variants v join products p on p.id = v.product_id
        left join low_stock_thresholds t on t.variant_id = v.id
        where v.id = ${variantId}`,
  );
  return row ? { ...row, price: Number(row.price), cost: row.cost === null ? null : Number(row.cost) } : undefined;
}

export interface StockListRow {
  variantId: number;
  sku: string;
  barcode: string | null;
  nameTh: string;
  nameEn: string;
  warehouseId: number;
  warehouseCode: string;
  warehouseName: string;
  sellable: boolean;
  onHand: number;
  reserved: number;
  available: number;
  bin: string | null;
  threshold: number | null;
  /** Available over every active, sellable warehouse: what the low-stock threshold is compared with. */
  sellableAvailable: number;
  /** The SKU is low on stock (isLowStock). */
  low: boolean;
}

/** Available per variant over active, sellable warehouses. */
const sellableAvailable = availableUnits(sql`v.id`);
const lowStock = isLowStock({ onSale: sql`(v.active and p.active)`, available: sellableAvailable, threshold: sql`t.threshold` });

export interface StockFilter {
  q?: string | undefined;
  warehouseId?: number | undefined;
  lowOnly?: boolean | undefined;
  page: number;
  perPage: number;
}

/** One page of stock rows, one per SKU and warehouse. */
export async function listStockRows(db: DbOrTx, filter: StockFilter): Promise<{ rows: StockListRow[]; total: number }> {
  const q = filter.q?.trim();
  const like = q ? likePattern(q) : undefined;
  const where = sql.join(
    [
      sql`true`,
      q ? sql`(v.sku ilike ${like} or v.barcode = ${q} or p.name_th ilike ${like} or p.name_en ilike ${like})` : sql`true`,
      filter.warehouseId ? sql`s.warehouse_id = ${filter.warehouseId}` : sql`true`,
      filter.lowOnly ? lowStock : sql`true`,
    ],
    sql` and `,
  );
  const from = sql`from stock_levels s join product_variants v on v.id = s.variant_id join products p on p.id = v.product_id
    join warehouses w on w.id = s.warehouse_id left join low_stock_thresholds t on t.variant_id = v.id`;
  const [count] = await rows<{ n: number }>(db, sql`select count(*)::int as n ${from} where ${where}`);
  const list = await rows<StockListRow>(
    db,
    sql`select v.id as "variantId", v.sku, v.barcode, p.name_th as "nameTh", p.name_en as "nameEn",
               w.id as "warehouseId", w.code as "warehouseCode", w.name as "warehouseName", w.sellable,
               s.on_hand as "onHand", s.reserved, (s.on_hand - s.reserved) as available, s.bin,
               t.threshold, ${sellableAvailable} as "sellableAvailable", ${lowStock} as low
        ${from} where ${where}
        order by lower(v.sku), w.priority desc, w.id
        limit ${filter.perPage} offset ${(filter.page - 1) * filter.perPage}`,
  );
  return { rows: list, total: count?.n ?? 0 };
}

export interface WarehouseStock {
  warehouseId: number;
  code: string;
  name: string;
  active: boolean;
  sellable: boolean;
  onHand: number;
  reserved: number;
  available: number;
  bin: string | null;
}

/** A SKU in every warehouse (with zeros where it has never been), for its stock page. */
export function stockOfVariant(db: DbOrTx, variantId: number): Promise<WarehouseStock[]> {
  return rows<WarehouseStock>(
    db,
    sql`select w.id as "warehouseId", w.code, w.name, w.active, w.sellable,
               coalesce(s.on_hand, 0) as "onHand", coalesce(s.reserved, 0) as reserved,
               coalesce(s.on_hand - s.reserved, 0) as available, s.bin
        from warehouses w left join stock_levels s on s.warehouse_id = w.id and s.variant_id = ${variantId}
        where w.active or s.on_hand > 0
        order by w.priority desc, w.id`,
  );
}

export interface LedgerFilter {
  warehouseId?: number | undefined;
  reason?: StockReason | undefined;
  /** Shop-time-zone calendar days, both included. */
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  perPage: number;
}

export interface LedgerRow {
  id: number;
  createdAt: Date;
  warehouseCode: string;
  reason: StockReason;
  onHandDelta: number;
  reservedDelta: number;
  onHandAfter: number;
  reservedAfter: number;
  refType: string | null;
  refId: string | null;
  orderNumber: string | null;
  actor: string;
  note: string | null;
}

/** A SKU's ledger, newest first, with the order number where a row was caused by an order. */
export async function ledgerOfVariant(db: DbOrTx, variantId: number, filter: LedgerFilter, timeZone: string): Promise<{ rows: LedgerRow[]; total: number }> {
  const where = sql.join(
    [
      sql`l.variant_id = ${variantId}`,
      filter.warehouseId ? sql`l.warehouse_id = ${filter.warehouseId}` : sql`true`,
      filter.reason ? sql`l.reason = ${filter.reason}` : sql`true`,
      filter.from ? sql`l.created_at >= (${filter.from}::date::timestamp at time zone ${timeZone})` : sql`true`,
      filter.to ? sql`l.created_at < ((${filter.to}::date + 1)::timestamp at time zone ${timeZone})` : sql`true`,
    ],
    sql` and `,
  );
  const [count] = await rows<{ n: number }>(db, sql`select count(*)::int as n from stock_ledger l where ${where}`);
  const list = await rows<LedgerRow & { id: number | string; createdAt: Date | string }>(
    db,
    sql`select l.id, l.created_at as "createdAt", w.code as "warehouseCode", l.reason,
               l.on_hand_delta as "onHandDelta", l.reserved_delta as "reservedDelta",
               l.on_hand_after as "onHandAfter", l.reserved_after as "reservedAfter",
               l.ref_type as "refType", l.ref_id as "refId", o.number as "orderNumber", l.actor, l.note
        from stock_ledger l join warehouses w on w.id = l.warehouse_id
        left join orders o on o.id = (case when l.ref_type = 'order' and l.ref_id ~ '^[0-9]{1,9}$' then l.ref_id::int end)
        where ${where}
        order by l.id desc
        limit ${filter.perPage} offset ${(filter.page - 1) * filter.perPage}`,
  );
  return { rows: list.map((r) => ({ ...r, id: Number(r.id), createdAt: new Date(r.createdAt) })), total: count?.n ?? 0 };
}

export interface OperationRow {
  reason: StockReason;
  warehouseCode: string;
  onHandDelta: number;
  onHandAfter: number;
  reservedAfter: number;
  sku: string;
  nameTh: string;
  nameEn: string;
}

/** The ledger rows of one operation (two for a transfer), to say what was just done. */
export function operationRows(db: DbOrTx, refType: string, refId: string): Promise<OperationRow[]> {
  return rows<OperationRow>(
    db,
    sql`select l.reason, w.code as "warehouseCode", l.on_hand_delta as "onHandDelta", l.on_hand_after as "onHandAfter",
               l.reserved_after as "reservedAfter", v.sku, p.name_th as "nameTh", p.name_en as "nameEn"
        from stock_ledger l join warehouses w on w.id = l.warehouse_id
        join product_variants v on v.id = l.variant_id join products p on p.id = v.product_id
        where l.ref_type = ${refType} and l.ref_id = ${refId}
        order by l.id`,
  );
}

export interface StockValueRow {
  warehouseId: number;
  code: string;
  name: string;
  sellable: boolean;
  units: number;
  value: number;
  /** SKUs with stock here whose cost is not entered, valued at their selling price instead. */
  atPrice: number;
}

/** Stock value per warehouse: on hand × cost, or × price where no cost is entered (and counted so the page can say so). */
export async function stockValue(db: DbOrTx): Promise<{ rows: StockValueRow[]; total: number; units: number; atPrice: number }> {
  const list = await rows<StockValueRow & { value: number | string }>(
    db,
    sql`select w.id as "warehouseId", w.code, w.name, w.sellable,
               coalesce(sum(s.on_hand), 0)::int as units,
               coalesce(sum(s.on_hand::bigint * coalesce(v.cost, v.price)), 0)::bigint as value,
               (count(*) filter (where s.on_hand > 0 and v.cost is null))::int as "atPrice"
        from warehouses w
        left join stock_levels s on s.warehouse_id = w.id
        left join product_variants v on v.id = s.variant_id
        group by w.id order by w.priority desc, w.id`,
  );
  const valued = list.map((r) => ({ ...r, value: Number(r.value) }));
  const [fallback] = await rows<{ n: number }>(
    db,
    sql`select count(distinct v.id)::int as n from product_variants v join stock_levels s on s.variant_id = v.id
        where s.on_hand > 0 and v.cost is null`,
  );
  return {
    rows: valued,
    total: valued.reduce((n, r) => n + r.value, 0),
    units: valued.reduce((n, r) => n + r.units, 0),
    atPrice: fallback?.n ?? 0,
  };
}
