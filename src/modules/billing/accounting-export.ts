import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { sheetCell, writeCsv } from '../../lib/csv.ts';
import { loadExcel } from '../../lib/lazy.ts';
import { localDateTime, shopDays } from '../../lib/shop-time.ts';
import type { DbOrTx } from '../../db/client.ts';
import { moneyFigureNames, moneyFigures } from '../reports/money.ts';
import {
  accountingLines,
  accountingNotes,
  accountingOrders,
  accountingPayments,
  accountingRefunds,
  accountingVat,
  decimal,
  type AccountingKind,
  type AccountingRange,
} from './accounting.ts';
import { vatIncluded } from './invoices.ts';

/**
 * The accountant's export, built once as sections (orders, lines, payments, refunds, credit and debit
 * notes, VAT) and written either as one CSV with a section per block (machine headers, the shop's local
 * time) or as an .xlsx with a sheet per section (headers and codes in the reader's language, dates
 * Buddhist era beside their machine form). Both end with the money figures of money.ts.
 */
export type SectionName = Exclude<AccountingKind, 'all'>;
/** text: as is; code: an internal value a reader sees named; money: satang; count: a number; date: a moment. */
type ColumnType = 'text' | 'code' | 'money' | 'count' | 'date';
interface Column {
  name: string;
  type: ColumnType;
}
export interface AccountingSection {
  name: SectionName;
  columns: Column[];
  rows: unknown[][];
}

const col = (name: string, type: ColumnType = 'text'): Column => ({ name, type });
const vatCols = (on: boolean) => (on ? [col('net_excluding_vat', 'money'), col('vat_7', 'money')] : []);

export async function accountingSections(db: DbOrTx, r: AccountingRange, kind: AccountingKind, opts: { vatRegistered: boolean }): Promise<AccountingSection[]> {
  const want = (k: SectionName) => kind === 'all' || kind === k;
  const vat = opts.vatRegistered;
  const sections: AccountingSection[] = [];
  if (want('orders')) {
    sections.push({
      name: 'orders',
      columns: [
        col('number'), col('date', 'date'), col('channel', 'code'), col('customer'), col('invoice_number'), col('payment_method', 'code'),
        col('subtotal', 'money'), col('shipping', 'money'), col('discount', 'money'), col('total', 'money'), ...vatCols(vat), col('status', 'code'),
      ],
      rows: (await accountingOrders(db, r)).map((o) => {
        const v = vatIncluded(o.total);
        return [o.number, o.createdAt, o.channel, o.customerName, o.invoiceNumber ?? '', o.paymentMethod, o.subtotal, o.shippingFee, o.discount, o.total, ...(vat ? [v.net, v.vat] : []), o.status];
      }),
    });
  }
  if (want('lines')) {
    sections.push({
      name: 'lines',
      columns: [col('order_number'), col('sku'), col('name'), col('qty', 'count'), col('unit_price', 'money'), col('line_total', 'money')],
      rows: (await accountingLines(db, r)).map((l) => [l.orderNumber, l.sku, l.name, l.qty, l.unitPrice, l.lineTotal]),
    });
  }
  if (want('payments')) {
    sections.push({
      name: 'payments',
      columns: [col('order_number'), col('date', 'date'), col('method', 'code'), col('reference'), col('amount', 'money')],
      rows: (await accountingPayments(db, r)).map((p) => [p.orderNumber, p.at, p.method, p.reference, p.amount]),
    });
  }
  if (want('refunds')) {
    sections.push({
      name: 'refunds',
      columns: [col('order_number'), col('date', 'date'), col('method', 'code'), col('reference'), col('reason'), col('amount', 'money')],
      rows: (await accountingRefunds(db, r)).map((f) => [f.orderNumber, f.at, f.method, f.reference, f.reason, -f.amount]),
    });
  }
  if (want('credit_notes')) {
    sections.push({
      name: 'credit_notes',
      columns: [col('number'), col('date', 'date'), col('order_number'), col('invoice_number'), col('reason'), col('amount', 'money'), ...vatCols(vat)],
      rows: (await accountingNotes(db, r)).map((c) => [c.number, c.at, c.orderNumber, c.invoiceNumber, c.reason, c.amount, ...(vat ? [c.amount - c.vat, c.vat] : [])]),
    });
  }
  if (want('vat')) {
    sections.push({
      name: 'vat',
      columns: [col('document'), col('date', 'date'), col('kind', 'code'), col('order_number'), col('customer'), col('net_excluding_vat', 'money'), col('vat_7', 'money'), col('total', 'money')],
      rows: (await accountingVat(db, r)).map((v) => [v.number, v.at, v.kind, v.orderNumber, v.customerName, v.amount - v.vat, v.vat, v.amount]),
    });
  }
  return sections;
}

/** The money figures of the range, as every page shows them (src/modules/reports/money.ts). */
const figuresOf = (db: DbOrTx, r: AccountingRange) => moneyFigures(db, { ...shopDays(r.from, r.to, r.timeZone), channel: r.channel });

