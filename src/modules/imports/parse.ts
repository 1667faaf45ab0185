import { normalizeThaiPhone } from '../../lib/phone.ts';
import { isSkippedStatus, perUnitRows, type MarketplaceKind } from './marketplaces.ts';
import type { Table } from './table.ts';
import { zonedMidnight } from '../../lib/shop-time.ts';

/** Money as marketplaces print it ("1,234.50", "฿1,234.50", "THB 90", "1234") to satang; null when it is not an amount. */
export function parseAmount(input: string | undefined): number | null {
  if (input === undefined) return null;
  const s = input.replace(/[฿\s,]|THB|บาท/gi, '');
  if (s === '') return null;
  if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
  const value = Math.round(Number(s) * 100);
  return Number.isSafeInteger(value) ? value : null;
}

/** A quantity cell; empty means "not given". */
export function parseQty(input: string | undefined): number | null | 'invalid' {
  if (input === undefined || input.trim() === '') return null;
  const s = input.replace(/[,\s]/g, '');
  if (!/^\d+(\.0+)?$/.test(s)) return 'invalid';
  const n = Number(s);
  return n >= 1 && n <= 10_000 ? n : 'invalid';
}

/**
 * A date as carriers and marketplaces write it: 2025-03-15, 2025-03-15 10:00, 15/03/2025, 15/03/2568
 * (Buddhist era) or an ISO instant from a workbook cell. Returns the calendar day "YYYY-MM-DD".
 */
export function parseDay(input: string | undefined): string | null {
  if (!input) return null;
  const s = input.trim();
  let y: number;
  let m: number;
  let d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(s);
  if (match) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if ((match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})/.exec(s))) {
    [d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    return null;
  }
  if (y > 2400) y -= 543;
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 2000 || y > 2100) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCDate() !== d) return null;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * A marketplace's order time as the shop lives it: "2025-03-01 10:15", "15/03/2025 19:45:02",
 * "01 Mar 2025 10:00" (the shop's time zone), or an ISO instant with its offset. Null when unreadable.
 */
export function parseShopTime(input: string | undefined, timeZone: string): Date | null {
  if (!input) return null;
  const s = input.trim();
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    const at = Date.parse(s);
    return Number.isNaN(at) ? null : new Date(at);
  }
  const named = /^(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})(.*)$/.exec(s);
  const month = named ? monthNames.indexOf(named[2]!.toLowerCase()) + 1 : 0;
  const day = named ? (month > 0 ? parseDay(`${named[1]}/${month}/${named[3]}`) : null) : parseDay(s);
  if (!day) return null;
  const time = /(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$/.exec(named ? named[4]! : s);
  const [h, m, sec] = time ? [Number(time[1]), Number(time[2]), Number(time[3] ?? 0)] : [0, 0, 0];
  if (h > 23 || m > 59 || sec > 59) return null;
  return new Date(zonedMidnight(day, timeZone).getTime() + ((h * 60 + m) * 60 + sec) * 1000);
}

/** A marketplace order paid in cash at the door, through the marketplace's carrier. */
export const isMarketplaceCod = (method: string | undefined): boolean => /\bcod\b|cash on delivery|เก็บเงินปลายทาง|ชำระเงินปลายทาง/i.test(method ?? '');

export interface RowProblem {
  line: number;
  code: string;
  params?: Record<string, string | number>;
}

export interface ParsedLine {
  line: number;
  /** The seller SKU as the marketplace has it; a product name stands in when the SKU cell is empty. */
  externalSku: string;
  productName: string;
  qty: number;
  /** Satang per unit, from the file. */
  unitPrice: number;
}

export interface ParsedOrder {
  externalId: string;
  lines: ParsedLine[];
  status: string;
  createdAt: string;
  buyerName: string;
  recipientName: string;
  phone: string;
  address: string;
  postcode: string | undefined;
  paymentMethod: string;
  trackingNumber: string;
  shippingFee: number;
  /** What the buyer paid for the order, from the file (the lines, the shipping, less the marketplace's discounts). */
  total: number;
}

export interface ParsedOrders {
  orders: ParsedOrder[];
  skipped: { line: number; externalId: string; status: string }[];
  errors: RowProblem[];
}

/** Mapped columns the file lacks, as their header names. */
export function missingColumns(headers: readonly string[], mapping: Record<string, string>, required: readonly string[]): string[] {
  const have = new Set(headers.map((h) => h.trim().toLowerCase()));
  return required.filter((f) => mapping[f] && !have.has(mapping[f]!.toLowerCase())).map((f) => mapping[f]!);
}

/** Reads a row by field through the mapping; headers match whatever their case. */
export function fieldReader(table: Table, mapping: Record<string, string>) {
  const byLower = new Map(table.headers.map((h) => [h.toLowerCase(), h]));
  const columns = new Map<string, string>();
  for (const [field, header] of Object.entries(mapping)) {
    const actual = byLower.get(header.toLowerCase());
    if (actual) columns.set(field, actual);
  }
  return (cells: Record<string, string>, field: string): string => {
    const col = columns.get(field);
    return col ? (cells[col] ?? '').trim() : '';
  };
}

/**
 * Rows grouped into orders by the marketplace's order id (an order of three products is three rows).
 * Order-level cells (address, shipping fee, total) are taken from the order's first row that has them.
 */
