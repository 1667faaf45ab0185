import { and, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { paymentSlips, type PaymentSlip } from '../../db/schema/index.ts';

export type NewSlip = typeof paymentSlips.$inferInsert;

export async function insertSlip(tx: Tx, slip: NewSlip): Promise<PaymentSlip> {
  const [row] = await tx.insert(paymentSlips).values(slip).returning();
  return row!;
}

export async function attachPayment(tx: Tx, slipId: number, paymentId: number) {
  await tx.update(paymentSlips).set({ paymentId }).where(eq(paymentSlips.id, slipId));
}

/** Has this transaction reference or this exact image been sent before, on any order? */
export async function slipSeenBefore(db: DbOrTx, transRef: string | null, sha256: string) {
  const [row] = await db
    .select({
      ref: transRef === null ? sql<boolean>`false` : sql<boolean>`bool_or(${paymentSlips.transRef} = ${transRef})`,
      image: sql<boolean>`bool_or(${paymentSlips.imageSha256} = ${sha256})`,
    })
    .from(paymentSlips)
    .where(transRef === null ? eq(paymentSlips.imageSha256, sha256) : sql`${paymentSlips.transRef} = ${transRef} or ${paymentSlips.imageSha256} = ${sha256}`);
  return { ref: row?.ref === true, image: row?.image === true };
}

export async function slipsOf(db: DbOrTx, orderIds: number[]): Promise<PaymentSlip[]> {
  if (orderIds.length === 0) return [];
  return db.select().from(paymentSlips).where(inArray(paymentSlips.orderId, orderIds)).orderBy(paymentSlips.id);
}

/** The merchant's decision on the slips that were waiting for one. */
export async function reviewSlips(tx: Tx, orderId: number, verdict: 'approved' | 'rejected', actor: string, note: string | undefined) {
  await tx
    .update(paymentSlips)
    .set({ verdict, reviewedBy: actor, reviewedAt: new Date(), reviewNote: note })
    .where(and(eq(paymentSlips.orderId, orderId), eq(paymentSlips.verdict, 'review')));
}
