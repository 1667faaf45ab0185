import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import {
  orderLines,
  orders,
  shipments,
  stockLevels,
  stockReservations,
  warehouses,
  type Order,
  type OrderLine,
  type Shipment,
} from '#src/db/schema/index.ts';
import { loadSharp } from '#src/lib/lazy.ts';
import { formatThaiPhone, normalizeThaiPhone } from '#src/lib/phone.ts';

/** Documents print at most this many orders at once (one picking run, one stack of labels). */
export const MAX_PRINT_ORDERS = 200;

export interface PrintOrder {
  order: Order;
  lines: OrderLine[];
  shipments: Shipment[];
}

/** Order numbers as typed or ticked: comma, space or newline separated, upper-cased, each once, in the given order. */
export function parseOrderNumbers(input: string | readonly string[] | undefined): string[] {
  const parts = [input ?? []].flat().flatMap((s) => s.split(/[\s,;]+/));
  const seen = new Set<string>();
  for (const part of parts) {
    const n = part.trim().toUpperCase();
    if (n) seen.add(n);
  }
  return [...seen];
}

/**
 * The orders to print with their lines and parcels, in the order asked for. Reading a document
 * crosses modules (orders, shipping, stock), read-only, which is why it lives here and not in one of them.
 */
export async function loadPrintOrders(db: DbOrTx, numbers: readonly string[]): Promise<{ found: PrintOrder[]; missing: string[] }> {
  if (numbers.length === 0) return { found: [], missing: [] };
  const rows = await db.select().from(orders).where(inArray(orders.number, [...numbers]));
  const byNumber = new Map(rows.map((o) => [o.number, o]));
  const ids = rows.map((o) => o.id);
  const lines = ids.length ? await db.select().from(orderLines).where(inArray(orderLines.orderId, ids)).orderBy(asc(orderLines.id)) : [];
  const parcels = ids.length ? await db.select().from(shipments).where(inArray(shipments.orderId, ids)).orderBy(asc(shipments.id)) : [];
  const found: PrintOrder[] = [];
  const missing: string[] = [];
  for (const number of numbers) {
    const order = byNumber.get(number);
    if (!order) {
      missing.push(number);
      continue;
    }
    found.push({
      order,
      lines: lines.filter((l) => l.orderId === order.id),
      shipments: parcels.filter((s) => s.orderId === order.id),
    });
  }
  return { found, missing };
}

/** One unit source of a picking list: so many of a SKU for an order, from a warehouse (null: nothing reserved). */
export interface PickRow {
  warehouse: { code: string; name: string; priority: number } | null;
  sku: string;
  name: string;
  bin: string | null;
  orderNumber: string;
  qty: number;
}

export interface PickItem {
  sku: string;
  name: string;
  bin: string | null;
  total: number;
  orders: { number: string; qty: number }[];
}

