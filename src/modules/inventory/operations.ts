// What the warehouse operations (receive, count, write off, transfer: src/workflows/stock) share: a known
// warehouse, a sane quantity, and what they answer. Each operation is one transaction that locks the
// stock rows it reads, checks first (nothing is written when a check fails), then changes them through
// changeStock, so every change has its ledger row; the CHECK constraints on stock_levels stay the last
// line of defence.
import type { DbOrTx } from '../../db/client.ts';
import type { Warehouse } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { defaultWarehouse, findWarehouseByCode } from './inventory.repository.ts';
import { findWarehouse } from './stock-levels.ts';

export interface StockOperationResult {
  /** The ledger row of the change (for a transfer, the one at the destination). */
  ledgerRef: { refType: string; refId: string };
  onHand: number;
  reserved: number;
  available: number;
}

/** Who moves stock where: what every warehouse operation is given. */
export interface StockOperationBase {
  variantId: number;
  warehouseId: number;
  actor: string;
  note?: string | undefined;
}

export const MAX_STOCK_QTY = 1_000_000;

/** A quantity to move: a whole number from 1 to MAX_STOCK_QTY (VALIDATION_ERROR otherwise). */
export function assertStockQty(qty: number): void {
  if (!Number.isInteger(qty) || qty <= 0 || qty > MAX_STOCK_QTY) {
    throw new AppError('VALIDATION_ERROR', `Quantity must be a whole number from 1 to ${MAX_STOCK_QTY}`, { qty });
  }
}

/** The warehouse with this id, or UNKNOWN_WAREHOUSE. */
export async function existingWarehouse(db: DbOrTx, id: number): Promise<Warehouse> {
  const warehouse = await findWarehouse(db, id);
  if (!warehouse) throw new AppError('UNKNOWN_WAREHOUSE', `Unknown warehouse: ${id}`, { warehouseId: id });
  return warehouse;
}

/** The warehouse a caller names by code, or the default one when none is named; UNKNOWN_WAREHOUSE otherwise. */
export async function warehouseByCodeOrDefault(db: DbOrTx, code: string | undefined): Promise<Warehouse> {
  const warehouse = code ? await findWarehouseByCode(db, code) : await defaultWarehouse(db);
  if (!warehouse) {
    throw new AppError('UNKNOWN_WAREHOUSE', code ? `Unknown warehouse: ${code}` : 'No active warehouse exists; create one first', { warehouse: code });
  }
  return warehouse;
}

export const stockResult = (ref: { refType: string; refId: string }, after: { onHand: number; reserved: number }): StockOperationResult => ({
  ledgerRef: ref,
  onHand: after.onHand,
  reserved: after.reserved,
  available: after.onHand - after.reserved,
});
