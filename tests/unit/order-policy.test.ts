import { describe, expect, it } from 'vitest';
import { orderStatus, paymentMethod, type OrderStatus, type PaymentMethod } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import {
  approvesSlip,
  assertEditable,
  assertMergeable,
  assertShippable,
  assertSplittable,
  awaitingPaymentStatuses,
  awaitsConfirmation,
  awaitsPayment,
  cancels,
  customerMayCancel,
  decidesSlip,
  deliveredStatuses,
  dispatchedStatuses,
  editableStatuses,
  isCollected,
  isEditable,
  isMergeable,
  isOpen,
  isPackingMove,
  isPaid,
  isShippable,
  isSplittable,
  isUnpacking,
  marksPaid,
  mayReceipt,
  openStatuses,
  paidStatuses,
  rejectsSlip,
  shippableStatuses,
  ships,
  splittableStatuses,
  unpaidStatuses,
  waitingStatuses,
} from '#src/modules/orders/policy.ts';

const all = orderStatus.enumValues;
const order = (status: OrderStatus, method: PaymentMethod = 'promptpay') => ({ status, paymentMethod: method, number: 'TL-10001' });
const which = (test: (o: ReturnType<typeof order>) => boolean, method: PaymentMethod = 'promptpay') => all.filter((s) => test(order(s, method)));

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isAppError(err) ? `${err.code}: ${err.message}` : String(err);
  }
}

describe('order policy', () => {
  it('reads its status lists off the transition table as the lifecycle of DESIGN.md has them', () => {
    expect(openStatuses).toEqual(['pending_payment', 'payment_review', 'paid', 'confirmed', 'packed', 'shipped']);
    expect(awaitingPaymentStatuses).toEqual(['pending_payment', 'payment_review']);
    expect(unpaidStatuses).toEqual(['pending_payment']);
    expect(paidStatuses).toEqual(['paid', 'confirmed', 'packed', 'shipped', 'delivered', 'completed']);
    expect(editableStatuses).toEqual(['pending_payment', 'payment_review', 'paid', 'confirmed', 'packed']);
    expect(splittableStatuses).toEqual(['paid', 'confirmed', 'packed']);
    expect(shippableStatuses).toEqual(['confirmed', 'packed']);
    expect(dispatchedStatuses).toEqual(['shipped', 'delivered', 'completed']);
    expect(deliveredStatuses).toEqual(['delivered', 'completed']);
    expect(waitingStatuses).toEqual(['payment_review', 'paid', 'confirmed', 'packed']);
  });

  it('lets a customer cancel only an order nobody has acted on', () => {
    expect(which(customerMayCancel)).toEqual(['pending_payment']);
    expect(which(isMergeable)).toEqual(['pending_payment']);
  });

  it('takes a photo as a slip while the order is unpaid or its slip is under review', () => {
    expect(which(awaitsPayment)).toEqual(['pending_payment', 'payment_review']);
    expect(which(isOpen)).not.toContain('delivered');
  });

  it('splits paid orders before they ship, and cash-on-delivery orders also while unpaid', () => {
    expect(which(isSplittable, 'transfer')).toEqual(['paid', 'confirmed', 'packed']);
    expect(which(isSplittable, 'cod')).toEqual(['pending_payment', 'paid', 'confirmed', 'packed']);
    expect(which(isEditable)).toEqual(['pending_payment', 'payment_review', 'paid', 'confirmed', 'packed']);
    expect(which(isShippable)).toEqual(['confirmed', 'packed']);
  });

  it('allows a receipt for a prepaid order once paid, for a cash-on-delivery order once delivered', () => {
    expect(which(mayReceipt, 'promptpay')).toEqual(['paid', 'confirmed', 'packed', 'shipped', 'delivered', 'completed']);
    expect(which(mayReceipt, 'cod')).toEqual(['delivered', 'completed']);
    expect(which(isPaid)).not.toContain('cancelled');
    expect(which(isCollected)).toEqual(['delivered', 'completed']);
    for (const method of paymentMethod.enumValues) expect(mayReceipt(order('cancelled', method))).toBe(false);
  });

  it('names what a move means for the workflows that carry it out', () => {
    expect(all.filter(marksPaid)).toEqual(['paid']);
    expect(all.filter(cancels)).toEqual(['cancelled']);
    expect(all.filter(ships)).toEqual(['shipped']);
    expect(all.filter(decidesSlip)).toEqual(['payment_review']);
    expect(approvesSlip('payment_review', 'paid')).toBe(true);
    expect(approvesSlip('pending_payment', 'paid')).toBe(false);
    expect(rejectsSlip('payment_review', 'pending_payment')).toBe(true);
    expect(rejectsSlip('payment_review', 'cancelled')).toBe(false);
    expect(isPackingMove('confirmed', 'packed')).toBe(true);
    expect(isPackingMove('packed', 'confirmed')).toBe(true);
    expect(isPackingMove('paid', 'confirmed')).toBe(false);
    expect(isUnpacking('packed', 'confirmed')).toBe(true);
    expect(isUnpacking('confirmed', 'packed')).toBe(false);
    expect(which(awaitsConfirmation)).toEqual(['paid']);
  });

  it('refuses with the errors the API and the back office already know', () => {
    expect(codeOf(() => assertShippable(order('paid')))).toBe('ILLEGAL_TRANSITION: An order in status paid cannot be shipped; confirm it first');
    expect(codeOf(() => assertShippable(order('packed')))).toBeUndefined();
    expect(codeOf(() => assertEditable(order('shipped')))).toBe('ORDER_NOT_EDITABLE: An order in status shipped can no longer be changed');
    expect(codeOf(() => assertEditable(order('payment_review')))).toBeUndefined();
    expect(codeOf(() => assertSplittable(order('pending_payment')))).toBe('ORDER_NOT_EDITABLE: An order in status pending_payment cannot be split');
    expect(codeOf(() => assertSplittable(order('pending_payment', 'cod')))).toBeUndefined();
    expect(codeOf(() => assertMergeable(order('paid')))).toBe('MERGE_NOT_ALLOWED: Order TL-10001 is paid; only unpaid orders can be merged');
    expect(codeOf(() => assertMergeable(order('pending_payment')))).toBeUndefined();
  });
});
