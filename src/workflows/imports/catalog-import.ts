// The product CSV import: a preview that writes nothing to the catalog (the plan is kept in
// import_runs), then an apply that runs in the background in batches of 200 rows, each batch one
// transaction, recording every row's result in import_rows.

import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, DbOrTx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { ImportRun } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import {
  categoryByName,
  firstProductNamed,
  insertProduct,
  insertVariant,
  parseProductCsv,
  updateProduct,
  updateVariant,
  variantCountsByName,
  variantsBySku,
  type CsvRowError,
  type VariantWithProduct,
  type ProductCsvRow,
} from '#src/modules/catalog/index.ts';
import {
  claimImportRun,
  createImportRun,
  finishImportRun,
  insertImportRows,
  runInBackground,
  updateImportProgress,
  type ImportRowStatus,
} from '#src/modules/imports/index.ts';

export type PlannedAction = 'create' | 'update' | 'unchanged';

export interface ProductImportPayload {
  rows: { line: number; row: ProductCsvRow; action: PlannedAction }[];
  errors: CsvRowError[];
}

export const IMPORT_BATCH_SIZE = 200;

function sameOptions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Whether applying the row would change nothing. */
function unchanged(row: ProductCsvRow, cur: VariantWithProduct): boolean {
  return (
    cur.sku === row.sku &&
    cur.nameTh === row.nameTh &&
    cur.nameEn === row.nameEn &&
    cur.descriptionTh === row.descriptionTh &&
    cur.descriptionEn === row.descriptionEn &&
    (cur.category ?? '').toLowerCase() === row.category.toLowerCase() &&
    sameOptions(cur.options, row.options) &&
    cur.price === row.price &&
    cur.compareAtPrice === row.compareAtPrice &&
    cur.cost === row.cost &&
    cur.weightGrams === row.weightGrams &&
    cur.barcode === row.barcode &&
    cur.active === row.active &&
    cur.lastsDays === row.lastsDays
  );
}

/** Reads the uploaded file and records what applying it would do; the catalog is not touched. */
export async function previewProductFile(db: Db, input: { filename: string; file: Buffer; actor: string }): Promise<ImportRun> {
  const parsed = parseProductCsv(input.file);
  const current = await variantsBySku(db, parsed.rows.map((r) => r.row.sku));
  // A product without options has exactly one variant: rows that make several variants of one product
  // (the same Thai name in the file, or a new SKU joining a product that exists) each need options.
  const perName = new Map<string, number>();
  for (const { row } of parsed.rows) perName.set(row.nameTh, (perName.get(row.nameTh) ?? 0) + 1);
  const existingVariants = await variantCountsByName(db, [...perName.keys()]);
  const optionErrors: CsvRowError[] = [];
  const kept = parsed.rows.filter(({ line, row }) => {
    if (Object.keys(row.options).length > 0) return true;
    const isNew = !current.has(row.sku.toLowerCase());
    const together = (perName.get(row.nameTh) ?? 0) + (isNew ? (existingVariants.get(row.nameTh) ?? 0) : 0);
    if (together <= 1) return true;
    optionErrors.push({ line, column: 'options', code: 'optionsNeeded' });
    return false;
  });
  parsed.errors.push(...optionErrors);
  parsed.errors.sort((a, b) => a.line - b.line);
  const rows = kept.map(({ line, row }) => {
    const cur = current.get(row.sku.toLowerCase());
    const action: PlannedAction = !cur ? 'create' : unchanged(row, cur) ? 'unchanged' : 'update';
    return { line, row, action };
  });
  const summary: Record<string, number> = { created: 0, updated: 0, unchanged: 0, error: parsed.errors.length };
  for (const r of rows) summary[r.action === 'create' ? 'created' : r.action === 'update' ? 'updated' : 'unchanged']! += 1;
  const payload: ProductImportPayload = { rows, errors: parsed.errors };
  return createImportRun(db, {
    kind: 'products',
    filename: input.filename,
    fileSha256: createHash('sha256').update(input.file).digest('hex'),
    totalRows: rows.length + new Set(parsed.errors.map((e) => e.line)).size,
    payload,
    summary,
    actor: input.actor,
  });
}

