import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgEnum, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { productVariants } from './catalog.ts';
import { createdAt, updatedAt } from './columns.ts';

export const importKind = pgEnum('import_kind', ['products', 'shopee', 'lazada', 'tiktok', 'custom', 'cod_remittance']);
export const importStatus = pgEnum('import_status', ['preview', 'running', 'done', 'failed', 'discarded']);

/**
 * One uploaded file (product CSV, marketplace order export, COD remittance): previewed first, then
 * applied in the background while the page shows its progress; each row's result is kept.
 */
export const importRuns = pgTable(
  'import_runs',
  {
    id: serial('id').primaryKey(),
    kind: importKind('kind').notNull(),
    filename: text('filename').notNull(),
    /** SHA-256 of the file, so the same file uploaded twice is recognised. */
    fileSha256: text('file_sha256').notNull(),
    status: importStatus('status').notNull().default('preview'),
    totalRows: integer('total_rows').notNull().default(0),
    processedRows: integer('processed_rows').notNull().default(0),
    /** Counts by outcome, e.g. {"created": 10, "duplicate": 2, "error": 1}. */
    summary: jsonb('summary').$type<Record<string, number>>().notNull().default({}),
    /** The parsed rows waiting to be applied (kept between preview and apply). */
    payload: jsonb('payload').$type<unknown>(),
    error: text('error'),
    actor: text('actor').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('import_runs_kind_created_idx').on(t.kind, t.createdAt)],
);

export const importRowStatus = pgEnum('import_row_status', ['ok', 'created', 'updated', 'unchanged', 'duplicate', 'unmatched', 'error', 'skipped']);

/** The result of one row of an import, by its line number in the file (1 is the header). */
export const importRows = pgTable(
  'import_rows',
  {
    id: serial('id').primaryKey(),
    runId: integer('run_id')
      .notNull()
      .references(() => importRuns.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    status: importRowStatus('status').notNull(),
    message: text('message'),
    /** What the row made or touched: an order number, a SKU. */
    ref: text('ref'),
  },
  (t) => [uniqueIndex('import_rows_run_line_key').on(t.runId, t.line)],
);

/** How a marketplace's export names its columns; a row overrides the built-in mapping (a custom export). */
export const marketplaceMappings = pgTable('marketplace_mappings', {
  kind: importKind('kind').primaryKey(),
  /** Our field -> the column header in their file, e.g. {"externalId": "Order ID"}. */
  columns: jsonb('columns').$type<Record<string, string>>().notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: updatedAt(),
});

/** A seller SKU used on a marketplace that is not our SKU, mapped once by the merchant. */
export const skuAliases = pgTable(
  'sku_aliases',
  {
    id: serial('id').primaryKey(),
    channel: text('channel').notNull(),
    externalSku: text('external_sku').notNull(),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('sku_aliases_channel_sku_key').on(t.channel, sql`lower(${t.externalSku})`)],
);

export type ImportRun = typeof importRuns.$inferSelect;
export type ImportRow = typeof importRows.$inferSelect;
export type ImportKind = (typeof importKind.enumValues)[number];
