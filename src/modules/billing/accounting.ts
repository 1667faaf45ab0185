import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import type { OrderChannel } from '../../db/schema/index.ts';
import { andOrderChannel, cancelledStatus } from '../orders/index.ts';
import { paymentReceived, refundPaidBack } from '../payments/index.ts';

/**
 * The accountant's export for a range of shop days. Which orders belong to a day: placed that day
 * and not cancelled. Payments: received in the range; refunds: paid in the range (of any order, a
 * cancelled one too: its payment was received), so payments − refunds = net sales as money.ts counts it.
 */
export const accountingKinds = ['all', 'orders', 'lines', 'payments', 'refunds', 'credit_notes', 'vat'] as const;
export type AccountingKind = (typeof accountingKinds)[number];

export interface AccountingRange {
  from: string;
  to: string;
  timeZone: string;
  /** Only the orders of one sales channel (line, shopee...), with their lines, payments and refunds. */
  channel?: OrderChannel | undefined;
}

function inRange(column: SQL, r: AccountingRange): SQL {
  return sql`${column} >= (${r.from}::date::timestamp at time zone ${r.timeZone}) and ${column} < ((${r.to}::date + 1)::timestamp at time zone ${r.timeZone})`;
}

export interface AccountingOrder {
  id: number;
  number: string;
  createdAt: Date;
  channel: string;
  customerName: string;
  invoiceNumber: string | null;
  subtotal: number;
  shippingFee: number;
  discount: number;
  total: number;
  status: string;
  paymentMethod: string;
  currency: string;
}

export async function accountingOrders(db: DbOrTx, r: AccountingRange): Promise<AccountingOrder[]> {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select o.id, o.number, o.created_at, o.channel, o.customer_name, i.number as invoice_number, o.subtotal, o.shipping_fee,
           o.discount, o.total, o.status, o.payment_method, o.currency
    from orders o left join invoices i on i.order_id = o.id
    where o.status <> ${cancelledStatus} and ${inRange(sql`o.created_at`, r)} ${andOrderChannel(r.channel)}
    order by o.created_at, o.id`);
  return rows.map((o) => ({
    id: Number(o.id),
    number: String(o.number),
    createdAt: new Date(o.created_at as string),
    channel: String(o.channel),
    customerName: String(o.customer_name),
    invoiceNumber: (o.invoice_number as string | null) ?? null,
    subtotal: Number(o.subtotal),
    shippingFee: Number(o.shipping_fee),
    discount: Number(o.discount),
    total: Number(o.total),
    status: String(o.status),
    paymentMethod: String(o.payment_method),
    currency: String(o.currency),
  }));
}

export async function accountingLines(db: DbOrTx, r: AccountingRange) {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select o.number, l.sku, l.name, l.qty, l.unit_price, l.line_total
    from order_lines l join orders o on o.id = l.order_id
    where o.status <> ${cancelledStatus} and ${inRange(sql`o.created_at`, r)} ${andOrderChannel(r.channel)}
    order by o.created_at, o.id, l.id`);
  return rows.map((l) => ({
    orderNumber: String(l.number),
    sku: String(l.sku),
    name: String(l.name),
    qty: Number(l.qty),
    unitPrice: Number(l.unit_price),
    lineTotal: Number(l.line_total),
  }));
}

