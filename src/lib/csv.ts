import { stringify } from 'csv-stringify/sync';

/** A cell a spreadsheet would run as a formula (or DDE): = + - @, a tab or a carriage return first. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Plain numbers ("-330.00", "+66812345678") are left as numbers. */
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;

/**
 * The one writer of a spreadsheet cell: text that starts like a formula gets a leading apostrophe, so
 * Excel, LibreOffice and Google Sheets show it as text and never run it (OWASP "CSV injection").
 * Every CSV and XLSX export writes its cells through here.
 */
export function csvCell(value: unknown): string {
  const s = value instanceof Date ? value.toISOString() : value === null || value === undefined ? '' : String(value);
  return FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
}

/** Reading back a cell csvCell wrote: the apostrophe it added before a formula character is dropped. */
export function csvCellText(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** CSV for spreadsheets: every cell through csvCell, RFC 4180 quoting, CRLF lines and a UTF-8 byte-order mark (Thai in Excel). */
export function writeCsv(rows: readonly (readonly unknown[])[]): string {
  return `\uFEFF${stringify(rows.map((r) => r.map(csvCell)), { record_delimiter: '\r\n' })}`;
}

/** An XLSX cell: a finite number stays a number (it cannot be a formula); anything else is text through csvCell. */
export function sheetCell(value: unknown): string | number {
  return typeof value === 'number' && Number.isFinite(value) ? value : csvCell(value);
}
