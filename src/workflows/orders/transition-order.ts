import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, OrderEvent, OrderStatus } from '#src/db/schema/index.ts';
import { issueCreditNote, issueInvoice, type BillingOptions } from '#src/modules/billing/index.ts';
import { consumeOrderReservations, releaseOrderReservations } from '#src/modules/inventory/index.ts';
import { tellCustomer, type OrderNotice } from '#src/modules/notify/index.ts';
import { approvesSlip, cancels, decidesSlip, lockOrder, marksPaid, placedStatus, rejectsSlip, setOrderStatus, ships } from '#src/modules/orders/index.ts';
import { assertNoBookingHeld } from '#src/modules/shipping/index.ts';
import { approveReviewedSlips, paidAmount, recordPayment, recordRefundDue, reviewSlips } from '#src/modules/payments/index.ts';

/**
 * A move of a locked order. A move that may reach paid issues the receipt there, so it carries the
 * shop's billing settings (config.shop: VAT registration and time zone).
 */
export type MoveInput = {
  actor: string;
  note?: string | undefined;
  /** What the system records on the timeline, in place of an English note. */
  event?: OrderEvent | undefined;
  /** The shop's default language, for customers who never told us theirs. */
  locale?: 'th' | 'en' | undefined;
  /** Whether the customer hears of this change; false when the caller sends a fuller message itself. */
  notify?: boolean | undefined;
  /**
   * Approving a slip under review: the amount received when it is not what the slips show (the note
   * then says why), and where the customer pays what is still owed.
   */
  received?: number | undefined;
  payTo?: { promptPayId?: string | undefined; qrUrl?: string | undefined } | undefined;
} & ({ to: Exclude<OrderStatus, 'paid'>; billing?: BillingOptions | undefined } | { to: OrderStatus; billing: BillingOptions });

export type TransitionInput = MoveInput & { number: string };

/** What the customer is told in chat when their order reaches a status; other moves are not news to them. */
const toldOnArrival: Partial<Record<OrderStatus, Extract<OrderNotice['kind'], 'order.paid' | 'order.confirmed' | 'order.shipped' | 'order.delivered' | 'order.cancelled'>>> = {
  paid: 'order.paid',
  confirmed: 'order.confirmed',
  shipped: 'order.shipped',
  delivered: 'order.delivered',
  cancelled: 'order.cancelled',
};

/**
 * Moves an order to a new status with everything that status means, in one transaction:
 * paid records the outstanding payment, cancelled releases stock and records any refund owed,
 * shipped turns reserved stock into a deduction; the customer is told through the outbox.
 */
export async function transitionOrder(db: Db, input: TransitionInput): Promise<Order> {
  return withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.number);
    return transitionLockedOrder(tx, order, input);
  });
}

export async function transitionLockedOrder(tx: Tx, order: Order, input: MoveInput): Promise<Order> {
  if (approvesSlip(order.status, input.to)) return approveSlip(tx, order, input);
  // A parcel booked with a carrier would still be collected: its booking is cancelled first.
  if (cancels(input.to)) await assertNoBookingHeld(tx, order);
  const updated = await setOrderStatus(tx, order, input.to, input.actor, input.note, input.event);
  // A merchant deciding on a slip under review: approve (paid) or reject (back to pending, customer told why).
  if (decidesSlip(order.status)) {
    await reviewSlips(tx, order.id, marksPaid(input.to) ? 'approved' : 'rejected', input.actor, input.note);
    if (rejectsSlip(order.status, input.to) && input.notify !== false) {
      await tellCustomer(tx, updated, { kind: 'slip.rejected', note: input.note }, { fallbackLocale: input.locale });
    }
  }
  if (marksPaid(input.to)) {
    const outstanding = order.total - (await paidAmount(tx, order.id));
    if (outstanding > 0) {
      await recordPayment(tx, {
        orderId: order.id,
        method: order.paymentMethod,
        amount: outstanding,
        currency: order.currency,
        reference: 'marked paid',
        actor: input.actor,
        note: input.note,
      });
    }
    // The receipt / tax invoice number is taken in this transaction: a rollback gives it back (no gap).
    if (!input.billing) throw new Error('moving an order to paid needs the shop\'s billing settings');
    await issueInvoice(tx, order.id, input.billing);
  } else if (cancels(input.to)) {
    await releaseOrderReservations(tx, order.id, input.actor, input.note ?? 'order cancelled');
    const paid = await paidAmount(tx, order.id);
    if (paid > 0) {
      await recordRefundDue(tx, {
        orderId: order.id,
        amount: paid,
        currency: order.currency,
        reason: input.note ?? 'order cancelled after payment',
        actor: input.actor,
      });
      // A receipted order cancelled: its receipt is credited in full.
      if (input.billing) await issueCreditNote(tx, order.id, { amount: order.total, reason: `cancelled${input.note ? `: ${input.note}` : ''}`, timeZone: input.billing.timeZone });
    }
  } else if (ships(input.to)) {
    await consumeOrderReservations(tx, order.id, input.actor);
  }
  // Back to pending (a slip rejected) has its own message, above.
  const told = input.notify === false ? undefined : toldOnArrival[input.to];
  if (told) await tellCustomer(tx, updated, { kind: told, note: input.note }, { fallbackLocale: input.locale });
  return updated;
}

/**
 * Approving the slips under review records what they show (or what the merchant typed, with a reason)
 * as a payment. The order is paid only when payments cover its total; otherwise it goes back to await
 * the rest and the customer is told what was received and what is still owed. Money beyond the total
 * is recorded as a refund owed and the customer is told it will come back.
 */
async function approveSlip(tx: Tx, order: Order, input: MoveInput): Promise<Order> {
  const approved = await approveReviewedSlips(tx, order, { amount: input.received, reason: input.note, actor: input.actor });
  const told = {
    kind: 'payment.received',
    paymentId: approved.payment.id,
    received: approved.payment.amount,
    remaining: approved.remaining,
    refund: approved.over,
    promptPayId: input.payTo?.promptPayId,
    qrUrl: input.payTo?.qrUrl,
  } as const;
  if (approved.remaining > 0) {
    const waiting = await setOrderStatus(tx, order, placedStatus, input.actor, input.note ?? 'slip approved for part of the total');
    if (input.notify !== false) await tellCustomer(tx, waiting, told, { fallbackLocale: input.locale });
    return waiting;
  }
  if (approved.over > 0) {
    await recordRefundDue(tx, {
      orderId: order.id,
      amount: approved.over,
      currency: order.currency,
      reason: 'overpayment',
      actor: input.actor,
    });
  }
  if (!input.billing) throw new Error("moving an order to paid needs the shop's billing settings");
  const paid = await setOrderStatus(tx, order, input.to, input.actor, input.note);
  await issueInvoice(tx, order.id, input.billing);
  if (input.notify !== false) {
    // Paid beyond the total: the paid message would not say what comes back.
    if (approved.over > 0) await tellCustomer(tx, paid, told, { fallbackLocale: input.locale });
    else await tellCustomer(tx, paid, { kind: 'order.paid', note: input.note }, { fallbackLocale: input.locale });
  }
  return paid;
}
