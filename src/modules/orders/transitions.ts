import type { OrderStatus, PaymentMethod } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';

/** Every move an order may make. Anything not listed is refused. */
export const transitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'payment_review', 'confirmed', 'cancelled'],
  payment_review: ['paid', 'pending_payment', 'cancelled'],
  paid: ['confirmed', 'cancelled'],
  confirmed: ['packed', 'shipped', 'cancelled'],
  packed: ['shipped', 'confirmed', 'cancelled'],
  shipped: ['delivered'],
  delivered: ['completed'],
  completed: [],
  cancelled: [],
};

export function allowedTransitions(from: OrderStatus, paymentMethod: PaymentMethod): OrderStatus[] {
  return transitions[from].filter((to) => !(from === 'pending_payment' && to === 'confirmed' && paymentMethod !== 'cod'));
}

/** Throws ILLEGAL_TRANSITION (or COD_ONLY) with a message that says what is possible instead. */
export function assertTransition(from: OrderStatus, to: OrderStatus, paymentMethod: PaymentMethod): void {
  if (allowedTransitions(from, paymentMethod).includes(to)) return;
  if (from === 'pending_payment' && to === 'confirmed') {
    throw new AppError('COD_ONLY', 'Only a cash-on-delivery order can be confirmed before it is paid', { from, to });
  }
  const allowed = allowedTransitions(from, paymentMethod);
  throw new AppError(
    'ILLEGAL_TRANSITION',
    `An order in status ${from} cannot move to ${to}` +
      (allowed.length ? ` (possible: ${allowed.join(', ')})` : ' (it is final)'),
    { from, to, allowed },
  );
}
