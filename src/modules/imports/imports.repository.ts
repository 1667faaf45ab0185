import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  importRows,
  importRuns,
  marketplaceMappings,
  productVariants,
  skuAliases,
  type ImportKind,
  type ImportRow,
  type ImportRun,
} from '../../db/schema/index.ts';
import { fitMappingToFile, mergeMapping, type MappingKind, type MarketplaceKind } from './marketplaces.ts';
import { inTransaction, nextInSeries, series } from '../../db/series.ts';

export type ImportRowStatus = ImportRow['status'];

/** A run as the preview creates it (it starts as 'preview'). */
export type NewImportRun = Pick<ImportRun, 'kind' | 'filename' | 'fileSha256' | 'totalRows' | 'payload' | 'summary' | 'actor'>;

/** One row's outcome: its line in the file, what happened, and what it made or touched. */
export type ImportRowResult = Pick<ImportRow, 'line' | 'status'> & { message?: string | undefined; ref?: string | undefined };

/** Runs are numbered from a gap-free series (the number in the list and the address). */
export async function createImportRun(db: DbOrTx, input: NewImportRun): Promise<ImportRun> {
  return inTransaction(db, async (tx) => {
    const id = await nextInSeries(tx, series.importRun);
    const [run] = await tx.insert(importRuns).values({ ...input, id, status: 'preview' }).returning();
    return run!;
  });
}

export async function findImportRun(db: DbOrTx, id: number): Promise<ImportRun | undefined> {
  const [run] = await db.select().from(importRuns).where(eq(importRuns.id, id));
  return run;
}

/** Moves a previewed run to running; false when it was not waiting (applied twice, discarded). */
export async function claimImportRun(db: DbOrTx, id: number, totalRows: number): Promise<boolean> {
  const claimed = await db
    .update(importRuns)
    .set({ status: 'running', totalRows, processedRows: 0 })
    .where(and(eq(importRuns.id, id), eq(importRuns.status, 'preview')))
    .returning({ id: importRuns.id });
  return claimed.length > 0;
}

export async function discardImportRun(db: DbOrTx, id: number): Promise<boolean> {
  const done = await db
    .update(importRuns)
    .set({ status: 'discarded', payload: null })
    .where(and(eq(importRuns.id, id), eq(importRuns.status, 'preview')))
    .returning({ id: importRuns.id });
  return done.length > 0;
}

export async function updateImportProgress(db: DbOrTx, id: number, processedRows: number, summary: Record<string, number>) {
  await db.update(importRuns).set({ processedRows, summary }).where(eq(importRuns.id, id));
}

export async function finishImportRun(db: DbOrTx, id: number, outcome: { summary: Record<string, number>; error?: string | undefined }) {
  await db
    .update(importRuns)
    .set({ status: outcome.error ? 'failed' : 'done', summary: outcome.summary, error: outcome.error ?? null, finishedAt: new Date() })
    .where(eq(importRuns.id, id));
}

export async function insertImportRows(
  db: DbOrTx,
  runId: number,
  rows: ImportRowResult[],
) {
  if (rows.length === 0) return;
  await db
    .insert(importRows)
    .values(rows.map((r) => ({ runId, line: r.line, status: r.status, message: r.message ?? null, ref: r.ref ?? null })))
    .onConflictDoNothing();
}

export async function rowsOfRun(db: DbOrTx, runId: number, limit = 2000) {
  return db.select().from(importRows).where(eq(importRows.runId, runId)).orderBy(asc(importRows.line)).limit(limit);
}

export async function listImportRuns(db: DbOrTx, kinds: readonly ImportKind[], limit = 50) {
  return db
    .select({
      id: importRuns.id,
      kind: importRuns.kind,
      filename: importRuns.filename,
      status: importRuns.status,
      totalRows: importRuns.totalRows,
      processedRows: importRuns.processedRows,
      summary: importRuns.summary,
      actor: importRuns.actor,
      createdAt: importRuns.createdAt,
      finishedAt: importRuns.finishedAt,
    })
    .from(importRuns)
    .where(inArray(importRuns.kind, [...kinds]))
    .orderBy(desc(importRuns.createdAt), desc(importRuns.id))
    .limit(limit);
}

