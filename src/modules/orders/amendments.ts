// Changing a placed order's lines and totals (edits in the back office, merges): each change keeps the
// order as it was as a numbered revision first, and the totals are always recomputed from the lines.
import { count, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { orderLines, orderRevisions, orders, type Order, type OrderLine, type OrderSnapshot, type ShippingAddress } from '../../db/schema/index.ts';
import { linesOf } from './orders.repository.ts';

function snapshotOf(order: Order, lines: OrderLine[]): OrderSnapshot {
  return {
    lines: lines.map(({ variantId, sku, name, unitPrice, qty, lineTotal }) => ({ variantId, sku, name, unitPrice, qty, lineTotal })),
    subtotal: order.subtotal,
    shippingFee: order.shippingFee,
    discount: order.discount,
    total: order.total,
    shippingAddress: order.shippingAddress,
  };
}

/** Keeps the order as it was before a change; returns the revision number (1 for the first change). */
export async function keepRevision(tx: Tx, order: Order, lines: OrderLine[], actor: string, reason: string | undefined): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(orderRevisions).where(eq(orderRevisions.orderId, order.id));
  const revision = row!.n + 1;
  await tx.insert(orderRevisions).values({ orderId: order.id, revision, before: snapshotOf(order, lines), actor, reason });
  return revision;
}

/** A new quantity for a line; the price the customer was quoted stays. */
export async function setLineQty(tx: Tx, line: Pick<OrderLine, 'id' | 'unitPrice'>, qty: number): Promise<void> {
  await tx.update(orderLines).set({ qty, lineTotal: line.unitPrice * qty }).where(eq(orderLines.id, line.id));
}

export async function removeLine(tx: Tx, lineId: number): Promise<void> {
  await tx.delete(orderLines).where(eq(orderLines.id, lineId));
}

/** Adds lines to an order (their line totals computed here); returns them in the given order. */
export async function addLines(
  tx: Tx,
  orderId: number,
  lines: { variantId: number; sku: string; name: string; unitPrice: number; qty: number }[],
): Promise<OrderLine[]> {
  if (lines.length === 0) return [];
  return tx
    .insert(orderLines)
    .values(lines.map((l) => ({ ...l, orderId, lineTotal: l.unitPrice * l.qty })))
    .returning();
}

/** Recomputes the totals from the lines; the discount never exceeds what it discounts. */
export async function saveTotals(
  tx: Tx,
  order: Order,
  patch: { shippingFee: number; discount: number; shippingAddress?: ShippingAddress | undefined },
): Promise<Order> {
  const lines = await linesOf(tx, order.id);
  const subtotal = lines.reduce((sum, l) => sum + l.lineTotal, 0);
  const discount = Math.min(patch.discount, subtotal + patch.shippingFee);
  const total = subtotal + patch.shippingFee - discount;
  const [updated] = await tx
    .update(orders)
    .set({ subtotal, shippingFee: patch.shippingFee, discount, total, ...(patch.shippingAddress ? { shippingAddress: patch.shippingAddress } : {}) })
    .where(eq(orders.id, order.id))
    .returning();
  return updated!;
}
