import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { payments, type Payment, type PaymentMethod, type PaymentStatus } from '../../db/schema/index.ts';

/** A payment whose money the shop has: a slip accepted, an order marked paid, cash on delivery collected. */
export const paymentReceived = 'confirmed' satisfies PaymentStatus;

export async function recordPayment(
  tx: Tx,
  input: {
    orderId: number;
    method: PaymentMethod;
    amount: number;
    currency: string;
    status?: 'pending' | typeof paymentReceived;
    reference?: string | undefined;
    actor: string;
    note?: string | undefined;
    /** When the money was received, if not now (a COD remittance's date). */
    confirmedAt?: Date | undefined;
  },
): Promise<Payment> {
  const status = input.status ?? paymentReceived;
  const [row] = await tx
    .insert(payments)
    .values({ ...input, status, confirmedAt: status === paymentReceived ? (input.confirmedAt ?? new Date()) : null })
    .returning();
  return row!;
}

/** What the customer has actually paid on an order (confirmed payments only). */
export async function paidAmount(db: DbOrTx, orderId: number): Promise<number> {
  const [row] = await db
    .select({ sum: sql<number>`coalesce(sum(${payments.amount}), 0)::bigint` })
    .from(payments)
    .where(and(eq(payments.orderId, orderId), eq(payments.status, paymentReceived)));
  return Number(row!.sum);
}

export async function paymentsOf(db: DbOrTx, orderId: number): Promise<Payment[]> {
  return db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.id));
}
