/**
 * Every "may this order ..." rule, in one place and pure: the chat, the back office, the API, the jobs,
 * the reports and the workflows ask here instead of comparing statuses themselves. The lists are read
 * off the transition table (transitions.ts), so a change of the lifecycle changes the rules with it;
 * tests/unit/order-policy.test.ts pins what they are today.
 */
import type { Order, OrderStatus } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { allowedTransitions, transitions } from './transitions.ts';

/** What the rules look at: an order row, or just its status and how it is paid. */
export type OrderState = Pick<Order, 'status' | 'paymentMethod'>;

const everyStatus = Object.keys(transitions) as OrderStatus[];

/** The statuses an order in `from` can still reach, by any number of moves (`from` itself included). */
function reachableFrom(from: OrderStatus): Set<OrderStatus> {
  const seen = new Set<OrderStatus>([from]);
  const queue = [from];
  while (queue.length > 0) {
    for (const next of transitions[queue.shift()!]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

const where = (test: (s: OrderStatus) => boolean): readonly OrderStatus[] => Object.freeze(everyStatus.filter(test));

// ---- single statuses with a meaning of their own ----------------------------------------------------

/** Where every order starts: placed, nothing paid, no slip under review. */
export const placedStatus: OrderStatus = 'pending_payment';
/** The end that takes an order out of every count (sales, ledgers, reports, reminders). */
export const cancelledStatus: OrderStatus = 'cancelled';
const paidStatus: OrderStatus = 'paid';
const shippedStatus: OrderStatus = 'shipped';
/** Handed to the customer: the move whose time starts the return window. */
export const deliveredStatus: OrderStatus = 'delivered';

/** What the shop's people have to do next, by status: review a slip, confirm, pack, hand to the carrier. */
export const waitingFor = {
  review: 'payment_review',
  confirm: 'paid',
  pack: 'confirmed',
  ship: 'packed',
} as const satisfies Record<string, OrderStatus>;

// ---- status lists (for SQL filters and lists) --------------------------------------------------------

/** Placed and not yet delivered nor cancelled: what a customer asking "status" sees. */
export const openStatuses = where((s) => s !== deliveredStatus && reachableFrom(s).has(deliveredStatus));
/** A slip may still pay the order: placed, or a slip under review (both may move to paid). */
export const awaitingPaymentStatuses = where((s) => transitions[s].includes(paidStatus));
/** Unpaid with no slip under review: reminded, expired, cancelled by the customer, merged. */
export const unpaidStatuses: readonly OrderStatus[] = Object.freeze([placedStatus]);
/** Paid (or accepted for cash on delivery) and not cancelled: what counts as a sale. */
export const paidStatuses = where((s) => s !== cancelledStatus && reachableFrom(paidStatus).has(s));
/** Before the parcel leaves the shop may still change the order. */
export const editableStatuses = where((s) => s !== shippedStatus && reachableFrom(s).has(shippedStatus));
/** Ready to hand to the carrier (confirmed, or packed): the packers' orders. */
export const shippableStatuses = where((s) => transitions[s].includes(shippedStatus));
/** Handed to the carrier, whether or not it arrived yet. */
export const dispatchedStatuses = where((s) => reachableFrom(shippedStatus).has(s));
/** Delivered to the customer (and, for cash on delivery, paid for at the door). */
export const deliveredStatuses = where((s) => reachableFrom(deliveredStatus).has(s));
/** Orders waiting for someone in the shop: the dashboard's and the daily summary's counts. */
export const waitingStatuses: readonly OrderStatus[] = Object.freeze(Object.values(waitingFor));
/** Paid and not shipped: the orders that may be split into parcels (cash on delivery also while unpaid). */
export const splittableStatuses = where((s) => paidStatuses.includes(s) && editableStatuses.includes(s));

// ---- predicates ---------------------------------------------------------------------------------------

const has = (list: readonly OrderStatus[], order: Pick<Order, 'status'>) => list.includes(order.status);

export const isOpen = (order: Pick<Order, 'status'>) => has(openStatuses, order);
/** A photo sent now is taken as a slip for this order. */
export const awaitsPayment = (order: Pick<Order, 'status'>) => has(awaitingPaymentStatuses, order);
export const isUnpaid = (order: Pick<Order, 'status'>) => has(unpaidStatuses, order);
/** A customer may cancel in chat only what nobody has acted on: an order not paid and with no slip to review. */
export const customerMayCancel = (order: Pick<Order, 'status'>) => isUnpaid(order);
export const isPaid = (order: Pick<Order, 'status'>) => has(paidStatuses, order);
/** The carrier delivered it, and so collected the cash of a cash-on-delivery order. */
export const isCollected = (order: Pick<Order, 'status'>) => has(deliveredStatuses, order);
export const isDelivered = (order: Pick<Order, 'status'>) => has(deliveredStatuses, order);
export const isEditable = (order: Pick<Order, 'status'>) => has(editableStatuses, order);
export const isShippable = (order: Pick<Order, 'status'>) => has(shippableStatuses, order);
/** On its way: a further parcel may still be added to it. */
export const isShipped = (order: Pick<Order, 'status'>) => order.status === shippedStatus;
export const isCancelled = (order: Pick<Order, 'status'>) => order.status === cancelledStatus;
/** Only unpaid orders are merged (the caller also checks that no payment was recorded). */
export const isMergeable = (order: Pick<Order, 'status'>) => isUnpaid(order);
/** Paid and not shipped, or a cash-on-delivery order that may be confirmed before it is paid. */
export const isSplittable = (order: OrderState) =>
  has(splittableStatuses, order) || (isUnpaid(order) && allowedTransitions(order.status, order.paymentMethod).includes(waitingFor.pack));
/**
 * A receipt says money was received: a prepaid order once it is paid, a cash-on-delivery order only
 * once the carrier has delivered it (and so collected the cash).
 */
export const mayReceipt = (order: OrderState) => (order.paymentMethod === 'cod' ? isCollected(order) : isPaid(order));
/** Waiting for the shop to accept it (paid, not confirmed yet): what "confirm selected" moves. */
export const awaitsConfirmation = (order: Pick<Order, 'status'>) => order.status === waitingFor.confirm;
export const awaitsReview = (status: OrderStatus) => status === waitingFor.review;
export const awaitsPacking = (status: OrderStatus) => status === waitingFor.pack;

// ---- what a move means ----------------------------------------------------------------------------------

/** Moving to paid records what is still owed as a payment and issues the receipt number. */
export const marksPaid = (to: OrderStatus) => to === paidStatus;
/** Cancelling releases the stock held and records a refund owed for money already paid. */
export const cancels = (to: OrderStatus) => to === cancelledStatus;
/** Shipping turns the stock held into a deduction. */
export const ships = (to: OrderStatus) => to === shippedStatus;
/** Back to unpaid: only a rejected slip does that. */
export const returnsToUnpaid = (to: OrderStatus) => to === placedStatus;
/** Any move out of review decides the slips under review (approved when paid, rejected otherwise). */
export const decidesSlip = (from: OrderStatus) => awaitsReview(from);
export const approvesSlip = (from: OrderStatus, to: OrderStatus) => decidesSlip(from) && marksPaid(to);
export const rejectsSlip = (from: OrderStatus, to: OrderStatus) => decidesSlip(from) && returnsToUnpaid(to);
/** A packer's move: packed, or back to confirmed to be packed again. */
export const isPackingMove = (from: OrderStatus, to: OrderStatus) =>
  (from === waitingFor.pack && to === waitingFor.ship) || isUnpacking(from, to);
export const isUnpacking = (from: OrderStatus, to: OrderStatus) => from === waitingFor.ship && to === waitingFor.pack;
/** The two statuses a packer moves an order between. */
export const packingStatuses = [waitingFor.ship, waitingFor.pack] as const;

// ---- guards (the errors the API, the back office and the chat already know) ---------------------------

export function assertShippable(order: Pick<Order, 'status'>): void {
  if (!isShippable(order)) {
    throw new AppError('ILLEGAL_TRANSITION', `An order in status ${order.status} cannot be shipped; confirm it first`, {
      from: order.status,
      to: shippedStatus,
    });
  }
}

export function assertEditable(order: Pick<Order, 'status'>): void {
  if (!isEditable(order)) {
    throw new AppError('ORDER_NOT_EDITABLE', `An order in status ${order.status} can no longer be changed`, { status: order.status });
  }
}

export function assertSplittable(order: OrderState): void {
  if (!isSplittable(order)) {
    throw new AppError('ORDER_NOT_EDITABLE', `An order in status ${order.status} cannot be split`, { status: order.status });
  }
}

export function assertMergeable(order: Pick<Order, 'status' | 'number'>): void {
  if (!isMergeable(order)) {
    throw new AppError('MERGE_NOT_ALLOWED', `Order ${order.number} is ${order.status}; only unpaid orders can be merged`, {
      number: order.number,
      status: order.status,
    });
  }
}
