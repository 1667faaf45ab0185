import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/** TL-10001: the prefix tells staff it is a Talad order; the number is short enough to read out on the phone. */
export const ORDER_NUMBER_PREFIX = 'TL-';

/** The first order's number: TL-10001. */
export const FIRST_ORDER_NUMBER = 10001;

export function formatOrderNumber(seq: number): string {
  return `${ORDER_NUMBER_PREFIX}${seq}`;
}

/** formatOrderNumber in SQL, for a statement that takes the number and writes it at once. */
export function orderNumberSql(seq: SQLWrapper): SQL<string> {
  return sql<string>`${ORDER_NUMBER_PREFIX} || ${seq}`;
}

/** Accepts what a customer types: "TL-10001", "tl10001", "#10001" or just "10001". */
export function parseOrderNumber(input: string): string | null {
  const m = /^\s*#?\s*(?:TL\s*-?\s*)?(\d{4,9})\s*$/i.exec(input);
  return m ? formatOrderNumber(Number(m[1])) : null;
}