export async function accountingPayments(db: DbOrTx, r: AccountingRange) {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select o.number, p.confirmed_at, p.method, p.reference, p.amount
    from payments p join orders o on o.id = p.order_id
    where p.status = ${paymentReceived} and ${inRange(sql`p.confirmed_at`, r)} ${andOrderChannel(r.channel)}
    order by p.confirmed_at, p.id`);
  return rows.map((p) => ({
    orderNumber: String(p.number),
    at: new Date(p.confirmed_at as string),
    method: String(p.method),
    reference: (p.reference as string | null) ?? '',
    amount: Number(p.amount),
  }));
}

/**
 * Credit and debit notes issued in the range, with the receipt each refers to and its VAT: a credit
 * note takes money off (negative in the export), a debit note adds it.
 */
export async function accountingNotes(db: DbOrTx, r: AccountingRange) {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select * from (
      select 'credit' as kind, cn.id, cn.number, cn.issued_at, o.number as order_number, i.number as invoice_number, cn.reason, cn.amount, cn.vat
      from credit_notes cn join orders o on o.id = cn.order_id join invoices i on i.id = cn.invoice_id
      where ${inRange(sql`cn.issued_at`, r)} ${andOrderChannel(r.channel)}
      union all
      select 'debit', dn.id, dn.number, dn.issued_at, o.number, i.number, dn.reason, dn.amount, dn.vat
      from debit_notes dn join orders o on o.id = dn.order_id join invoices i on i.id = dn.invoice_id
      where ${inRange(sql`dn.issued_at`, r)} ${andOrderChannel(r.channel)}) n
    order by issued_at, kind, id`);
  return rows.map((c) => {
    const sign = c.kind === 'credit' ? -1 : 1;
    return {
      kind: c.kind as 'credit' | 'debit',
      number: String(c.number),
      at: new Date(c.issued_at as string),
      orderNumber: String(c.order_number),
      invoiceNumber: String(c.invoice_number),
      reason: String(c.reason),
      /** Signed: negative for a credit note. */
      amount: sign * Number(c.amount),
      vat: sign * Number(c.vat),
    };
  });
}

export async function accountingRefunds(db: DbOrTx, r: AccountingRange) {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select o.number, rf.paid_at, rf.method, rf.reference, rf.reason, rf.amount
    from refunds rf join orders o on o.id = rf.order_id
    where rf.status = ${refundPaidBack} and ${inRange(sql`rf.paid_at`, r)} ${andOrderChannel(r.channel)}
    order by rf.paid_at, rf.id`);
  return rows.map((f) => ({
    orderNumber: String(f.number),
    at: new Date(f.paid_at as string),
    method: (f.method as string | null) ?? '',
    reference: (f.reference as string | null) ?? '',
    reason: String(f.reason),
    amount: Number(f.amount),
  }));
}

/** Satang as the accountant's decimal: 12345 → "123.45". */
export function decimal(satang: number): string {
  const sign = satang < 0 ? '-' : '';
  const abs = Math.abs(satang);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * The output VAT register of the range: receipts issued in it (of any order, a cancelled one too: its
 * credit note is listed beside it), then credit notes (negative) and debit notes, each with its net and
 * VAT as issued (VAT 0 when the shop was not VAT-registered).
 */
export async function accountingVat(db: DbOrTx, r: AccountingRange) {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select * from (
      select 'receipt' as kind, i.id, i.number, i.issued_at, o.number as order_number, o.customer_name, i.total as amount, i.vat
      from invoices i join orders o on o.id = i.order_id
      where ${inRange(sql`i.issued_at`, r)} ${andOrderChannel(r.channel)}
      union all
      select 'credit', cn.id, cn.number, cn.issued_at, o.number, o.customer_name, -cn.amount, -cn.vat
      from credit_notes cn join orders o on o.id = cn.order_id
      where ${inRange(sql`cn.issued_at`, r)} ${andOrderChannel(r.channel)}
      union all
      select 'debit', dn.id, dn.number, dn.issued_at, o.number, o.customer_name, dn.amount, dn.vat
      from debit_notes dn join orders o on o.id = dn.order_id
      where ${inRange(sql`dn.issued_at`, r)} ${andOrderChannel(r.channel)}) v
    order by issued_at, kind, id`);
  return rows.map((v) => ({
    kind: v.kind as 'receipt' | 'credit' | 'debit',
    number: String(v.number),
    at: new Date(v.issued_at as string),
    orderNumber: String(v.order_number),
    customerName: String(v.customer_name),
    amount: Number(v.amount),
    vat: Number(v.vat),
  }));
}
