import { count, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { orderRevisions, shipmentLines } from '#src/db/schema/index.ts';
import { findOrderByNumber, historyOf, linesOf } from '#src/modules/orders/index.ts';
import { paymentsOf, refundsOf, slipsOf } from '#src/modules/payments/index.ts';
import { shipmentsOf } from '#src/modules/shipping/index.ts';
import { chatTargetFor } from '#src/modules/customers/index.ts';
import { creditNotesOf, debitNotesOf } from '#src/modules/billing/index.ts';
import { auditOfOrder } from '../audit.ts';

/** Everything the order page shows, read in one go; undefined when there is no such order. */
export async function orderPageData(db: DbOrTx, number: string, locale: 'th' | 'en') {
  const order = await findOrderByNumber(db, number);
  if (!order) return undefined;
  const [lines, payments, refunds, slips, shipments, history, audit, chat, credits, debits] = await Promise.all([
    linesOf(db, order.id),
    paymentsOf(db, order.id),
    refundsOf(db, order.id),
    slipsOf(db, [order.id]),
    shipmentsOf(db, order.id),
    historyOf(db, order.id),
    auditOfOrder(db, order.number),
    chatTargetFor(db, order.customerId, order.channel, locale),
    creditNotesOf(db, order.id),
    debitNotesOf(db, order.id),
  ]);
  // Credit and debit notes on the order's receipt, oldest first, each printable.
  const notes = [...credits.map((n) => ({ ...n, kind: 'credit' as const })), ...debits.map((n) => ({ ...n, kind: 'debit' as const }))].sort(
    (a, b) => a.issuedAt.getTime() - b.issuedAt.getTime(),
  );
  const parcelLines = shipments.length
    ? await db.select().from(shipmentLines).where(inArray(shipmentLines.shipmentId, shipments.map((s) => s.id)))
    : [];
  const [revisions] = await db.select({ n: count() }).from(orderRevisions).where(eq(orderRevisions.orderId, order.id));
  // Planned parcels (a split order) with what travels in each.
  const parcels = shipments.map((s) => ({
    shipment: s,
    lines: parcelLines.filter((pl) => pl.shipmentId === s.id).map((pl) => ({ qty: pl.qty, line: lines.find((l) => l.id === pl.orderLineId) })),
  }));
  return { order, lines, payments, refunds, slips, shipments, parcels, revisions: revisions!.n, history, audit, chat, notes };
}

export type OrderPageData = NonNullable<Awaited<ReturnType<typeof orderPageData>>>;
