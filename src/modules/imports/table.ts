import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { AppError } from '../../errors.ts';
import { loadExcel } from '../../lib/lazy.ts';

/** A spreadsheet read into header names and rows; `line` is the row's number in the file (the header is 1). */
export interface Table {
  headers: string[];
  rows: { line: number; cells: Record<string, string> }[];
}

export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 50_000;

export type FileType = 'xlsx' | 'csv';

/**
 * What a file is, by its content and never its name: an XLSX workbook is a ZIP (PK\x03\x04); a CSV
 * must be text that decodes as UTF-8 (Excel's "CSV UTF-8" adds a BOM, which is fine).
 */
export function detectFileType(buf: Buffer): FileType {
  if (buf.length === 0) throw new AppError('IMPORT_FILE_INVALID', 'The file is empty', { reason: 'empty' });
  if (buf.length > MAX_IMPORT_BYTES) throw new AppError('IMPORT_FILE_INVALID', 'The file is larger than 20 MB', { reason: 'tooLarge' });
  if (buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) return 'xlsx';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new AppError('IMPORT_FILE_INVALID', 'The file is neither an XLSX workbook nor UTF-8 CSV text', { reason: 'notText' });
  }
  // A NUL byte means a binary file (an old .xls, an image) that happens to decode.
  if (buf.includes(0)) throw new AppError('IMPORT_FILE_INVALID', 'The file is neither an XLSX workbook nor UTF-8 CSV text', { reason: 'notText' });
  return 'csv';
}

export async function readTable(buf: Buffer): Promise<Table> {
  const type = detectFileType(buf);
  const grid = type === 'xlsx' ? await readXlsx(buf) : readCsv(buf);
  const [head, ...body] = grid;
  const headers = (head ?? []).map((h) => h.replace(/^\uFEFF/, '').trim());
  if (headers.filter(Boolean).length === 0) throw new AppError('IMPORT_FILE_INVALID', 'The file has no header row', { reason: 'noHeader' });
  if (body.length > MAX_IMPORT_ROWS) {
    throw new AppError('IMPORT_FILE_INVALID', `The file has more than ${MAX_IMPORT_ROWS} rows`, { reason: 'tooManyRows' });
  }
  const rows: Table['rows'] = [];
  body.forEach((cells, i) => {
    if (cells.every((c) => c.trim() === '')) return;
    const record: Record<string, string> = {};
    headers.forEach((h, j) => {
      if (h && !(h in record)) record[h] = (cells[j] ?? '').trim();
    });
    rows.push({ line: i + 2, cells: record });
  });
  return { headers: headers.filter(Boolean), rows };
}

function readCsv(buf: Buffer): string[][] {
  try {
    return parse(buf, { bom: true, relax_column_count: true, skip_empty_lines: false, relax_quotes: true, cast: false }) as string[][];
  } catch (err) {
    throw new AppError('IMPORT_FILE_INVALID', `The CSV could not be read: ${(err as Error).message}`, { reason: 'badCsv' });
  }
}

async function readXlsx(buf: Buffer): Promise<string[][]> {
  const Excel = await loadExcel();
  const workbook = new Excel.Workbook();
  try {
    await workbook.xlsx.load(buf as unknown as ArrayBuffer);
  } catch {
    throw new AppError('IMPORT_FILE_INVALID', 'The workbook could not be read', { reason: 'badXlsx' });
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new AppError('IMPORT_FILE_INVALID', 'The workbook has no worksheet', { reason: 'noHeader' });
  const grid: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      cells[col - 1] = cellText(cell.value);
    });
    grid[rowNumber - 1] = Array.from(cells, (c) => c ?? '');
  });
  return Array.from(grid, (r) => r ?? []);
}

/** A cell as the text the merchant sees: numbers plainly, dates as ISO, rich text and formulas by their value. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('text' in value) return String(value.text);
    if ('error' in value) return '';
  }
  return String(value);
}