export function groupOrders(table: Table, mapping: Record<string, string>, kind: MarketplaceKind): ParsedOrders {
  const get = fieldReader(table, mapping);
  const perUnit = perUnitRows[kind];
  const byId = new Map<string, { order: ParsedOrder; lineTotals: number; anyLineTotal: boolean; totalGiven: number | null; bad: boolean }>();
  const skipped: ParsedOrders['skipped'] = [];
  const errors: RowProblem[] = [];
  const skippedIds = new Set<string>();

  for (const { line, cells } of table.rows) {
    const externalId = get(cells, 'externalId');
    if (!externalId) {
      errors.push({ line, code: 'noOrderId' });
      continue;
    }
    const status = get(cells, 'status');
    if (isSkippedStatus(status) || skippedIds.has(externalId)) {
      skippedIds.add(externalId);
      skipped.push({ line, externalId, status });
      continue;
    }
    const qtyCell = parseQty(get(cells, 'qty'));
    if (qtyCell === 'invalid') {
      errors.push({ line, code: 'badQty', params: { value: get(cells, 'qty') } });
      continue;
    }
    const qty = qtyCell ?? 1;
    if (qtyCell === null && !perUnit && mapping.qty) {
      errors.push({ line, code: 'badQty', params: { value: '' } });
      continue;
    }
    const unitCell = parseAmount(get(cells, 'unitPrice'));
    const lineTotalCell = parseAmount(get(cells, 'lineTotal'));
    if (unitCell === null && lineTotalCell === null) {
      errors.push({ line, code: 'badPrice', params: { value: get(cells, 'unitPrice') || get(cells, 'lineTotal') } });
      continue;
    }
    const lineTotal = lineTotalCell ?? unitCell! * qty;
    const unitPrice = unitCell ?? Math.round(lineTotal / qty);
    const sku = get(cells, 'sku');
    const productName = [get(cells, 'productName'), get(cells, 'variation')].filter(Boolean).join(' / ');
    const externalSku = sku || productName;
    if (!externalSku) {
      errors.push({ line, code: 'noSku' });
      continue;
    }
    let entry = byId.get(externalId);
    if (!entry) {
      entry = {
        order: {
          externalId,
          lines: [],
          status,
          createdAt: get(cells, 'createdAt'),
          buyerName: '',
          recipientName: '',
          phone: '',
          address: '',
          postcode: undefined,
          paymentMethod: '',
          trackingNumber: '',
          shippingFee: 0,
          total: 0,
        },
        lineTotals: 0,
        anyLineTotal: false,
        totalGiven: null,
        bad: false,
      };
      byId.set(externalId, entry);
    }
    const o = entry.order;
    o.buyerName ||= get(cells, 'buyerName');
    o.recipientName ||= get(cells, 'recipientName');
    o.phone ||= get(cells, 'phone');
    o.address ||= get(cells, 'address');
    o.postcode ||= /^\d{5}$/.test(get(cells, 'postcode')) ? get(cells, 'postcode') : undefined;
    o.paymentMethod ||= get(cells, 'paymentMethod');
    o.trackingNumber ||= get(cells, 'trackingNumber');
    const fee = parseAmount(get(cells, 'shippingFee')) ?? 0;
    // Lazada splits the fee over the unit rows; the others repeat the order's fee on every row.
    o.shippingFee = perUnit ? o.shippingFee + fee : o.shippingFee || fee;
    entry.totalGiven ??= parseAmount(get(cells, 'orderTotal'));
    entry.lineTotals += lineTotal;
    o.lines.push({ line, externalSku, productName, qty, unitPrice });
  }

  const orders: ParsedOrder[] = [];
  for (const { order, lineTotals, totalGiven } of byId.values()) {
    const firstLine = order.lines[0]!.line;
    if (!order.recipientName) order.recipientName = order.buyerName;
    const missing = [
      !order.recipientName && 'recipientName',
      !order.phone && 'phone',
      order.address.length < 5 && 'address',
    ].filter(Boolean) as string[];
    if (missing.length > 0) {
      for (const l of order.lines) errors.push({ line: l.line, code: 'missingFields', params: { fields: missing.map((f) => mapping[f] ?? f).join(', ') } });
      continue;
    }
    order.total = totalGiven ?? lineTotals + order.shippingFee;
    if (order.total < 0) {
      errors.push({ line: firstLine, code: 'badPrice', params: { value: String(order.total / 100) } });
      continue;
    }
    orders.push(order);
  }
  return { orders, skipped, errors: errors.sort((a, b) => a.line - b.line) };
}

/** The phone to file a marketplace customer under: the Thai number when it is one, else as written. */
export function customerPhone(order: ParsedOrder): string {
  return normalizeThaiPhone(order.phone) ?? order.phone.trim();
}

export interface CodRow {
  line: number;
  trackingNumber: string;
  orderNumber: string;
  amount: number;
  day: string | null;
}

export function parseCodRows(table: Table, mapping: Record<string, string>): { rows: CodRow[]; errors: RowProblem[] } {
  const get = fieldReader(table, mapping);
  const rows: CodRow[] = [];
  const errors: RowProblem[] = [];
  for (const { line, cells } of table.rows) {
    const trackingNumber = get(cells, 'trackingNumber');
    const orderNumber = get(cells, 'orderNumber');
    if (!trackingNumber && !orderNumber) {
      errors.push({ line, code: 'noTracking' });
      continue;
    }
    const amount = parseAmount(get(cells, 'codAmount'));
    if (amount === null || amount <= 0) {
      errors.push({ line, code: 'badPrice', params: { value: get(cells, 'codAmount') } });
      continue;
    }
    const rawDay = get(cells, 'remitDate');
    const day = parseDay(rawDay);
    if (rawDay && !day) {
      errors.push({ line, code: 'badDate', params: { value: rawDay } });
      continue;
    }
    rows.push({ line, trackingNumber, orderNumber, amount, day });
  }
  return { rows, errors };
}
