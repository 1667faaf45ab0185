import type { OrderStatus, PaymentMethod } from '#src/db/schema/index.ts';

const paidStatuses: readonly OrderStatus[] = ['paid', 'confirmed', 'packed', 'shipped', 'delivered', 'completed'];
const collectedStatuses: readonly OrderStatus[] = ['delivered', 'completed'];

/**
 * A receipt says money was received: a prepaid order once it is paid, a cash-on-delivery order only
 * once the carrier has delivered it (and so collected the cash).
 */
export function receiptAllowed(order: { status: OrderStatus; paymentMethod: PaymentMethod }): boolean {
  return (order.paymentMethod === 'cod' ? collectedStatuses : paidStatuses).includes(order.status);
}
