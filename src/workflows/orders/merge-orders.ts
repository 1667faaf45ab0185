import type { Db } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { formatMoney } from '#src/lib/money.ts';
import { retotalInvoice } from '#src/modules/billing/index.ts';
import { moveLineReservations } from '#src/modules/inventory/index.ts';
import { addLines, appendOrderNote, assertMergeable, keepRevision, linesOf, lockOrder, saveTotals, setLineQty } from '#src/modules/orders/index.ts';
import { paidAmount } from '#src/modules/payments/index.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { transitionLockedOrder } from './transition-order.ts';

const money = (amount: number, currency: string) => formatMoney(amount, currency, 'en');

export interface MergeInput {
  /** The order that stays. */
  keep: string;
  /** The order whose lines move into it; it is cancelled as merged. */
  absorb: string;
  actor: string;
  locale?: 'th' | 'en';
}

/**
 * Merges two unpaid orders of the same customer into one parcel: the absorbed order's lines (and the
 * stock held for them) move to the kept one, the absorbed order is cancelled with a note, the kept
 * order keeps its own shipping fee and both discounts, and the customer is told the one total.
 */
export async function mergeOrders(db: Db, input: MergeInput): Promise<{ order: Order; absorbed: Order }> {
  return withTransaction(db, async (tx) => {
    if (input.keep.trim().toUpperCase() === input.absorb.trim().toUpperCase()) {
      throw new AppError('MERGE_NOT_ALLOWED', 'An order cannot be merged with itself');
    }
    // Both rows locked in one fixed order, so two merges of the same pair cannot deadlock.
    const [first, second] = [input.keep, input.absorb].sort();
    const locked = new Map<string, Order>();
    for (const n of [first!, second!]) {
      const o = await lockOrder(tx, n);
      locked.set(n, o);
    }
    const keep = locked.get(input.keep)!;
    const absorb = locked.get(input.absorb)!;
    if (keep.customerId !== absorb.customerId) throw new AppError('MERGE_NOT_ALLOWED', 'Only orders of the same customer can be merged');
    for (const o of [keep, absorb]) {
      assertMergeable(o);
      if ((await paidAmount(tx, o.id)) > 0) throw new AppError('MERGE_NOT_ALLOWED', `Order ${o.number} has a payment already`, { number: o.number });
    }
    if (keep.currency !== absorb.currency) throw new AppError('MERGE_NOT_ALLOWED', 'The orders are in different currencies');

    const keepLines = await linesOf(tx, keep.id);
    const revision = await keepRevision(tx, keep, keepLines, input.actor, `merged ${absorb.number}`);
    for (const line of await linesOf(tx, absorb.id)) {
      const same = keepLines.find((l) => l.variantId === line.variantId && l.unitPrice === line.unitPrice);
      let targetId: number;
      if (same) {
        same.qty += line.qty;
        await setLineQty(tx, same, same.qty);
        targetId = same.id;
      } else {
        const [copy] = await addLines(tx, keep.id, [{ variantId: line.variantId, sku: line.sku, name: line.name, unitPrice: line.unitPrice, qty: line.qty }]);
        keepLines.push(copy!);
        targetId = copy!.id;
      }
      // The stock already held for the absorbed line now belongs to the kept order: nothing is released and re-taken.
      await moveLineReservations(tx, line.id, { orderId: keep.id, orderLineId: targetId });
    }
    const updated = await saveTotals(tx, keep, { shippingFee: keep.shippingFee, discount: keep.discount + absorb.discount });
    await retotalInvoice(tx, keep.id, updated.total);
    await appendOrderNote(tx, updated, input.actor, `merged ${absorb.number} into this order (revision ${revision}): total ${money(keep.total, keep.currency)} → ${money(updated.total, keep.currency)}`);
    const cancelled = await transitionLockedOrder(tx, absorb, { to: 'cancelled', actor: input.actor, event: { kind: 'order.merged', params: { number: keep.number } }, notify: false });
    await tellCustomer(tx, updated, { kind: 'order.merged', absorbed: absorb.number }, { fallbackLocale: input.locale });
    return { order: updated, absorbed: cancelled };
  });
}
