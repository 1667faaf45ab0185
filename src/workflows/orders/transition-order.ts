import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, OrderStatus } from '#src/db/schema/index.ts';
import { billingDefaults, issueInvoice } from '#src/modules/billing/index.ts';
import { consumeOrderReservations, releaseOrderReservations } from '#src/modules/inventory/index.ts';
import { enqueueMessage } from '#src/modules/notify/index.ts';
import { cancels, decidesSlip, lockOrder, marksPaid, rejectsSlip, returnsToUnpaid, setOrderStatus, ships } from '#src/modules/orders/index.ts';
import { paidAmount, recordPayment, recordRefundDue, reviewSlips } from '#src/modules/payments/index.ts';
import { chatTargetFor } from '#src/modules/customers/index.ts';

export interface TransitionInput {
  number: string;
  to: OrderStatus;
  actor: string;
  note?: string | undefined;
  /** The shop's default language, for customers who never told us theirs. */
  locale?: 'th' | 'en';
  /** Whether the customer hears of this change; false when the caller sends a fuller message itself. */
  notify?: boolean;
  /** How the invoice issued on 'paid' is made; without it the running shop's settings apply (billingDefaults). */
  billing?: { vatRegistered: boolean; timeZone: string } | undefined;
}

/** Statuses the customer is told about in chat when their order reaches them. */
const toldToCustomer: Partial<Record<OrderStatus, string>> = {
  pending_payment: 'order.payment_reminder',
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

export async function transitionLockedOrder(tx: Tx, order: Order, input: Omit<TransitionInput, 'number'>): Promise<Order> {
  const updated = await setOrderStatus(tx, order, input.to, input.actor, input.note);
  // A merchant deciding on a slip under review: approve (paid) or reject (back to pending, customer told why).
  if (decidesSlip(order.status)) {
    await reviewSlips(tx, order.id, marksPaid(input.to) ? 'approved' : 'rejected', input.actor, input.note);
    if (rejectsSlip(order.status, input.to) && input.notify !== false) {
      await tellCustomer(tx, updated, 'pending_payment', input.locale ?? 'th', { note: input.note }, `:slip-rejected:${Date.now()}`, 'order.slip_rejected');
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
    await issueInvoice(tx, order.id, input.billing ?? billingDefaults());
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
    }
  } else if (ships(input.to)) {
    await consumeOrderReservations(tx, order.id, input.actor);
  }
  // Back to pending (a slip rejected) has its own message, above.
  if (input.notify !== false && !returnsToUnpaid(input.to)) {
    await tellCustomer(tx, updated, input.to, input.locale ?? 'th', { note: input.note });
  }
  return updated;
}

export async function tellCustomer(
  tx: Tx,
  order: Order,
  event: OrderStatus,
  fallbackLocale: 'th' | 'en',
  params: Record<string, unknown> = {},
  dedupeSuffix = '',
  templateOverride?: string,
): Promise<void> {
  const template = templateOverride ?? toldToCustomer[event];
  if (!template) return;
  const target = await chatTargetFor(tx, order.customerId, order.channel, fallbackLocale);
  if (!target) return;
  await enqueueMessage(tx, {
    channel: target.channel,
    recipient: target.recipient,
    payload: {
      template,
      locale: target.locale,
      params: { orderNumber: order.number, total: order.total, currency: order.currency, ...params },
    },
    dedupeKey: `order:${order.number}:${event}${dedupeSuffix}`,
  });
}

