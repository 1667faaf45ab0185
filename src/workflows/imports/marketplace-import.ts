import { createHash } from 'node:crypto';
import type { Db, DbOrTx } from '#src/db/client.ts';
import { pgErrorCode, withTransaction } from '#src/db/client.ts';
import type { ImportRun } from '#src/db/schema/index.ts';
import type { BillingOptions } from '#src/modules/billing/index.ts';
import { AppError, isAppError } from '#src/errors.ts';
import { findSellablesBySku } from '#src/modules/catalog/index.ts';
import { findOrCreateCustomerByPhone, saveAddress } from '#src/modules/customers/index.ts';
import {
  aliasesFor,
  channelOfKind,
  claimImportRun,
  createImportRun,
  customerPhone,
  isMarketplaceCod,
  parseShopTime,
  finishImportRun,
  groupOrders,
  importProgress,
  type ImportRowResult,
  mappingForFile,
  missingColumns,
  readTable,
  requiredFields,
  rowMessage,
  runInBackground,
  type ImportRowStatus,
  type MarketplaceKind,
  type ParsedOrder,
  type RowProblem,
} from '#src/modules/imports/index.ts';
import { findOrderByExternalId, ordersByExternalIds } from '#src/modules/orders/index.ts';
import { recordPayment } from '#src/modules/payments/index.ts';
import type { Logger } from '#src/logger.ts';
import { placeOrderInTx } from '../orders/place-order.ts';
import { transitionLockedOrder } from '../orders/transition-order.ts';

/** What a previewed marketplace file keeps between preview and apply. */
export interface MarketplacePayload {
  headers: string[];
  orders: ParsedOrder[];
  skipped: { line: number; externalId: string; status: string }[];
  errors: RowProblem[];
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/**
 * Reads an uploaded export and keeps it as a run waiting for the merchant's go-ahead. A file without
 * the mapping's required columns is refused, naming them; its header row is still kept so the
 * mapping page can offer its column names.
 */
export async function previewMarketplaceFile(
  db: Db,
  input: { kind: MarketplaceKind; filename: string; file: Buffer; actor: string },
): Promise<ImportRun> {
  const table = await readTable(input.file);
  const mapping = await mappingForFile(db, input.kind, table.headers);
  const missing = missingColumns(table.headers, mapping, requiredFields[input.kind]);
  const base = { kind: input.kind, filename: input.filename, fileSha256: sha256(input.file), actor: input.actor, totalRows: table.rows.length };
  if (missing.length > 0) {
    const run = await createImportRun(db, { ...base, payload: { headers: table.headers }, summary: {} });
    await finishImportRun(db, run.id, { summary: {}, error: `missing columns: ${missing.join(', ')}` });
    throw new AppError('IMPORT_COLUMNS_MISSING', `The file lacks the columns ${missing.join(', ')}`, { columns: missing });
  }
  const parsed = groupOrders(table, mapping, input.kind);
  const payload: MarketplacePayload = { headers: table.headers, ...parsed };
  return createImportRun(db, {
    ...base,
    payload,
    summary: { orders: parsed.orders.length, skipped: parsed.skipped.length, error: parsed.errors.length },
  });
}

export type OrderState = 'new' | 'duplicate' | 'unmatched';

export interface MarketplacePreview {
  orders: { externalId: string; state: OrderState; number?: string | undefined; lines: number; qty: number; total: number; unmatched: string[] }[];
  counts: { new: number; duplicate: number; skipped: number; unmatched: number; errors: number };
  /** Seller SKUs we cannot match yet, with a product name and how many orders wait on each. */
  unmatchedSkus: { externalSku: string; productName: string; orders: number }[];
  skipped: MarketplacePayload['skipped'];
  errors: RowProblem[];
}

/** Seller SKU -> our SKU, by our SKUs first (any case) then the merchant's aliases for this marketplace. */
async function resolveSkus(db: DbOrTx, kind: MarketplaceKind, externalSkus: string[]): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  const ours = await findSellablesBySku(db, externalSkus);
  for (const s of externalSkus) {
    const hit = ours.get(s.toLowerCase());
    if (hit) resolved.set(s.toLowerCase(), hit.sku);
  }
  const rest = externalSkus.filter((s) => !resolved.has(s.toLowerCase()));
  const aliases = await aliasesFor(db, kind, rest);
  for (const [k, v] of aliases) resolved.set(k, v.sku);
  return resolved;
}

async function existingByExternalId(db: DbOrTx, kind: MarketplaceKind, ids: string[]): Promise<Map<string, string>> {
  const found = await ordersByExternalIds(db, channelOfKind[kind], ids);
  return new Map(found.flatMap((o) => (o.externalId ? [[o.externalId, o.number] as const] : [])));
}

