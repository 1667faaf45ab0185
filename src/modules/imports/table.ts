import { AppError, type ErrorCode } from '../../errors.ts';
import { besides, runOnce } from '../../lib/thread.ts';
import type { TableTask } from './table-thread.ts';
import { checkZipBounds } from './zip-guard.ts';

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

const tableThread = besides(import.meta.url, 'table-thread');

/**
 * A spreadsheet's header and rows, read in a thread of its own (a memory ceiling, a deadline) by
 * streaming readers that stop at MAX_IMPORT_ROWS; a workbook is refused before reading when one of its
 * parts would inflate past its bound. Nothing of it runs on the thread that answers requests.
 */
export async function readTable(buf: Buffer): Promise<Table> {
  const type = detectFileType(buf);
  const grid = await readGrid(buf, type);
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

async function readGrid(buf: Buffer, type: FileType): Promise<string[][]> {
  const limitError = (why: 'memory' | 'time') =>
    new AppError('IMPORT_FILE_INVALID', why === 'memory' ? 'The file needs too much memory to read' : 'The file takes too long to read', { reason: 'tooLarge' });
  // A bomb is refused before a thread starts: the inflating runs in zlib's threads, counting bytes, keeping none.
  if (type === 'xlsx') await checkZipBounds(buf);
  const data = new Uint8Array(buf);
  try {
    return await runOnce<TableTask, string[][]>(tableThread, { data, type, maxRows: MAX_IMPORT_ROWS }, { timeoutMs: 60_000, maxOldGenerationSizeMb: 384, limitError, transfer: [data.buffer] });
  } catch (err) {
    const e = (err as { threadError?: { name: string; code?: ErrorCode; message: string; details?: Record<string, unknown> } }).threadError;
    if (e?.name === 'AppError' && e.code) throw new AppError(e.code, e.message, e.details);
    throw err;
  }
}