/**
 * The export as one CSV (UTF-8 with a BOM, so Excel reads Thai): the chosen sections, each headed by
 * its name, then the money row (received, refunds paid, net sales, awaiting payment, COD to collect).
 */
export async function accountingCsv(db: DbOrTx, r: AccountingRange, kind: AccountingKind, opts: { vatRegistered: boolean }): Promise<string> {
  const rows: unknown[][] = [];
  const all = kind === 'all';
  for (const s of await accountingSections(db, r, kind, opts)) {
    if (all) rows.push([`# ${s.name}`]);
    rows.push(s.columns.map((c) => c.name));
    for (const row of s.rows) {
      rows.push(row.map((v, i) => (s.columns[i]!.type === 'money' ? decimal(v as number) : s.columns[i]!.type === 'date' ? localDateTime(v as Date, r.timeZone) : v)));
    }
    if (all) rows.push([]);
  }
  const money = await figuresOf(db, r);
  if (all) rows.push(['# money']);
  rows.push([
    'money', `${r.from}..${r.to}`, 'received', decimal(money.paid), 'refunds_paid', decimal(money.refunds), 'net_sales', decimal(money.netSales),
    'awaiting_payment', decimal(money.awaitingPayment), 'cod_to_collect', decimal(money.codToCollect), ...(r.channel ? ['channel', r.channel] : []),
  ]);
  return writeCsv(rows);
}

export interface SheetWords {
  /** A text of the reader's language: accounting.sheet.<section>, accounting.col.<column>, accounting.iso, accounting.total, money.<figure>. */
  label: (key: string, params?: Record<string, string>) => string;
  /** A moment as the reader reads it (Buddhist era for Thai). */
  humanDate: (d: Date) => string;
  /** A code (channel, payment method, status, document kind) named for the reader. */
  describe: (column: string, value: string) => string;
}

/**
 * The export as an .xlsx workbook: a sheet per section with the reader's headers, money as numbers
 * (baht, two decimals) with a total row, each date twice (as the reader reads it, and machine-readable),
 * and a summary sheet of the money figures. Every cell goes through the one cell writer (sheetCell).
 * Written row by row (exceljs' streaming writer, strings inline): a workbook built whole in memory held
 * 30-40 MB more for a month of a busy shop's orders, and that memory is not given back to the system.
 */
export async function accountingXlsx(db: DbOrTx, r: AccountingRange, opts: { vatRegistered: boolean; words: SheetWords }): Promise<Buffer> {
  const Excel = await loadExcel();
  const sections = await accountingSections(db, r, 'all', opts);
  const figures = await figuresOf(db, r);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const written = finished(out);
  const book = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const { label, humanDate, describe } = opts.words;
  const bold = { bold: true };
  for (const s of sections) {
    const sheet = book.addWorksheet(String(sheetCell(label(`accounting.sheet.${s.name}`))).slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
    const headers: string[] = [];
    const money: number[] = [];
    for (const c of s.columns) {
      const name = label(`accounting.col.${c.name}`);
      if (c.type === 'money') money.push(headers.length);
      headers.push(name);
      if (c.type === 'date') headers.push(label('accounting.iso', { column: name }));
    }
    // Columns before rows: a streamed row is written as it is committed, with its columns' format.
    sheet.columns = headers.map((_, i) => ({ width: 16, ...(money.includes(i) ? { style: { numFmt: '#,##0.00' } } : {}) }));
    const head = sheet.addRow(headers.map(sheetCell));
    head.font = bold;
    head.commit();
    const totals = new Map<number, number>(money.map((i) => [i, 0]));
    for (const row of s.rows) {
      const cells: unknown[] = [];
      row.forEach((v, i) => {
        const c = s.columns[i]!;
        if (c.type === 'money') {
          totals.set(cells.length, totals.get(cells.length)! + (v as number));
          cells.push((v as number) / 100);
        } else if (c.type === 'date') cells.push(humanDate(v as Date), localDateTime(v as Date, r.timeZone));
        else if (c.type === 'code') cells.push(describe(c.name, String(v)));
        else cells.push(v);
      });
      sheet.addRow(cells.map(sheetCell)).commit();
    }
    const total: (string | number)[] = headers.map(() => '');
    total[0] = sheetCell(label('accounting.total'));
    for (const [i, satang] of totals) total[i] = satang / 100;
    const totalRow = sheet.addRow(total);
    totalRow.font = bold;
    totalRow.commit();
    sheet.commit();
  }
  const summary = book.addWorksheet(String(sheetCell(label('accounting.sheet.summary'))).slice(0, 31));
  summary.columns = [{ width: 28 }, { style: { numFmt: '#,##0.00' } }];
  summary.addRow([sheetCell(label('accounting.col.range')), sheetCell(`${r.from}..${r.to}`)]).commit();
  if (r.channel) summary.addRow([sheetCell(label('accounting.col.channel')), sheetCell(describe('channel', r.channel))]).commit();
  for (const name of moneyFigureNames) summary.addRow([sheetCell(label(`money.${name}`)), name === 'orders' ? figures[name] : figures[name] / 100]).commit();
  summary.commit();
  await book.commit();
  await written;
  return Buffer.concat(chunks);
}