/** The preview as of now: SKUs mapped and orders imported since the upload count. */
export async function previewMarketplaceRun(db: Db, run: ImportRun): Promise<MarketplacePreview> {
  const payload = run.payload as MarketplacePayload;
  const kind = run.kind as MarketplaceKind;
  const allSkus = [...new Set(payload.orders.flatMap((o) => o.lines.map((l) => l.externalSku)))];
  const resolved = await resolveSkus(db, kind, allSkus);
  const existing = await existingByExternalId(
    db,
    kind,
    payload.orders.map((o) => o.externalId),
  );
  const unmatchedSkus = new Map<string, { externalSku: string; productName: string; orders: number }>();
  const rows: MarketplacePreview['orders'] = payload.orders.map((o) => {
    const unmatched = [...new Set(o.lines.filter((l) => !resolved.has(l.externalSku.toLowerCase())).map((l) => l.externalSku))];
    const number = existing.get(o.externalId);
    const state: OrderState = number ? 'duplicate' : unmatched.length > 0 ? 'unmatched' : 'new';
    if (state === 'unmatched') {
      for (const sku of unmatched) {
        const entry = unmatchedSkus.get(sku.toLowerCase()) ?? {
          externalSku: sku,
          productName: o.lines.find((l) => l.externalSku === sku)?.productName ?? '',
          orders: 0,
        };
        entry.orders += 1;
        unmatchedSkus.set(sku.toLowerCase(), entry);
      }
    }
    return { externalId: o.externalId, state, number, lines: o.lines.length, qty: o.lines.reduce((s, l) => s + l.qty, 0), total: o.total, unmatched };
  });
  return {
    orders: rows,
    counts: {
      new: rows.filter((r) => r.state === 'new').length,
      duplicate: rows.filter((r) => r.state === 'duplicate').length,
      skipped: new Set(payload.skipped.map((s) => s.externalId)).size,
      unmatched: unmatchedSkus.size,
      errors: payload.errors.length,
    },
    unmatchedSkus: [...unmatchedSkus.values()],
    skipped: payload.skipped,
    errors: payload.errors,
  };
}

export interface ApplyOptions {
  actor: string;
  currency: string;
  /** The shop's billing settings: a marketplace order paid there gets its receipt number here. */
  billing: BillingOptions;
  logger: Pick<Logger, 'error'>;
  batchSize?: number;
}

/**
 * Starts applying a previewed run in the background and returns at once; false when the run was
 * not waiting to be applied (already started, discarded). The claim is a conditional update, so two
 * clicks on Apply start it once.
 */
export async function startMarketplaceImport(db: Db, run: ImportRun, opts: ApplyOptions): Promise<boolean> {
  if (!(await claimImportRun(db, run.id, run.totalRows))) return false;
  runInBackground(() => applyMarketplaceRun(db, run, opts), opts.logger);
  return true;
}

type RowResult = ImportRowResult;

/** Every order in its own transaction, in batches; one order failing leaves the others alone. */
export async function applyMarketplaceRun(db: Db, run: ImportRun, opts: ApplyOptions): Promise<void> {
  const payload = run.payload as MarketplacePayload;
  const kind = run.kind as MarketplaceKind;
  const { summary, record } = importProgress(db, run.id);
  try {
    await record([
      ...payload.skipped.map((s) => ({ line: s.line, status: 'skipped' as const, message: rowMessage('skipped', { status: s.status }), ref: s.externalId })),
      ...payload.errors.map((e) => ({ line: e.line, status: 'error' as const, message: rowMessage(e.code, e.params) })),
    ]);
    const size = opts.batchSize ?? 20;
    for (let i = 0; i < payload.orders.length; i += size) {
      const results: RowResult[] = [];
      for (const order of payload.orders.slice(i, i + size)) results.push(...(await importOne(db, kind, order, opts)));
      await record(results);
    }
    await finishImportRun(db, run.id, { summary });
  } catch (err) {
    opts.logger.error({ err, runId: run.id }, 'marketplace import stopped');
    await finishImportRun(db, run.id, { summary, error: (err as Error).message || 'failed' });
  }
}

function rowsFor(order: ParsedOrder, status: ImportRowStatus, message: string, ref?: string): RowResult[] {
  return order.lines.map((l) => ({ line: l.line, status, message, ...(ref ? { ref } : {}) }));
}

