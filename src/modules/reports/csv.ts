import { writeCsv } from '../../lib/csv.ts';

/** A report as CSV for spreadsheets, written by the one cell writer (formulas neutralised). */
export function toCsv<T extends Record<string, unknown>>(rows: T[], columns: { key: keyof T; header: string }[]): string {
  return writeCsv([columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => r[c.key]))]);
}
