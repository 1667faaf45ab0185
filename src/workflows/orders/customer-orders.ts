/**
 * What a customer does to orders in chat, the same on every channel: check out a cart, cancel an
 * unpaid order, put the last order back in the cart. Each runs in the caller's transaction and answers
 * with a result the chat turns into words; refusals are results, not errors, so the conversation goes on.
 */
import type { Config } from '#src/config.ts';
import type { Tx } from '#src/db/client.ts';
import type { ChatChannel, Customer, Order } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { findSellablesByVariantId, variantName, type Sellable } from '#src/modules/catalog/index.ts';
import { saveAddress, updateCustomerContact } from '#src/modules/customers/index.ts';
import { notifyMerchant } from '#src/modules/notify/index.ts';
import { customerMayCancel, linesOf, lockOrder, ordersOfCustomer, unpaidHoldings } from '#src/modules/orders/index.ts';
import { parcelLineOf, shippingFeeOf } from '#src/modules/shipping/index.ts';
import { placeOrderInTx } from './place-order.ts';
import { transitionLockedOrder } from './transition-order.ts';

export interface CartLine {
  item: Sellable;
  qty: number;
}

export interface Delivery {
  name: string;
  phone: string;
  address: string;
  postcode?: string | undefined;
}

/** The shop's shipping rule (live from the settings) over a cart's subtotal, weight and item count. */
export function cartShippingFee(tx: Tx, lines: readonly CartLine[], config: Pick<Config, 'shop'>): Promise<number> {
  return shippingFeeOf(tx, lines.map((l) => parcelLineOf(l.item, l.qty)), config.shop.shipping);
}

export type CheckoutResult =
  | { kind: 'placed'; order: Order }
  /** Stock ran short, or a product stopped selling, since the summary: nothing was written. */
  | { kind: 'stock_changed'; shortages: { sku: string; available: number }[]; message: string }
  /** The customer, or the delivery address, already holds the most unpaid orders or units the shop allows. */
  | { kind: 'limit'; reason: 'orders' | 'units'; max: number };

/**
 * Places the cart as an order, keeps the delivery details as the customer's contact and address, and
 * tells the merchant. The order is written in a savepoint: when stock ran short since the summary the
 * half-written order is undone and the caller's transaction (the conversation) carries on.
 */
export async function checkoutCart(
  tx: Tx,
  input: { channel: ChatChannel; customer: Customer; lines: readonly CartLine[]; delivery: Delivery; language: 'th' | 'en'; config: Config },
): Promise<CheckoutResult> {
  const { customer, delivery, config, lines } = input;
  // Stock held by unpaid orders is capped per chat identity and per address (identities are free to make).
  const limits = config.jobs.unpaidLimits;
  const held = await unpaidHoldings(tx, { customerId: customer.id, address: delivery.address, postcode: delivery.postcode });
  if (held.customer.orders + 1 > limits.orders) return { kind: 'limit', reason: 'orders', max: limits.orders };
  if (held.address.orders + 1 > limits.addressOrders) return { kind: 'limit', reason: 'orders', max: limits.addressOrders };
  const units = lines.reduce((n, l) => n + l.qty, 0);
  if (held.customer.units + units > limits.units) return { kind: 'limit', reason: 'units', max: limits.units };
  if (held.address.units + units > limits.addressUnits) return { kind: 'limit', reason: 'units', max: limits.addressUnits };
  const fee = await cartShippingFee(tx, lines, config);
  let order: Order;
  try {
    ({ order } = await tx.transaction((sp) =>
      placeOrderInTx(sp, {
        channel: input.channel,
        customer: { id: customer.id, name: delivery.name, phone: delivery.phone },
        lines: lines.map((l) => ({ sku: l.item.sku, qty: l.qty })),
        shippingAddress: delivery,
        paymentMethod: config.promptPayId ? 'promptpay' : 'transfer',
        currency: config.shop.currency,
        shippingFee: fee,
        actor: `customer:${input.channel}`,
        language: input.language,
      }),
    ));
  } catch (err) {
    if (isAppError(err, 'INSUFFICIENT_STOCK') || isAppError(err, 'INACTIVE_PRODUCT') || isAppError(err, 'UNKNOWN_SKU')) {
      const shortages = (err.details?.shortages as { sku: string; available: number }[] | undefined) ?? [];
      return { kind: 'stock_changed', shortages, message: err.message };
    }
    throw err;
  }
  if (!customer.phone || !customer.name) {
    await updateCustomerContact(tx, customer.id, { name: customer.name || delivery.name, phone: customer.phone ?? delivery.phone });
  }
  await saveAddress(tx, customer.id, delivery);
  await notifyMerchant(
    tx,
    config,
    {
      kind: 'merchant.new_order',
      orderNumber: order.number,
      total: order.total,
      currency: order.currency,
      customer: order.customerName,
      channel: order.channel,
      lines: lines.map((l) => `${variantName(l.item, config.shop.locale)} x${l.qty}`),
    },
    `new-order:${order.number}`,
  );
  return { kind: 'placed', order };
}

