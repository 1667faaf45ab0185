// The product CSV: one row per variant, the same columns for export and import, so a file exported,
// edited in Excel and imported again changes exactly what was edited.

import { parse } from 'csv-parse/sync';
import { csvCellText, writeCsv } from '../../lib/csv.ts';
import { z } from 'zod';
import type { Product } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { decimalAmount } from '../../lib/money.ts';
import { formatOptions, parseOptions, type VariantFields } from './products.repository.ts';

export const productCsvColumns = [
  'sku',
  'product_name_th',
  'product_name_en',
  'description_th',
  'description_en',
  'category',
  'options',
  'price',
  'compare_at_price',
  'cost',
  'weight_grams',
  'barcode',
  'active',
  'lasts_days',
] as const;
export type ProductCsvColumn = (typeof productCsvColumns)[number];

export const requiredCsvColumns: readonly ProductCsvColumn[] = ['sku', 'product_name_th', 'price'];
export const MAX_PRODUCT_CSV_BYTES = 10 * 1024 * 1024;
export const MAX_PRODUCT_CSV_ROWS = 20_000;

/** What a CSV row holds of the product and variant tables; money in satang. */
type ProductCsvFields = VariantFields & Pick<Product, 'nameTh' | 'nameEn' | 'descriptionTh' | 'descriptionEn' | 'lastsDays'>;

/** One valid row, ready to apply; the category by its Thai name, '' for none. */
export type ProductCsvRow = ProductCsvFields & { category: string };

/** A problem with one row: its line in the file (the header is 1), the column and a text code. */
export interface CsvRowError {
  line: number;
  column?: string | undefined;
  code: 'required' | 'sku' | 'amount' | 'number' | 'boolean' | 'options' | 'tooLong' | 'columns' | 'duplicateSku' | 'optionsNeeded';
  value?: string | undefined;
}

/** Why a whole file was refused (details.reason), for a message in the reader's language. */
export type CsvFileProblem = 'empty' | 'tooLarge' | 'encoding' | 'badCsv' | 'noHeader' | 'missingColumns' | 'tooManyRows';

function fileError(reason: CsvFileProblem, message: string, extra: Record<string, unknown> = {}): never {
  throw new AppError('IMPORT_FILE_INVALID', message, { reason, ...extra });
}

/**
 * The file's text. Excel saves "CSV UTF-8" with a BOM and "Unicode text" as UTF-16LE with a BOM; both
 * are read. Anything else must be valid UTF-8 (a TIS-620 file from an old Excel is refused, not garbled).
 */
export function decodeCsv(buf: Buffer): string {
  if (buf.length === 0) fileError('empty', 'The file is empty');
  if (buf.length > MAX_PRODUCT_CSV_BYTES) fileError('tooLarge', 'The file is larger than 10 MB');
  if (buf[0] === 0xff && buf[1] === 0xfe) {
    const text = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(buf.subarray(2));
    // Excel's "Unicode text" is tab-separated; a comma file saved as UTF-16 stays comma-separated.
    return text;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    fileError('encoding', 'The file is not UTF-8 text');
  }
  if (text.includes('\u0000')) fileError('encoding', 'The file is not UTF-8 text');
  return text.replace(/^\uFEFF/, '');
}

const amount = z
  .string()
  .transform((s) => s.replace(/[฿,\s]/g, ''))
  .pipe(z.string().regex(/^\d{1,9}(\.\d{1,2})?$/))
  .transform((s) => Math.round(Number(s) * 100));
const wholeNumber = (max: number) =>
  z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));

const truthy = new Set(['true', '1', 'yes', 'y', 'ใช่', 'เปิด', 'active']);
const falsy = new Set(['false', '0', 'no', 'n', 'ไม่', 'ปิด', 'inactive']);

const skuPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Validates one row's cells; a row with several problems reports each of them. */
export function validateCsvRow(line: number, cells: Partial<Record<ProductCsvColumn, string>>): { row?: ProductCsvRow; errors: CsvRowError[] } {
  const errors: CsvRowError[] = [];
  // Excel writes line breaks inside a cell as CRLF; they are kept as plain LF.
  const cell = (c: ProductCsvColumn) => (cells[c] ?? '').replace(/\r\n?/g, '\n').trim();
  const fail = (column: ProductCsvColumn, code: CsvRowError['code']) => {
    errors.push({ line, column, code, value: cell(column).slice(0, 60) });
    return undefined;
  };
  const textCell = (c: ProductCsvColumn, max: number, required = false) => {
    const v = cell(c);
    if (required && !v) return fail(c, 'required');
    if (v.length > max) return fail(c, 'tooLong');
    return v;
  };
  const money = (c: ProductCsvColumn, required = false): number | null | undefined => {
    const v = cell(c);
    if (!v) return required ? fail(c, 'required') : null;
    const r = amount.safeParse(v);
    return r.success ? r.data : fail(c, 'amount');
  };
  const whole = (c: ProductCsvColumn, max: number): number | null | undefined => {
    const v = cell(c);
    if (!v) return null;
    const r = wholeNumber(max).safeParse(v);
    return r.success ? r.data : fail(c, 'number');
  };

  const skuText = cell('sku');
  const sku = !skuText ? fail('sku', 'required') : skuText.length > 64 || !skuPattern.test(skuText) ? fail('sku', 'sku') : skuText;
  const nameTh = textCell('product_name_th', 200, true);
  const nameEn = textCell('product_name_en', 200);
  const descriptionTh = textCell('description_th', 5000);
  const descriptionEn = textCell('description_en', 5000);
  const category = textCell('category', 100);
  const options = parseOptions(cell('options')) ?? fail('options', 'options');
  const price = money('price', true);
  const compareAtPrice = money('compare_at_price');
  const cost = money('cost');
  const weightGrams = whole('weight_grams', 1_000_000);
  const barcode = textCell('barcode', 64);
  const activeText = cell('active').toLowerCase();
  const active = activeText === '' || truthy.has(activeText) ? true : falsy.has(activeText) ? false : fail('active', 'boolean');
  const lastsDays = whole('lasts_days', 3650);
  if (errors.length > 0) return { errors };
  return {
    errors,
    row: {
      sku: sku!,
      nameTh: nameTh!,
      nameEn: nameEn || nameTh!,
      descriptionTh: descriptionTh ?? '',
      descriptionEn: descriptionEn ?? '',
      category: category ?? '',
      options: options!,
      price: price!,
      compareAtPrice: compareAtPrice ?? null,
      cost: cost ?? null,
      weightGrams: weightGrams ?? null,
      barcode: barcode || null,
      active: active!,
      lastsDays: lastsDays === 0 ? null : (lastsDays ?? null),
    },
  };
}