/** The header row of the newest upload of a kind, to offer its column names on the mapping page. */
export async function lastHeadersOf(db: DbOrTx, kind: ImportKind): Promise<string[]> {
  const [row] = await db
    .select({ headers: sql<unknown>`${importRuns.payload} -> 'headers'` })
    .from(importRuns)
    .where(and(eq(importRuns.kind, kind), sql`${importRuns.payload} ? 'headers'`))
    .orderBy(desc(importRuns.id))
    .limit(1);
  return Array.isArray(row?.headers) ? (row.headers as unknown[]).filter((h): h is string => typeof h === 'string') : [];
}

export async function mappingOverride(db: DbOrTx, kind: MappingKind): Promise<Record<string, string> | undefined> {
  const [row] = await db.select().from(marketplaceMappings).where(eq(marketplaceMappings.kind, kind));
  return row?.columns;
}

/** The mapping in force for a kind: the built-in default with the merchant's overrides. */
export async function mappingFor(db: DbOrTx, kind: MappingKind): Promise<Record<string, string>> {
  return mergeMapping(kind, await mappingOverride(db, kind));
}

/** The mapping in force for one marketplace file: as mappingFor, each column found under any of its known names (Thai ones too). */
export async function mappingForFile(db: DbOrTx, kind: MarketplaceKind, headers: readonly string[]): Promise<Record<string, string>> {
  const override = await mappingOverride(db, kind);
  return fitMappingToFile(kind, mergeMapping(kind, override), override, headers);
}

export async function saveMapping(db: DbOrTx, kind: MappingKind, columns: Record<string, string>, actor: string) {
  await db
    .insert(marketplaceMappings)
    .values({ kind, columns, updatedBy: actor })
    .onConflictDoUpdate({ target: marketplaceMappings.kind, set: { columns, updatedBy: actor, updatedAt: new Date() } });
}

export async function resetMapping(db: DbOrTx, kind: MappingKind) {
  await db.delete(marketplaceMappings).where(eq(marketplaceMappings.kind, kind));
}

/** Seller SKUs mapped to our variants on a channel, keyed by the lower-cased seller SKU. */
export async function aliasesFor(db: DbOrTx, channel: string, externalSkus: string[]): Promise<Map<string, { sku: string; variantId: number }>> {
  const lowered = [...new Set(externalSkus.map((s) => s.toLowerCase()))];
  if (lowered.length === 0) return new Map();
  const rows = await db
    .select({ externalSku: skuAliases.externalSku, sku: productVariants.sku, variantId: productVariants.id })
    .from(skuAliases)
    .innerJoin(productVariants, eq(productVariants.id, skuAliases.variantId))
    .where(and(eq(skuAliases.channel, channel), inArray(sql`lower(${skuAliases.externalSku})`, lowered)));
  return new Map(rows.map((r) => [r.externalSku.toLowerCase(), { sku: r.sku, variantId: r.variantId }]));
}

/** Maps (or re-maps) a seller SKU to one of ours. */
export async function saveSkuAlias(db: DbOrTx, channel: string, externalSku: string, variantId: number) {
  // The unique index is on lower(external_sku): an expression drizzle's conflict target cannot name.
  await db.execute(sql`
    insert into sku_aliases (channel, external_sku, variant_id) values (${channel}, ${externalSku}, ${variantId})
    on conflict (channel, lower(external_sku)) do update set variant_id = excluded.variant_id`);
}

/**
 * Writes row results as an import advances and keeps the run's progress and counts by outcome
 * current, so the page's progress bar moves; returns the counts so far.
 */
export function importProgress(db: DbOrTx, runId: number) {
  const summary: Record<string, number> = {};
  let processed = 0;
  return {
    summary,
    async record(results: ImportRowResult[]) {
      await insertImportRows(db, runId, results);
      for (const r of results) summary[r.status] = (summary[r.status] ?? 0) + 1;
      processed += results.length;
      await updateImportProgress(db, runId, processed, summary);
    },
  };
}