export type CancelResult =
  | { kind: 'cancelled'; order: Order }
  /** No such order, or someone else's: the customer hears the same either way. */
  | { kind: 'not_found' }
  | { kind: 'not_cancellable'; order: Order };

/** A customer cancels one of their own orders, while the policy lets them (unpaid, nothing shipped). */
export async function cancelByCustomer(tx: Tx, input: { customerId: number; number: string; channel: ChatChannel }): Promise<CancelResult> {
  let order: Order;
  try {
    order = await lockOrder(tx, input.number);
  } catch (err) {
    if (isAppError(err, 'ORDER_NOT_FOUND')) return { kind: 'not_found' };
    throw err;
  }
  if (order.customerId !== input.customerId) return { kind: 'not_found' };
  if (!customerMayCancel(order)) return { kind: 'not_cancellable', order };
  const cancelled = await transitionLockedOrder(tx, order, {
    to: 'cancelled',
    actor: `customer:${input.channel}`,
    note: 'cancelled by the customer in chat',
    notify: false,
  });
  return { kind: 'cancelled', order: cancelled };
}

/** A cart as reorderLast needs it: the chat's own cart (kept by the conversation, not by this module). */
export interface ReorderCart {
  qty(variantId: number): number;
  set(variantId: number, qty: number): void;
}

export type ReorderResult =
  | { kind: 'nothing_to_reorder' }
  | {
      kind: 'reordered';
      added: CartLine[];
      /** Lines not put back: no longer sold (only the old line's name is left) or out of stock. */
      skipped: ({ kind: 'gone'; name: string } | { kind: 'out_of_stock'; item: Sellable })[];
    };

/**
 * Puts the customer's last order back in their cart, as much of each line as is still sold and in
 * stock beside what the cart already holds.
 */
export async function reorderLast(
  tx: Tx,
  input: { customerId: number; cart: ReorderCart; available: (variantIds: number[]) => Promise<Map<number, number>> },
): Promise<ReorderResult> {
  const [last] = await ordersOfCustomer(tx, input.customerId, { limit: 1 });
  if (!last) return { kind: 'nothing_to_reorder' };
  const lines = await linesOf(tx, last.id);
  const sellables = await findSellablesByVariantId(tx, lines.map((l) => l.variantId));
  const available = await input.available(lines.map((l) => l.variantId));
  const { cart } = input;
  const added: CartLine[] = [];
  const skipped: Extract<ReorderResult, { kind: 'reordered' }>['skipped'] = [];
  for (const line of lines) {
    const item = sellables.get(line.variantId);
    if (!item || !item.active) {
      skipped.push({ kind: 'gone', name: line.name });
      continue;
    }
    const current = cart.qty(item.variantId);
    const qty = Math.min(line.qty, (available.get(item.variantId) ?? 0) - current);
    if (qty <= 0) {
      skipped.push({ kind: 'out_of_stock', item });
      continue;
    }
    cart.set(item.variantId, current + qty);
    added.push({ item, qty });
  }
  return { kind: 'reordered', added, skipped };
}
