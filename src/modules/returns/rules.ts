import type { ReturnStatus } from '../../db/schema/index.ts';

/** How people name a return: R-12 (the id, short to read out). */
export const formatReturnNumber = (id: number) => `R-${id}`;

/** "R-12", "r12", "12" → 12; anything else → null. */
export function parseReturnNumber(input: string): number | null {
  const m = /^\s*(?:R-?)?(\d{1,9})\s*$/i.exec(input);
  if (!m) return null;
  const n = Number(m[1]);
  return n > 0 && n <= 2_147_483_647 ? n : null;
}

/** Statuses in which a return is still being handled: a second request for the same order waits for it. */
export const openReturnStatuses: readonly ReturnStatus[] = ['requested', 'approved', 'received'];

/** What may follow each status; anything else is refused. */
export const returnTransitions: Readonly<Record<ReturnStatus, readonly ReturnStatus[]>> = {
  requested: ['approved', 'rejected'],
  approved: ['received', 'closed'],
  received: ['refunded', 'exchanged'],
  rejected: [],
  refunded: [],
  exchanged: [],
  closed: [],
};

export function canMoveReturn(from: ReturnStatus, to: ReturnStatus): boolean {
  return returnTransitions[from].includes(to);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether a return may still be asked for: delivered, and no more than `days` days ago. */
export function withinReturnWindow(deliveredAt: Date, now: Date, days: number): boolean {
  return now.getTime() - deliveredAt.getTime() <= days * DAY_MS && now.getTime() >= deliveredAt.getTime() - 60_000;
}

/**
 * The value of returned items: each order line's total (after any line price) shared by quantity, so
 * 1 of 3 units of a ฿300 line is worth ฿100. Rounded down to the satang per line, never more than was charged.
 */
export function returnedValue(lines: { qty: number; line: { qty: number; lineTotal: number } }[]): number {
  return lines.reduce((sum, l) => sum + Math.floor((l.line.lineTotal * Math.min(l.qty, l.line.qty)) / l.line.qty), 0);
}

/** How an exchange settles: the returned value pays for the new items; more is refunded, less is paid by the customer. */
export function exchangeSettlement(returnedAmount: number, newItemsTotal: number): { discount: number; toPay: number; toRefund: number } {
  const discount = Math.min(returnedAmount, newItemsTotal);
  return { discount, toPay: newItemsTotal - discount, toRefund: returnedAmount - discount };
}

export const returnReasons = ['damaged', 'wrong_item', 'not_as_described', 'changed_mind', 'other'] as const;
export type ReturnReasonCode = (typeof returnReasons)[number];