export interface PickGroup {
  warehouse: { code: string; name: string } | null;
  items: PickItem[];
  totalUnits: number;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Groups by warehouse (preferred warehouses first, what has no reservation last), then by SKU with
 * the total and the orders that need it, in walking order: by bin, items without a bin after, then SKU.
 */
export function buildPickingList(rows: readonly PickRow[]): PickGroup[] {
  const groups = new Map<string, { warehouse: PickRow['warehouse']; items: Map<string, PickItem> }>();
  for (const row of rows) {
    if (row.qty <= 0) continue;
    const key = row.warehouse?.code ?? '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { warehouse: row.warehouse, items: new Map() }));
    let item = group.items.get(row.sku);
    if (!item) group.items.set(row.sku, (item = { sku: row.sku, name: row.name, bin: row.bin, total: 0, orders: [] }));
    item.total += row.qty;
    const forOrder = item.orders.find((o) => o.number === row.orderNumber);
    if (forOrder) forOrder.qty += row.qty;
    else item.orders.push({ number: row.orderNumber, qty: row.qty });
  }
  return [...groups.values()]
    .sort((a, b) => {
      if (!a.warehouse || !b.warehouse) return a.warehouse ? -1 : b.warehouse ? 1 : 0;
      return b.warehouse.priority - a.warehouse.priority || byText(a.warehouse.code, b.warehouse.code);
    })
    .map((g) => {
      const items = [...g.items.values()].sort((a, b) => {
        if (a.bin !== b.bin) {
          if (a.bin === null) return 1;
          if (b.bin === null) return -1;
          const c = a.bin.localeCompare(b.bin, 'en', { numeric: true });
          if (c !== 0) return c;
        }
        return byText(a.sku, b.sku);
      });
      return {
        warehouse: g.warehouse ? { code: g.warehouse.code, name: g.warehouse.name } : null,
        items,
        totalUnits: items.reduce((n, i) => n + i.total, 0),
      };
    });
}

/**
 * What to pick for these orders: each line's active stock reservations say which warehouse its units
 * come from (and the stock level there says the bin); units no reservation covers are listed apart.
 */
export async function pickRows(db: DbOrTx, printOrders: readonly PrintOrder[]): Promise<PickRow[]> {
  const ids = printOrders.map((p) => p.order.id);
  if (ids.length === 0) return [];
  const reserved = await db
    .select({
      orderLineId: stockReservations.orderLineId,
      qty: stockReservations.qty,
      code: warehouses.code,
      warehouseName: warehouses.name,
      priority: warehouses.priority,
      bin: stockLevels.bin,
    })
    .from(stockReservations)
    .innerJoin(warehouses, eq(warehouses.id, stockReservations.warehouseId))
    .leftJoin(stockLevels, and(eq(stockLevels.warehouseId, stockReservations.warehouseId), eq(stockLevels.variantId, stockReservations.variantId)))
    .where(and(inArray(stockReservations.orderId, ids), eq(stockReservations.status, 'active')));
  const rows: PickRow[] = [];
  for (const { order, lines } of printOrders) {
    for (const line of lines) {
      let covered = 0;
      for (const r of reserved.filter((x) => x.orderLineId === line.id)) {
        covered += r.qty;
        rows.push({
          warehouse: { code: r.code, name: r.warehouseName, priority: r.priority },
          sku: line.sku,
          name: line.name,
          bin: r.bin?.trim() || null,
          orderNumber: order.number,
          qty: r.qty,
        });
      }
      if (line.qty > covered) {
        rows.push({ warehouse: null, sku: line.sku, name: line.name, bin: null, orderNumber: order.number, qty: line.qty - covered });
      }
    }
  }
  return rows;
}

/** A phone as Thais write it (081-234-5678) whatever way it was stored; anything unrecognised as it is. */
export function displayPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const normalized = normalizeThaiPhone(phone);
  return normalized ? formatThaiPhone(normalized) : phone;
}

/** The buyer's tax id, when the shipping address carries one (marketplace and API orders may). */
export function buyerTaxId(address: unknown): string {
  if (!address || typeof address !== 'object') return '';
  const value = (address as Record<string, unknown>).taxId;
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim().slice(0, 20) : '';
}

/**
 * The shop's logo as a data: URI, so documents need nothing from outside; undefined when there is none
 * or it is not a PNG, JPEG or WebP (checked by content); scaled down to keep documents small.
 */
export async function logoDataUri(dataDir: string, logoPath: string | undefined): Promise<string | undefined> {
  if (!logoPath) return undefined;
  const file = path.resolve(dataDir, logoPath);
  if (!file.startsWith(path.resolve(dataDir) + path.sep)) return undefined;
  try {
    const bytes = await readFile(file);
    if (bytes.length > 5 * 1024 * 1024) return undefined;
    const sharp = await loadSharp();
    const image = sharp(bytes, { limitInputPixels: 25_000_000 });
    const { format } = await image.metadata();
    if (format !== 'png' && format !== 'jpeg' && format !== 'webp') return undefined;
    // Small enough for every page of a 200-order document, sharp enough for print.
    const small = await image.resize({ width: 800, height: 400, fit: 'inside', withoutEnlargement: true }).png().toBuffer();
    return `data:image/png;base64,${small.toString('base64')}`;
  } catch {
    return undefined;
  }
}
