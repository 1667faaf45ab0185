// Money owed back to customers: a refund is recorded due (cancelled after payment, an edit that made an
// order cheaper, a return to refund later) and marked paid with how it was paid.
import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { refunds, type Refund, type refundStatus } from '../../db/schema/index.ts';
import { paidAmount } from './payments.repository.ts';

type RefundStatus = (typeof refundStatus.enumValues)[number];
/** Owed to the customer, not paid back yet: the refunds-due list. */
export const refundOwed = 'due' satisfies RefundStatus;
/** Paid back. */
export const refundPaidBack = 'paid' satisfies RefundStatus;

/** How the shop pays money back. */
export const refundMethods = ['transfer', 'promptpay', 'cash', 'other'] as const;
export type RefundMethod = (typeof refundMethods)[number];

type NewRefund = {
  orderId: number;
  amount: number;
  currency: string;
  reason: string;
  actor: string;
  returnId?: number | undefined;
  /** How it is (or will be) paid back, with a reference and a slip photo, when known already. */
  method?: RefundMethod | undefined;
  reference?: string | undefined;
  slipPath?: string | undefined;
};

export async function recordRefundDue(tx: Tx, input: NewRefund): Promise<Refund> {
  const [row] = await tx.insert(refunds).values({ ...input, status: refundOwed }).returning();
  return row!;
}

/** A refund paid at once (a return refunded on the spot): how, with what reference and slip photo. */
export async function recordRefundPaid(tx: Tx, input: NewRefund & { method: RefundMethod; paidAt: Date }): Promise<Refund> {
  const [row] = await tx.insert(refunds).values({ ...input, status: refundPaidBack }).returning();
  return row!;
}

/**
 * Marks a refund owed as paid: method, reference and (when given) a new slip photo. Only a refund still
 * due is taken, so a double submit pays it once; undefined when it was not due any more.
 */
export async function payDueRefund(
  tx: Tx,
  refundId: number,
  input: { method: RefundMethod; reference?: string | undefined; slipPath?: string | undefined },
): Promise<Refund | undefined> {
  const [updated] = await tx
    .update(refunds)
    // A slip sent with the return's refund stays unless a new one replaces it.
    .set({ status: refundPaidBack, paidAt: new Date(), method: input.method, reference: input.reference ?? null, ...(input.slipPath ? { slipPath: input.slipPath } : {}) })
    .where(and(eq(refunds.id, refundId), eq(refunds.status, refundOwed)))
    .returning();
  return updated;
}

export async function findRefund(db: DbOrTx, id: number): Promise<Refund | undefined> {
  const [row] = await db.select().from(refunds).where(eq(refunds.id, id));
  return row;
}

export async function refundsOf(db: DbOrTx, orderId: number): Promise<Refund[]> {
  return db.select().from(refunds).where(eq(refunds.orderId, orderId)).orderBy(asc(refunds.id));
}

/** Refunds recorded against a return. */
export async function refundsOfReturn(db: DbOrTx, returnId: number): Promise<Refund[]> {
  return db.select().from(refunds).where(eq(refunds.returnId, returnId)).orderBy(refunds.id);
}

/** Paid on the order less every refund recorded on it (due or paid): the most a new refund may be. */
export async function refundableAmount(db: DbOrTx, orderId: number): Promise<number> {
  const [row] = await db
    .select({ sum: sql<number>`coalesce(sum(${refunds.amount}), 0)::bigint` })
    .from(refunds)
    .where(eq(refunds.orderId, orderId));
  return Math.max(0, (await paidAmount(db, orderId)) - Number(row!.sum));
}
