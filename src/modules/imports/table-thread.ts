// The import reader's thread: a spreadsheet is parsed here, never on the thread that answers requests
// and runs the embedded database. Started once per file by table.ts, with a memory ceiling and a deadline.

import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { parse } from 'csv-parse';
import type ExcelJS from 'exceljs';
import { AppError } from '../../errors.ts';
import { checkZipBounds } from './zip-guard.ts';
import { lowerThreadPriority } from '../../lib/thread.ts';

export interface TableTask {
  data: Uint8Array;
  type: 'xlsx' | 'csv';
  /** Rows after the header; one more is an error. */
  maxRows: number;
}

const tooMany = (max: number) => new AppError('IMPORT_FILE_INVALID', `The file has more than ${max} rows`, { reason: 'tooManyRows' });

function* pieces(buf: Buffer, size = 16 * 1024) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/** The CSV streamed: reading stops at the first record past the limit. */
async function readCsv(buf: Buffer, maxRows: number): Promise<string[][]> {
  const grid: string[][] = [];
  // Fed in small pieces, so the parser waits for the reader (one piece of a file of short lines holds thousands of rows).
  const parser = Readable.from(pieces(buf)).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: false, relax_quotes: true, cast: false, to: maxRows + 2 }));
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      grid.push(record);
      if (grid.length > maxRows + 1) {
        parser.destroy();
        throw tooMany(maxRows);
      }
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('IMPORT_FILE_INVALID', `The CSV could not be read: ${(err as Error).message}`, { reason: 'badCsv' });
  }
  return grid;
}

/** The first worksheet streamed row by row (ExcelJS WorkbookReader), after the ZIP's inflated sizes were checked. */
async function readXlsx(buf: Buffer, maxRows: number): Promise<string[][]> {
  await checkZipBounds(buf);
  const grid: string[][] = [];
  // Loaded only for a workbook: ExcelJS is large, and a CSV's thread stays small without it.
  const { default: Excel } = await import('exceljs');
  try {
    const reader = new Excel.stream.xlsx.WorkbookReader(Readable.from(pieces(buf, 64 * 1024)), { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore' });
    for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        if (row.number > maxRows + 1) throw tooMany(maxRows);
        const cells: string[] = [];
        row.eachCell({ includeEmpty: true }, (cell, col) => {
          cells[col - 1] = cellText(cell.value);
        });
        grid[row.number - 1] = Array.from(cells, (c) => c ?? '');
      }
      break; // the first worksheet only
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('IMPORT_FILE_INVALID', 'The workbook could not be read', { reason: 'badXlsx' });
  }
  if (grid.length === 0) throw new AppError('IMPORT_FILE_INVALID', 'The workbook has no worksheet', { reason: 'noHeader' });
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

lowerThreadPriority();

parentPort?.once('message', (task: TableTask) => {
  const buf = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  (task.type === 'xlsx' ? readXlsx(buf, task.maxRows) : readCsv(buf, task.maxRows)).then(
    (grid) => parentPort!.postMessage({ result: grid }),
    (err: unknown) => {
      const e = err instanceof AppError ? { name: 'AppError', code: err.code, message: err.message, details: err.details } : { name: 'Error', message: String((err as Error)?.message ?? err) };
      parentPort!.postMessage({ error: e });
    },
  );
});
