import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { stockLevels, warehouses, type StockLevel, type Warehouse } from '../../db/schema/index.ts';

/**
 * Locks the stock rows of one variant in these warehouses (creating empty ones where none exist yet),
 * in warehouse-id order so that two operations on the same rows cannot deadlock. Checks made on the
 * returned rows hold until the transaction ends.
 */
export async function lockStockLevels(tx: Tx, variantId: number, warehouseIds: number[]): Promise<Map<number, StockLevel>> {
  const ids = [...new Set(warehouseIds)].sort((a, b) => a - b);
  if (ids.length === 0) return new Map();
  await tx
    .insert(stockLevels)
    .values(ids.map((warehouseId) => ({ warehouseId, variantId })))
    .onConflictDoNothing();
  const rows = await tx
    .select()
    .from(stockLevels)
    .where(and(eq(stockLevels.variantId, variantId), inArray(stockLevels.warehouseId, ids)))
    .orderBy(asc(stockLevels.warehouseId))
    .for('update');
  return new Map(rows.map((r) => [r.warehouseId, r]));
}

/** Where pickers find a SKU in a warehouse; an empty bin clears it. Not a stock change, so no ledger row. */
export async function setStockBin(tx: Tx, variantId: number, warehouseId: number, bin: string | null): Promise<void> {
  await lockStockLevels(tx, variantId, [warehouseId]);
  await tx
    .update(stockLevels)
    .set({ bin })
    .where(and(eq(stockLevels.variantId, variantId), eq(stockLevels.warehouseId, warehouseId)));
}

export async function findWarehouse(db: DbOrTx, id: number): Promise<Warehouse | undefined> {
  const [w] = await db.select().from(warehouses).where(eq(warehouses.id, id));
  return w;
}

export interface WarehouseInput {
  code: string;
  name: string;
  address: string;
  priority: number;
  active: boolean;
  sellable: boolean;
}

export async function updateWarehouse(db: DbOrTx, id: number, input: WarehouseInput): Promise<Warehouse | undefined> {
  const [w] = await db.update(warehouses).set(input).where(eq(warehouses.id, id)).returning();
  return w;
}

/** Whether another warehouse already uses this code (codes are compared case-insensitively). */
export async function warehouseCodeTaken(db: DbOrTx, code: string, exceptId?: number): Promise<boolean> {
  const rows = await db
    .select({ id: warehouses.id })
    .from(warehouses)
    .where(and(sql`lower(${warehouses.code}) = lower(${code})`, exceptId ? sql`${warehouses.id} <> ${exceptId}` : undefined));
  return rows.length > 0;
}