/** Places one marketplace order as paid, or says why not. */
export async function importOne(db: Db, kind: MarketplaceKind, order: ParsedOrder, opts: Pick<ApplyOptions, 'actor' | 'currency' | 'billing'>): Promise<RowResult[]> {
  const channel = channelOfKind[kind];
  const resolved = await resolveSkus(
    db,
    kind,
    order.lines.map((l) => l.externalSku),
  );
  const unmatched = [...new Set(order.lines.filter((l) => !resolved.has(l.externalSku.toLowerCase())).map((l) => l.externalSku))];
  if (unmatched.length > 0) {
    return order.lines.map((l) => ({
      line: l.line,
      status: 'unmatched' as const,
      message: rowMessage(resolved.has(l.externalSku.toLowerCase()) ? 'orderUnmatched' : 'unmatched', { sku: l.externalSku, skus: unmatched.join(', ') }),
      ref: order.externalId,
    }));
  }
  // One line per SKU, at the average price the buyer paid for it.
  const merged = new Map<string, { sku: string; qty: number; amount: number }>();
  for (const l of order.lines) {
    const sku = resolved.get(l.externalSku.toLowerCase())!;
    const m = merged.get(sku.toLowerCase()) ?? { sku, qty: 0, amount: 0 };
    m.qty += l.qty;
    m.amount += l.unitPrice * l.qty;
    merged.set(sku.toLowerCase(), m);
  }
  const lines = [...merged.values()].map((m) => ({ sku: m.sku, qty: m.qty, unitPrice: Math.round(m.amount / m.qty) }));
  const subtotal = lines.reduce((s, l) => s + l.unitPrice * l.qty, 0);
  // The marketplace's vouchers and rounding: what the buyer paid in total is what the order says.
  const discount = Math.max(0, subtotal + order.shippingFee - order.total);
  const phone = customerPhone(order);
  const postcode = order.postcode ?? /(?:^|\D)(\d{5})(?!.*\d{5})/.exec(order.address)?.[1];
  const shippingAddress = { name: order.recipientName, phone, address: order.address, ...(postcode ? { postcode } : {}) };
  const label = `${kind}:${order.externalId}`;
  // The marketplace's own order time (the import's time when the file has none), and how it was paid:
  // on the marketplace, or cash on delivery collected by the marketplace's carrier.
  const placedAt = parseShopTime(order.createdAt, opts.billing.timeZone) ?? undefined;
  const viaCod = isMarketplaceCod(order.paymentMethod);
  // The marketplace's own tracking number goes on the order, where the packer sees it when shipping.
  const noteParts = [
    `${kind} ${order.externalId}`,
    order.buyerName && `buyer ${order.buyerName}`,
    order.createdAt && `placed ${order.createdAt}`,
    order.trackingNumber && `tracking ${order.trackingNumber}`,
  ];
  try {
    const placed = await withTransaction(db, async (tx) => {
      const existing = await findOrderByExternalId(tx, channel, order.externalId);
      if (existing) return { duplicate: existing.number };
      const customer = await findOrCreateCustomerByPhone(tx, { name: order.recipientName, phone });
      const { order: created } = await placeOrderInTx(
        tx,
        {
          channel,
          externalId: order.externalId,
          customer: { id: customer.id, name: order.recipientName, phone: customer.phone ?? undefined },
          lines,
          shippingAddress,
          paymentMethod: viaCod ? 'cod' : 'marketplace',
          currency: opts.currency,
          placedAt,
          shippingFee: order.shippingFee,
          discount,
          note: noteParts.filter(Boolean).join(' · '),
          actor: opts.actor,
        },
        async (tx2) => {
          await saveAddress(tx2, customer.id, shippingAddress);
        },
      );
      // Cash on delivery through the marketplace: accepted to ship; the money comes with the carrier.
      if (viaCod) {
        const accepted = await transitionLockedOrder(tx, created, { to: 'confirmed', actor: opts.actor, note: `COD through ${kind}`, notify: false });
        return { number: accepted.number };
      }
      // The marketplace collected the money when the buyer ordered: the payment is confirmed at that
      // time, then the order moves to paid (which then finds nothing outstanding). Marketplace buyers
      // are not chat customers: no message.
      if (created.total > 0) {
        await recordPayment(tx, {
          orderId: created.id,
          method: 'marketplace',
          amount: created.total,
          currency: created.currency,
          reference: label,
          actor: opts.actor,
          note: `paid on ${kind}`,
          confirmedAt: placedAt,
        });
      }
      const paid = await transitionLockedOrder(tx, created, { to: 'paid', actor: opts.actor, event: { kind: 'order.paidOnMarketplace', params: { channel: kind } }, notify: false, billing: opts.billing });
      return { number: paid.number };
    });
    if ('duplicate' in placed) return rowsFor(order, 'duplicate', rowMessage('duplicate', { number: placed.duplicate! }), placed.duplicate);
    const message = order.trackingNumber
      ? rowMessage('createdWithTracking', { number: placed.number, tracking: order.trackingNumber })
      : rowMessage('created', { number: placed.number });
    return rowsFor(order, 'created', message, placed.number);
  } catch (err) {
    // Another upload of the same order got there first: the unique index on (channel, external id) decided.
    if (pgErrorCode(err) === '23505') {
      const existing = await findOrderByExternalId(db, channel, order.externalId);
      if (existing) return rowsFor(order, 'duplicate', rowMessage('duplicate', { number: existing.number }), existing.number);
    }
    if (isAppError(err)) {
      const params: Record<string, string | number> = { text: err.message };
      const shortages = err.details?.shortages as { sku: string; requested: number; available: number }[] | undefined;
      if (shortages) params.detail = shortages.map((s) => `${s.sku} ${s.requested} > ${s.available}`).join(', ');
      const skus = err.details?.skus as string[] | undefined;
      if (skus) params.detail = skus.join(', ');
      return rowsFor(order, 'error', rowMessage(err.code, params), order.externalId);
    }
    // Anything else (a constraint the file broke) fails this order only; the others go on.
    return rowsFor(order, 'error', rowMessage('unexpected', { text: err instanceof Error ? err.message : String(err) }), order.externalId);
  }
}