/** Counts line breaks, so a record is reported at the line where it starts in the file. */
function lineAt(text: Buffer, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text[i] === 0x0a) line++;
  return line;
}

/**
 * Parses and validates a product CSV. Lines are numbered as in the file (the header is line 1; a
 * quoted cell holding line breaks makes a row span several lines, reported at its first).
 */
export function parseProductCsv(buf: Buffer): { rows: { line: number; row: ProductCsvRow }[]; errors: CsvRowError[]; headers: string[] } {
  const text = decodeCsv(buf);
  const delimiter = buf[0] === 0xff && buf[1] === 0xfe && !/^[^\n]*,/.test(text) ? '\t' : ',';
  const bytes = Buffer.from(text, 'utf8');
  const errors: CsvRowError[] = [];
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parse(bytes, {
      bom: true,
      delimiter,
      relax_column_count: false,
      trim: true,
      skip_empty_lines: true,
      // Stops reading one record past the limit: a file of millions of short lines is refused at once.
      to: MAX_PRODUCT_CSV_ROWS + 2,
      info: true,
      skip_records_with_error: true,
      on_skip: (err: { code?: string; lines?: number } | undefined) => {
        if (err) errors.push({ line: err.lines ?? 0, code: 'columns' });
      },
    }) as unknown as { record: string[]; info: { bytes: number } }[];
  } catch (err) {
    fileError('badCsv', `The CSV could not be read: ${(err as Error).message}`);
  }
  const first = records[0];
  if (!first || first.record.every((c) => c === '')) fileError('noHeader', 'The file has no header row');
  const headers = first.record.map((h) => h.trim().toLowerCase());
  const missing = requiredCsvColumns.filter((c) => !headers.includes(c));
  if (missing.length > 0) fileError('missingColumns', `Columns missing: ${missing.join(', ')}`, { columns: missing });
  if (records.length - 1 > MAX_PRODUCT_CSV_ROWS) fileError('tooManyRows', `More than ${MAX_PRODUCT_CSV_ROWS} rows`);

  const rows: { line: number; row: ProductCsvRow }[] = [];
  const seen = new Map<string, number>();
  let previousEnd = first.info.bytes;
  for (const { record, info } of records.slice(1)) {
    // Skip the blank lines and the line break before the record to find where it starts.
    let start = previousEnd;
    while (start < bytes.length && (bytes[start] === 0x0a || bytes[start] === 0x0d)) start++;
    previousEnd = info.bytes;
    if (record.every((c) => c === '')) continue;
    const line = lineAt(bytes, start);
    const cells: Partial<Record<ProductCsvColumn, string>> = {};
    headers.forEach((h, i) => {
      if ((productCsvColumns as readonly string[]).includes(h)) cells[h as ProductCsvColumn] = csvCellText(record[i] ?? '');
    });
    const { row, errors: problems } = validateCsvRow(line, cells);
    if (!row) {
      errors.push(...problems);
      continue;
    }
    const key = row.sku.toLowerCase();
    if (seen.has(key)) {
      errors.push({ line, column: 'sku', code: 'duplicateSku', value: row.sku });
      continue;
    }
    seen.set(key, line);
    rows.push({ line, row });
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors, headers };
}

/** A satang amount as the CSV writes it: "1250.50", "90.00", '' for none. */
const bahtText = (satang: number | null) => (satang === null ? '' : decimalAmount(satang));

/** One variant as exported; the category's Thai name, null for none. */
export type ExportVariant = ProductCsvFields & { category: string | null };

/** Every variant as CSV text for Excel: UTF-8 with a BOM (so Thai shows), CRLF line ends. */
export function productCsv(variants: ExportVariant[]): string {
  return writeCsv([
    [...productCsvColumns],
    ...variants.map((v) => [
      v.sku,
      v.nameTh,
      v.nameEn,
      v.descriptionTh,
      v.descriptionEn,
      v.category ?? '',
      formatOptions(v.options),
      bahtText(v.price),
      bahtText(v.compareAtPrice),
      bahtText(v.cost),
      v.weightGrams === null ? '' : String(v.weightGrams),
      v.barcode ?? '',
      v.active ? 'true' : 'false',
      v.lastsDays === null ? '' : String(v.lastsDays),
    ]),
  ]);
}
