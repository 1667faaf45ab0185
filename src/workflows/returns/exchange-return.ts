/**
 * A received return is settled with an exchange order: the returned items' value pays for the new ones,
 * a remainder is refunded, a shortfall is paid by the customer; the customer is told.
 */
import type { Db, DbOrTx, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, ReturnRequest } from '#src/db/schema/index.ts';
import type { BillingOptions } from '#src/modules/billing/index.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { appendOrderNote, linesOf, lockOrderById } from '#src/modules/orders/index.ts';
import { recordRefundDue, refundableAmount } from '#src/modules/payments/index.ts';
import { exchangeSettlement, formatReturnNumber, lockReturnForMove, returnLinesOf, returnedValue, updateReturn } from '#src/modules/returns/index.ts';
import { placeOrderInTx } from '../orders/place-order.ts';
import { transitionLockedOrder } from '../orders/transition-order.ts';

/** The returned lines with their order lines, and what they are worth. */
export async function returnValue(db: DbOrTx, ret: ReturnRequest): Promise<number> {
  const lines = await returnLinesOf(db, ret.id);
  const orderLines = new Map((await linesOf(db, ret.orderId)).map((l) => [l.id, l]));
  return returnedValue(lines.map((l) => ({ qty: l.qty, line: orderLines.get(l.orderLineId)! })));
}

export interface ExchangeReturnInput {
  id: number;
  /** The shop's billing settings: an exchange the return pays for in full is paid, with its receipt. */
  billing: BillingOptions;
  lines: { sku: string; qty: number }[];
  actor: string;
  locale: 'th' | 'en';
}

/**
 * Places the exchange order for the same customer, address and channel. The returned items' value is
 * its discount: new items worth the same or less cost nothing (any remainder is a refund due); worth
 * more, the customer pays the difference and the order waits for payment.
 */
export async function exchangeReturn(db: Db, input: ExchangeReturnInput, within?: (tx: Tx, ret: ReturnRequest, order: Order, exchange: Order) => Promise<void>) {
  return withTransaction(db, async (tx) => {
    const ret = await lockReturnForMove(tx, input.id, 'exchanged');
    const order = await lockOrderById(tx, ret.orderId);
    const value = await returnValue(tx, ret);
    const number = formatReturnNumber(ret.id);
    const placed = await placeOrderInTx(tx, {
      channel: order.channel,
      customer: { id: order.customerId, name: order.customerName, phone: order.customerPhone ?? undefined },
      lines: input.lines,
      shippingAddress: order.shippingAddress,
      paymentMethod: order.paymentMethod,
      currency: order.currency,
      shippingFee: 0,
      discount: value,
      note: `exchange for return ${number} of ${order.number}`,
      actor: input.actor,
      language: input.locale,
    });
    let exchange = placed.order;
    const settlement = exchangeSettlement(value, exchange.subtotal);
    if (exchange.total === 0) {
      // Nothing to pay: the returned items paid for it.
      exchange = await transitionLockedOrder(tx, exchange, { to: 'paid', actor: input.actor, event: { kind: 'return.paidBy', params: { number } }, notify: false, billing: input.billing });
    }
    const refundDue = Math.min(settlement.toRefund, await refundableAmount(tx, order.id));
    if (refundDue > 0) {
      await recordRefundDue(tx, {
        orderId: order.id,
        amount: refundDue,
        currency: order.currency,
        reason: `return ${number}: exchange ${exchange.number} cost less`,
        returnId: ret.id,
        actor: input.actor,
      });
    }
    const updated = await updateReturn(tx, ret.id, { status: 'exchanged', exchangeOrderId: exchange.id });
    await appendOrderNote(tx, order, input.actor, { event: { kind: 'return.exchanged', params: { number, exchange: exchange.number } } });
    await appendOrderNote(tx, exchange, input.actor, { event: { kind: 'return.exchangeFor', params: { number, order: order.number, value, currency: order.currency } } });
    await tellCustomer(
      tx,
      order,
      { kind: 'return.exchanged', returnNumber: number, exchangeNumber: exchange.number, toPay: exchange.total, refund: refundDue, currency: order.currency },
      { fallbackLocale: input.locale },
    );
    if (within) await within(tx, updated, order, exchange);
    return { ret: updated, exchange, refundDue };
  });
}
