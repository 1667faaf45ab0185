import { createHash } from 'node:crypto';
import type { Db } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, PaymentMethod } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { normalizeThaiPhone } from '#src/lib/phone.ts';
import { findCustomer, findOrCreateCustomerByPhone, keptCustomer, saveAddress } from '#src/modules/customers/index.ts';
import { appendOrderNote, bindIdempotencyKey, claimIdempotencyKey, findOrderById } from '#src/modules/orders/index.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { transitionLockedOrder } from './transition-order.ts';
import { placeOrderInTx } from './place-order.ts';

/** Where an order typed in by staff came from: recorded in its note and history. */
export const orderSources = ['phone', 'walkin', 'line', 'facebook', 'instagram', 'other'] as const;
export type OrderSource = (typeof orderSources)[number];

export interface EnterOrderInput {
  /** The per-form token: the same form sent twice places one order. */
  formToken: string;
  customer: { id: number } | { name: string; phone: string };
  source: OrderSource;
  lines: { sku: string; qty: number }[];
  /** Walk-in pickup: no delivery address needed. */
  pickup: boolean;
  shippingAddress?: { name: string; phone: string; address: string; postcode?: string | undefined } | undefined;
  paymentMethod: PaymentMethod;
  shippingFee: number;
  discount: number;
  note?: string | undefined;
  /** Paid on the spot (walk-in): the payment is recorded confirmed and the order moves to paid. */
  paidNow: boolean;
  /** Queue the payment details (amount, PromptPay id) to the customer's chat, if they have one. */
  sendPaymentDetails: boolean;
  actor: string;
  currency: string;
  locale: 'th' | 'en';
  promptPayId?: string | undefined;
  billing: { vatRegistered: boolean; timeZone: string };
}

export interface EnteredOrder {
  order: Order;
  created: boolean;
  /** Whether the payment details were queued to a chat. */
  sentToChat: boolean;
}

/**
 * An order typed in by staff: the customer found or created, then the same place-order workflow as
 * chat and the API (stock reserved, no overselling), all in one transaction with the form's
 * idempotency key, so a double click returns the first order instead of placing a second.
 */
export async function enterOrder(db: Db, input: EnterOrderInput): Promise<EnteredOrder> {
  if (input.paidNow && input.paymentMethod === 'cod') throw new AppError('VALIDATION_ERROR', 'A cash-on-delivery order cannot be paid now');
  if (!input.pickup && !input.shippingAddress) throw new AppError('VALIDATION_ERROR', 'A delivery address is needed');
  const key = `admin-order:${input.formToken}`;
  const requestHash = createHash('sha256').update(input.formToken).digest('hex');
  return withTransaction(db, async (tx) => {
    const claim = await claimIdempotencyKey(tx, key, requestHash);
    if (!claim.claimed) {
      const existing = claim.orderId === null ? undefined : await findOrderById(tx, claim.orderId);
      if (!existing) throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This form was already sent and failed; open a new form');
      return { order: existing, created: false, sentToChat: false };
    }
    let customer;
    if ('id' in input.customer) {
      const found = await findCustomer(tx, input.customer.id);
      customer = found && found.mergedIntoId !== null ? await keptCustomer(tx, found) : found;
      if (!customer) throw new AppError('NOT_FOUND', `Customer ${input.customer.id} does not exist`);
    } else {
      customer = await findOrCreateCustomerByPhone(tx, input.customer);
    }
    const contactPhone = input.shippingAddress?.phone ?? customer.phone ?? '';
    const phone = normalizeThaiPhone(contactPhone) ?? contactPhone;
    const address = input.pickup
      ? { name: customer.name, phone, address: input.locale === 'th' ? 'รับที่ร้าน' : 'Pickup at the shop' }
      : { ...input.shippingAddress!, phone };
    const sourceNote = `source: ${input.source}${input.pickup ? ' (pickup)' : ''}`;
    const { order } = await placeOrderInTx(
      tx,
      {
        channel: 'manual',
        customer: { id: customer.id, name: customer.name, phone: customer.phone ?? undefined },
        lines: input.lines,
        shippingAddress: address,
        paymentMethod: input.paymentMethod,
        currency: input.currency,
        shippingFee: input.pickup ? 0 : input.shippingFee,
        discount: input.discount,
        note: input.note ? `${sourceNote}\n${input.note}` : sourceNote,
        actor: input.actor,
        language: input.locale,
      },
      async (tx, placed) => {
        if (!input.pickup) await saveAddress(tx, customer.id, address);
        await bindIdempotencyKey(tx, key, placed.order.id);
      },
    );
    await appendOrderNote(tx, order, input.actor, { event: { kind: 'order.entered', params: { source: input.source, pickup: Boolean(input.pickup) } } });
    let current = order;
    let sentToChat = false;
    if (input.paidNow) {
      current = await transitionLockedOrder(tx, order, { to: 'paid', actor: input.actor, event: { kind: 'order.paidAtCounter' }, locale: input.locale, billing: input.billing });
    } else if (input.sendPaymentDetails && input.paymentMethod !== 'cod') {
      // The same message as the unpaid-order reminder: order number, amount and the shop's PromptPay id.
      const told = await tellCustomer(tx, order, { kind: 'order.payment_reminder', promptPayId: input.promptPayId }, { once: 'entered', fallbackLocale: input.locale });
      sentToChat = told.to !== undefined;
    }
    return { order: current, created: true, sentToChat };
  });
}
