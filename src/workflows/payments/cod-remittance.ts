import type { Db, DbOrTx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { ImportRun, Order } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { startOfLocalDay } from '#src/lib/shop-time.ts';
import { issueInvoice } from '#src/modules/billing/index.ts';
import {
  claimImportRun,
  createImportRun,
  finishImportRun,
  importProgress,
  type ImportRowResult,
  mappingFor,
  missingColumns,
  parseCodRows,
  readTable,
  rowMessage,
  runInBackground,
  type CodRow,
  type ImportRowStatus,
  type RowProblem,
} from '#src/modules/imports/index.ts';
import { appendOrderNote, lockOrder, ordersByIds, ordersByNumbers, parseOrderNumber } from '#src/modules/orders/index.ts';
import { codCollectedOrderIds, overdueCodOrders, paymentReceived, recordPayment } from '#src/modules/payments/index.ts';
import { orderIdsByTracking } from '#src/modules/shipping/index.ts';
import type { Logger } from '#src/logger.ts';
import { sha256 } from '../imports/marketplace-import.ts';

export interface CodPayload {
  headers: string[];
  rows: CodRow[];
  errors: RowProblem[];
}

/** Reads a carrier's COD remittance and keeps it as a run to preview; refused when it lacks the amount or any way to find the order. */
export async function previewCodFile(db: Db, input: { filename: string; file: Buffer; actor: string }): Promise<ImportRun> {
  const table = await readTable(input.file);
  const mapping = await mappingFor(db, 'cod_remittance');
  const missing = missingColumns(table.headers, mapping, ['codAmount']);
  const keys = missingColumns(table.headers, mapping, ['trackingNumber', 'orderNumber']);
  if (keys.length === 2 || (keys.length === 1 && !(mapping.trackingNumber && mapping.orderNumber))) missing.push(...keys);
  const base = { kind: 'cod_remittance' as const, filename: input.filename, fileSha256: sha256(input.file), actor: input.actor, totalRows: table.rows.length };
  if (missing.length > 0) {
    const run = await createImportRun(db, { ...base, payload: { headers: table.headers }, summary: {} });
    await finishImportRun(db, run.id, { summary: {}, error: `missing columns: ${missing.join(', ')}` });
    throw new AppError('IMPORT_COLUMNS_MISSING', `The file lacks the columns ${missing.join(', ')}`, { columns: missing });
  }
  const parsed = parseCodRows(table, mapping);
  const payload: CodPayload = { headers: table.headers, ...parsed };
  return createImportRun(db, { ...base, payload, summary: { rows: parsed.rows.length, error: parsed.errors.length } });
}

export type CodState = 'equal' | 'different' | 'unknown' | 'duplicate' | 'notCod';

export interface CodMatch extends CodRow {
  state: CodState;
  order?: { id: number; number: string; total: number; status: string; customerName: string; currency: string } | undefined;
  difference: number;
}

export interface CodPreview {
  rows: CodMatch[];
  /** COD orders shipped more than `days` ago that are neither collected nor in this file. */
  missing: { number: string; customerName: string; total: number; currency: string; trackingNumber: string | null; shippedAt: Date | null }[];
  errors: RowProblem[];
  counts: Record<CodState | 'missing' | 'errors', number>;
}

type OrderHit = Order;

/** The orders a remittance's rows name: by tracking number, else by order number. */
async function findOrders(db: DbOrTx, rows: CodRow[]): Promise<{ byTracking: Map<string, OrderHit>; byNumber: Map<string, OrderHit> }> {
  const tracked = await orderIdsByTracking(db, rows.map((r) => r.trackingNumber));
  const numbers = rows.map((r) => (r.orderNumber ? (parseOrderNumber(r.orderNumber) ?? r.orderNumber) : '')).filter(Boolean);
  const byId = new Map((await ordersByIds(db, [...tracked.values()])).map((o) => [o.id, o]));
  const byTracking = new Map([...tracked].flatMap(([tracking, id]) => (byId.has(id) ? [[tracking, byId.get(id)!] as const] : [])));
  const byNumber = new Map((await ordersByNumbers(db, numbers)).map((o) => [o.number, o]));
  return { byTracking, byNumber };
}

/** Each remittance row against our orders, and the COD orders overdue that the carrier has not paid for. */
export async function previewCodRun(db: Db, run: ImportRun, opts: { days: number; now?: Date }): Promise<CodPreview> {
  const payload = run.payload as CodPayload;
  const { byTracking, byNumber } = await findOrders(db, payload.rows);
  const found = (r: CodRow) =>
    (r.trackingNumber ? byTracking.get(r.trackingNumber.toUpperCase()) : undefined) ??
    (r.orderNumber ? byNumber.get(parseOrderNumber(r.orderNumber) ?? r.orderNumber) : undefined);
  const hits = payload.rows.map(found);
  const collected = await codCollectedOrderIds(
    db,
    hits.filter((h): h is OrderHit => h !== undefined).map((h) => h.id),
  );
  const seen = new Set<number>();
  const rows: CodMatch[] = payload.rows.map((r, i) => {
    const hit = hits[i];
    if (!hit) return { ...r, state: 'unknown', difference: 0 };
    const order = { id: hit.id, number: hit.number, total: hit.total, status: hit.status, customerName: hit.customerName, currency: hit.currency };
    const difference = r.amount - hit.total;
    let state: CodState = difference === 0 ? 'equal' : 'different';
    if (hit.paymentMethod !== 'cod') state = 'notCod';
    else if (collected.has(hit.id) || seen.has(hit.id)) state = 'duplicate';
    seen.add(hit.id);
    return { ...r, state, order, difference };
  });

  const cutoff = new Date((opts.now ?? new Date()).getTime() - opts.days * 86_400_000);
  const inFile = [...seen];
  const missing = await overdueCodOrders(db, { shippedBefore: cutoff, except: inFile, limit: 500 });
  const count = (s: CodState) => rows.filter((r) => r.state === s).length;
  return {
    rows,
    missing,
    errors: payload.errors,
    counts: {
      equal: count('equal'),
      different: count('different'),
      unknown: count('unknown'),
      duplicate: count('duplicate'),
      notCod: count('notCod'),
      missing: missing.length,
      errors: payload.errors.length,
    },
  };
}

export interface CodApplyOptions {
  actor: string;
  vatRegistered: boolean;
  timeZone: string;
  logger: Pick<Logger, 'error'>;
}

export async function startCodImport(db: Db, run: ImportRun, opts: CodApplyOptions): Promise<boolean> {
  if (!(await claimImportRun(db, run.id, run.totalRows))) return false;
  runInBackground(() => applyCodRun(db, run, opts), opts.logger);
  return true;
}

type RowResult = ImportRowResult;

/** The remit day's start in the shop's time zone: when the carrier paid. */
function remitInstant(day: string | null, timeZone: string): Date | undefined {
  if (!day) return undefined;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return startOfLocalDay(new Date(Date.UTC(y, m - 1, d, 12)), timeZone);
}

/**
 * Records each collection in its own transaction: the order is locked, an existing confirmed COD
 * payment means it was recorded before (the same file twice records nothing twice), otherwise the
 * payment, a note in the order's history and the receipt number. Statuses do not move.
 */
export async function applyCodRun(db: Db, run: ImportRun, opts: CodApplyOptions): Promise<void> {
  const payload = run.payload as CodPayload;
  const { summary, record } = importProgress(db, run.id);
  try {
    await record(payload.errors.map((e) => ({ line: e.line, status: 'error' as const, message: rowMessage(e.code, e.params) })));
    const { byTracking, byNumber } = await findOrders(db, payload.rows);
    for (let i = 0; i < payload.rows.length; i += 50) {
      const results: RowResult[] = [];
      for (const r of payload.rows.slice(i, i + 50)) {
        const hit =
          (r.trackingNumber ? byTracking.get(r.trackingNumber.toUpperCase()) : undefined) ??
          (r.orderNumber ? byNumber.get(parseOrderNumber(r.orderNumber) ?? r.orderNumber) : undefined);
        const key = r.trackingNumber || r.orderNumber;
        if (!hit) {
          results.push({ line: r.line, status: 'unmatched', message: rowMessage('codUnknown', { key }), ref: key });
          continue;
        }
        if (hit.paymentMethod !== 'cod') {
          results.push({ line: r.line, status: 'error', message: rowMessage('notCod', { number: hit.number }), ref: hit.number });
          continue;
        }
        results.push(await collectOne(db, hit.number, r, opts));
      }
      await record(results);
    }
    await finishImportRun(db, run.id, { summary });
  } catch (err) {
    opts.logger.error({ err, runId: run.id }, 'COD remittance import stopped');
    await finishImportRun(db, run.id, { summary, error: (err as Error).message || 'failed' });
  }
}

async function collectOne(db: Db, number: string, r: CodRow, opts: CodApplyOptions): Promise<RowResult> {
  return withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, number);
    if ((await codCollectedOrderIds(tx, [order.id])).size > 0) return { line: r.line, status: 'duplicate' as const, message: rowMessage('codDuplicate', { number }), ref: number };
    const reference = ['COD', r.trackingNumber || r.orderNumber, r.day ?? ''].join(' ').trim();
    await recordPayment(tx, {
      orderId: order.id,
      method: 'cod',
      status: paymentReceived,
      amount: r.amount,
      currency: order.currency,
      reference,
      actor: opts.actor,
      confirmedAt: remitInstant(r.day, opts.timeZone),
    });
    const difference = r.amount - order.total;
    const amount = (order.total / 100).toFixed(2);
    const remitted = (r.amount / 100).toFixed(2);
    await appendOrderNote(
      tx,
      order,
      opts.actor,
      difference === 0
        ? `COD collected: ${remitted} ${order.currency} (${reference})`
        : `COD collected: ${remitted} ${order.currency}, expected ${amount} (difference ${((difference) / 100).toFixed(2)}) (${reference})`,
    );
    const invoice = await issueInvoice(tx, order.id, { vatRegistered: opts.vatRegistered, timeZone: opts.timeZone });
    if (difference === 0) {
      return { line: r.line, status: 'ok' as const, message: rowMessage('codCollected', { number, amount: r.amount, invoice: invoice.number }), ref: number };
    }
    return {
      line: r.line,
      status: 'updated' as const,
      message: rowMessage('codDifferent', { number, expected: order.total, remitted: r.amount, difference, invoice: invoice.number }),
      ref: number,
    };
  });
}
