import type { Db } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, ShippingAddress } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { formatMoney } from '#src/lib/money.ts';
import { issueCreditNote, issueDebitNote } from '#src/modules/billing/index.ts';
import { findSellablesBySku, variantName } from '#src/modules/catalog/index.ts';
import { releaseOrderReservations, reserveOrderLines } from '#src/modules/inventory/index.ts';
import { addLines, appendOrderNote, assertEditable, keepRevision, linesOf, lockOrder, removeLine, saveTotals, setLineQty } from '#src/modules/orders/index.ts';
import { paidAmount, recordRefundDue, refundableAmount } from '#src/modules/payments/index.ts';
import { assertNothingShipped, dropPlannedParcels } from '#src/modules/shipping/index.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';

const money = (amount: number, currency: string) => formatMoney(amount, currency, 'en');

export interface EditOrderInput {
  number: string;
  /** Every line the order should have afterwards; an order line left out is removed. */
  lines: { sku: string; qty: number }[];
  shippingFee: number;
  discount: number;
  shippingAddress: ShippingAddress;
  reason?: string | undefined;
  actor: string;
  locale?: 'th' | 'en';
  /** The shop's time zone: the year of a credit note's series. */
  timeZone: string;
}

export interface EditResult {
  order: Order;
  changed: boolean;
  revision?: number;
  /** What the customer still has to pay, or is owed back, after the change (satang). */
  due: number;
  refund: number;
}

/**
 * Changes an order before it ships: quantities, lines, the address, the shipping fee. The old version
 * is kept as a revision; the stock held for the order follows (released and reserved again in one
 * transaction, so a shortage leaves everything as it was); the customer is told the new amount, and
 * money already paid beyond the new total is recorded as a refund owed.
 */
export async function editOrder(db: Db, input: EditOrderInput): Promise<EditResult> {
  return withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.number);
    // A booked parcel first: its message says what to do (cancel the booking), not only that it is too late.
    await assertNothingShipped(tx, order);
    assertEditable(order);
    const before = await linesOf(tx, order.id);

    const wanted = new Map<string, { sku: string; qty: number }>();
    for (const l of input.lines) {
      const key = l.sku.trim().toLowerCase();
      wanted.set(key, { sku: l.sku.trim(), qty: (wanted.get(key)?.qty ?? 0) + l.qty });
    }
    if ([...wanted.values()].every((l) => l.qty <= 0)) throw new AppError('EMPTY_ORDER', 'An order needs at least one line');
    const sellables = await findSellablesBySku(tx, [...wanted.values()].map((l) => l.sku));
    const unknown = [...wanted.values()].filter((l) => !sellables.has(l.sku.toLowerCase())).map((l) => l.sku);
    if (unknown.length > 0) throw new AppError('UNKNOWN_SKU', `Unknown SKU: ${unknown.join(', ')}`, { skus: unknown });
    const byVariant = new Map([...wanted.entries()].map(([key, l]) => [sellables.get(key)!.variantId, { ...l, item: sellables.get(key)! }]));
    const added = [...byVariant.values()].filter((l) => l.qty > 0 && !before.some((b) => b.variantId === l.item.variantId));
    const inactive = added.filter((l) => !l.item.active).map((l) => l.item.sku);
    if (inactive.length > 0) throw new AppError('INACTIVE_PRODUCT', `No longer sold: ${inactive.join(', ')}`, { skus: inactive });

    const sameLines =
      before.length === [...byVariant.values()].filter((l) => l.qty > 0).length &&
      before.every((b) => byVariant.get(b.variantId)?.qty === b.qty);
    const sameAddress = JSON.stringify(order.shippingAddress) === JSON.stringify(input.shippingAddress);
    if (sameLines && sameAddress && order.shippingFee === input.shippingFee && order.discount === Math.min(input.discount, order.subtotal + input.shippingFee)) {
      return { order, changed: false, due: Math.max(0, order.total - (await paidAmount(tx, order.id))), refund: 0 };
    }

    const revision = await keepRevision(tx, order, before, input.actor, input.reason);
    await releaseOrderReservations(tx, order.id, input.actor, `order edited (revision ${revision})`);
    // Planned parcels were made for the old lines.
    await dropPlannedParcels(tx, order.id);

    for (const line of before) {
      const next = byVariant.get(line.variantId);
      if (!next || next.qty <= 0) await removeLine(tx, line.id);
      else if (next.qty !== line.qty) await setLineQty(tx, line, next.qty);
    }
    await addLines(
      tx,
      order.id,
      added.map((l) => ({ variantId: l.item.variantId, sku: l.item.sku, name: variantName(l.item, input.locale ?? 'th'), unitPrice: l.item.price, qty: l.qty })),
    );
    await reserveOrderLines(tx, order.id, await linesOf(tx, order.id), input.actor);
    const updated = await saveTotals(tx, order, { shippingFee: input.shippingFee, discount: input.discount, shippingAddress: input.shippingAddress });
    // A receipt already issued keeps its number and amounts; what the edit takes off is a credit note,
    // what it adds a debit note.
    const noteReason = `order edited (revision ${revision})${input.reason ? `: ${input.reason}` : ''}`;
    await issueCreditNote(tx, order.id, { amount: order.total - updated.total, reason: noteReason, timeZone: input.timeZone });
    await issueDebitNote(tx, order.id, { amount: updated.total - order.total, reason: noteReason, timeZone: input.timeZone });

    // What the shop holds for the order: paid, less refunds paid or already owed (an earlier edit's).
    const paid = await refundableAmount(tx, order.id);
    const refund = Math.max(0, paid - updated.total);
    const due = paid > 0 ? Math.max(0, updated.total - paid) : updated.total;
    if (refund > 0) {
      await recordRefundDue(tx, { orderId: order.id, amount: refund, currency: order.currency, reason: `order edited (revision ${revision})`, actor: input.actor });
    }
    const parts = [`edited (revision ${revision}): total ${money(order.total, order.currency)} → ${money(updated.total, order.currency)}`];
    if (paid > 0 && due > 0) parts.push(`still to pay ${money(due, order.currency)}`);
    if (refund > 0) parts.push(`refund owed ${money(refund, order.currency)}`);
    if (input.reason) parts.push(input.reason);
    await appendOrderNote(tx, updated, input.actor, parts.join('; '));
    await tellCustomer(tx, updated, { kind: 'order.edited', revision, due: paid > 0 ? due : 0, refund }, { fallbackLocale: input.locale });
    return { order: updated, changed: true, revision, due, refund };
  });
}