export function payloadOf(run: ImportRun): ProductImportPayload {
  const p = run.payload as ProductImportPayload | null;
  return p && Array.isArray(p.rows) ? p : { rows: [], errors: [] };
}

/** Applies one row inside the batch's transaction; the product is the SKU's, or one with the Thai name, or new. */
async function applyRow(tx: DbOrTx, row: ProductCsvRow, categoryIds: Map<string, number>, currency: string): Promise<ImportRowStatus> {
  const cur = (await variantsBySku(tx, [row.sku])).get(row.sku.toLowerCase());
  if (cur && unchanged(row, cur)) return 'unchanged';
  let categoryId: number | null = null;
  if (row.category) {
    const key = row.category.toLowerCase();
    categoryId = categoryIds.get(key) ?? (await categoryByName(tx, row.category));
    categoryIds.set(key, categoryId);
  }
  const productFields = {
    nameTh: row.nameTh,
    nameEn: row.nameEn,
    descriptionTh: row.descriptionTh,
    descriptionEn: row.descriptionEn,
    categoryId,
    lastsDays: row.lastsDays,
  };
  const variantFields = {
    sku: row.sku,
    options: row.options,
    price: row.price,
    compareAtPrice: row.compareAtPrice,
    cost: row.cost,
    weightGrams: row.weightGrams,
    barcode: row.barcode,
    active: row.active,
  };
  if (cur) {
    await updateProduct(tx, cur.productId, productFields);
    await updateVariant(tx, cur.variantId, variantFields);
    return 'updated';
  }
  const sameName = await firstProductNamed(tx, row.nameTh);
  let productId: number;
  if (sameName) {
    productId = sameName.id;
    await updateProduct(tx, productId, productFields);
  } else {
    productId = (await insertProduct(tx, { ...productFields, active: true })).id;
  }
  await insertVariant(tx, productId, variantFields, currency);
  return 'created';
}

/**
 * Starts applying a previewed run. Refused when the file has any row error (nothing is half-imported:
 * the merchant fixes the file and uploads it again) or when the run is not waiting.
 */
export async function startProductImport(db: Db, run: ImportRun, logger: Pick<Logger, 'error'>, currency = 'THB'): Promise<boolean> {
  const payload = payloadOf(run);
  if (payload.errors.length > 0) throw new AppError('IMPORT_FILE_INVALID', 'The file has rows with errors', { reason: 'rowErrors' });
  if (!(await claimImportRun(db, run.id, payload.rows.length))) return false;
  runInBackground(() => applyProductRun(db, run.id, payload, currency), logger);
  return true;
}

async function applyProductRun(db: Db, runId: number, payload: ProductImportPayload, currency: string): Promise<void> {
  const summary: Record<string, number> = { created: 0, updated: 0, unchanged: 0 };
  const categoryIds = new Map<string, number>();
  let processed = 0;
  try {
    for (let i = 0; i < payload.rows.length; i += IMPORT_BATCH_SIZE) {
      const batch = payload.rows.slice(i, i + IMPORT_BATCH_SIZE);
      const counts = { ...summary };
      await withTransaction(db, async (tx) => {
        const results: { line: number; status: ImportRowStatus; ref: string }[] = [];
        const ids = new Map(categoryIds);
        for (const { line, row } of batch) {
          const status = await applyRow(tx, row, ids, currency);
          counts[status] = (counts[status] ?? 0) + 1;
          results.push({ line, status, ref: row.sku });
        }
        await insertImportRows(tx, runId, results);
        await updateImportProgress(tx, runId, processed + batch.length, counts);
        // Only a committed batch's categories are remembered for the next one.
        for (const [k, v] of ids) categoryIds.set(k, v);
      });
      Object.assign(summary, counts);
      processed += batch.length;
    }
    await finishImportRun(db, runId, { summary });
  } catch (err) {
    await finishImportRun(db, runId, { summary, error: (err as Error).message.slice(0, 500) });
    throw err;
  }
}
