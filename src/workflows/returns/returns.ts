/**
 * Returns and exchanges, across orders, inventory, payments and the outbox: a customer asks (in chat),
 * the shop approves or rejects, receives the items back into stock (or writes them off), then refunds
 * or places an exchange order. Each step is one transaction that checks first and then changes; the
 * customer hears of every decision through the outbox, and the order's history and the stock ledger
 * keep the trail.
 */
import type { Config } from '#src/config.ts';
import type { Db, DbOrTx, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type {
  Order,
  OrderLine,
  Refund,
  ReturnLine,
  ReturnRequest,
  Warehouse,
} from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { formatMoney } from '#src/lib/money.ts';
import { changeStock, warehousesByIds } from '#src/modules/inventory/index.ts';
import { enqueueMessage } from '#src/modules/notify/index.ts';
import { appendOrderNote, deliveredStatus, deliveredStatuses, findOrderById, isDelivered, lastMovedTo, linesOf, lockOrder, ordersOfCustomer } from '#src/modules/orders/index.ts';
import { recordRefundDue, recordRefundPaid, refundableAmount, type RefundMethod } from '#src/modules/payments/index.ts';
import { lastParcelDeliveredAt } from '#src/modules/shipping/index.ts';
import {
  canMoveReturn,
  exchangeSettlement,
  formatReturnNumber,
  insertReturn,
  lockReturn,
  openReturnOf,
  recordLineReceipt,
  returnLinesOf,
  returnedQtyByLine,
  returnedValue,
  updateReturn,
  withinReturnWindow,
} from '#src/modules/returns/index.ts';
import type { OutMessage } from '#src/ports/messages.ts';
import { messages, type Messages } from '#templates/messages/index.ts';
import { chatTargetFor } from '#src/modules/customers/index.ts';
import { merchantTargets } from '../merchant.ts';
import { placeOrderInTx } from '../orders/place-order.ts';
import { transitionLockedOrder } from '../orders/transition-order.ts';

// ---- asking -------------------------------------------------------------------------------------

/** When an order reached the customer: the history row that moved it to delivered, else a parcel's delivery time. */
export async function deliveredAt(db: DbOrTx, orderId: number): Promise<Date | undefined> {
  return (await lastMovedTo(db, orderId, deliveredStatus)) ?? (await lastParcelDeliveredAt(db, orderId));
}

export type Returnability =
  | { ok: true; deliveredAt: Date; lines: { line: OrderLine; returnable: number }[] }
  | { ok: false; reason: 'not_yours' | 'not_delivered' | 'window_passed' | 'nothing_left' }
  | { ok: false; reason: 'open_return'; returnNumber: string };

/** Whether a customer may ask to return items of an order now, and how many of each line are left to ask for. */
export async function checkReturnable(
  db: DbOrTx,
  order: Order,
  customerId: number,
  opts: { now: Date; windowDays: number },
): Promise<Returnability> {
  if (order.customerId !== customerId) return { ok: false, reason: 'not_yours' };
  if (!isDelivered(order)) return { ok: false, reason: 'not_delivered' };
  const at = await deliveredAt(db, order.id);
  if (!at) return { ok: false, reason: 'not_delivered' };
  if (!withinReturnWindow(at, opts.now, opts.windowDays)) return { ok: false, reason: 'window_passed' };
  const open = await openReturnOf(db, order.id);
  if (open) return { ok: false, reason: 'open_return', returnNumber: formatReturnNumber(open.id) };
  const asked = await returnedQtyByLine(db, order.id);
  const lines = (await linesOf(db, order.id))
    .map((line) => ({ line, returnable: line.qty - (asked.get(line.id) ?? 0) }))
    .filter((l) => l.returnable > 0);
  if (lines.length === 0) return { ok: false, reason: 'nothing_left' };
  return { ok: true, deliveredAt: at, lines };
}

/** A customer's orders that may be returned now, newest first. */
export async function returnableOrders(db: DbOrTx, customerId: number, opts: { now: Date; windowDays: number; limit?: number }): Promise<Order[]> {
  const candidates = await ordersOfCustomer(db, customerId, { statuses: deliveredStatuses, limit: 30 });
  const out: Order[] = [];
  for (const order of candidates) {
    if ((await checkReturnable(db, order, customerId, opts)).ok) out.push(order);
    if (out.length >= (opts.limit ?? 10)) break;
  }
  return out;
}

export interface RequestReturnInput {
  orderNumber: string;
  customerId: number;
  lines: { orderLineId: number; qty: number }[];
  reason: string;
  photos: string[];
  actor: string;
  now: Date;
  config: Config;
}

/** Records a customer's request (status requested) after checking everything again, and tells the merchant. */
export async function requestReturn(tx: Tx, input: RequestReturnInput): Promise<{ request: ReturnRequest; order: Order }> {
  const order = await lockOrder(tx, input.orderNumber);
  const check = await checkReturnable(tx, order, input.customerId, { now: input.now, windowDays: input.config.shop.returnWindowDays });
  if (!check.ok) throw new AppError('RETURN_STATE', `Order ${order.number} cannot be returned now (${check.reason})`, { reason: check.reason });
  const byId = new Map(check.lines.map((l) => [l.line.id, l]));
  for (const l of input.lines) {
    const left = byId.get(l.orderLineId);
    if (!left || l.qty < 1 || l.qty > left.returnable) throw new AppError('RETURN_INVALID', 'A returned quantity is more than was delivered');
  }
  const { request } = await insertReturn(tx, { orderId: order.id, customerId: input.customerId, reason: input.reason, photos: input.photos, lines: input.lines });
  const number = formatReturnNumber(request.id);
  await appendOrderNote(tx, order, input.actor, `return ${number} requested: ${input.reason}`);
  const lineTexts = input.lines.map((l) => `${byId.get(l.orderLineId)!.line.name} x${l.qty}`);
  const m = messages[input.config.shop.locale];
  for (const target of merchantTargets(input.config)) {
    await enqueueMessage(tx, {
      ...target,
      payload: { messages: [{ type: 'text', text: m.returns.merchantRequested(number, order.number, order.customerName, input.reason, lineTexts) }], locale: input.config.shop.locale },
      dedupeKey: `merchant:return-requested:${number}:${target.channel}`,
    });
  }
  return { request, order };
}

// ---- telling the customer -----------------------------------------------------------------------

async function tellCustomer(tx: Tx, order: Order, ret: ReturnRequest, event: string, fallbackLocale: 'th' | 'en', text: (m: Messages, lang: 'th' | 'en') => string) {
  const target = await chatTargetFor(tx, order.customerId, order.channel, fallbackLocale);
  if (!target) return;
  const out: OutMessage[] = [{ type: 'text', text: text(messages[target.locale], target.locale) }];
  await enqueueMessage(tx, {
    channel: target.channel,
    recipient: target.recipient,
    payload: { messages: out, locale: target.locale },
    dedupeKey: `return:${formatReturnNumber(ret.id)}:${event}`,
  });
}

type Within = (tx: Tx, ret: ReturnRequest, order: Order) => Promise<void>;

async function loadForChange(tx: Tx, id: number, to: Parameters<typeof canMoveReturn>[1]) {
  const ret = await lockReturn(tx, id);
  if (!canMoveReturn(ret.status, to)) {
    throw new AppError('RETURN_STATE', `Return ${formatReturnNumber(id)} is ${ret.status} and cannot become ${to}`, { from: ret.status, to });
  }
  const found = await findOrderById(tx, ret.orderId);
  const order = await lockOrder(tx, found!.number);
  return { ret, order };
}

// ---- deciding -----------------------------------------------------------------------------------

export interface DecideReturnInput {
  id: number;
  decision: 'approved' | 'rejected';
  note?: string | undefined;
  actor: string;
  locale: 'th' | 'en';
  now?: Date;
}

export async function decideReturn(db: Db, input: DecideReturnInput, within?: Within): Promise<ReturnRequest> {
  return withTransaction(db, async (tx) => {
    const { ret, order } = await loadForChange(tx, input.id, input.decision);
    if (input.decision === 'rejected' && !input.note) throw new AppError('RETURN_INVALID', 'A rejection needs a reason');
    const updated = await updateReturn(tx, ret.id, {
      status: input.decision,
      decisionNote: input.note ?? null,
      decidedBy: input.actor,
      decidedAt: input.now ?? new Date(),
    });
    const number = formatReturnNumber(ret.id);
    await appendOrderNote(tx, order, input.actor, `return ${number} ${input.decision}${input.note ? `: ${input.note}` : ''}`);
    await tellCustomer(tx, order, ret, input.decision, input.locale, (m) =>
      input.decision === 'approved' ? m.returns.approved(number, order.number, input.note) : m.returns.rejected(number, order.number, input.note),
    );
    if (within) await within(tx, updated, order);
    return updated;
  });
}

// ---- receiving ----------------------------------------------------------------------------------

/** What happens to one returned line: back on the shelf, kept apart as damaged, or written off. */
export type ReceiptChoice = 'sellable' | 'damaged' | 'write_off';

export interface ReceiveReturnInput {
  id: number;
  lines: { returnLineId: number; choice: ReceiptChoice; warehouseId: number }[];
  actor: string;
}

export async function receiveReturn(db: Db, input: ReceiveReturnInput, within?: Within): Promise<ReturnRequest> {
  return withTransaction(db, async (tx) => {
    const { ret, order } = await loadForChange(tx, input.id, 'received');
    const lines = await returnLinesOf(tx, ret.id);
    const orderLines = new Map((await linesOf(tx, order.id)).map((l) => [l.id, l]));
    const chosen = new Map(input.lines.map((l) => [l.returnLineId, l]));
    const whs = new Map((await warehousesByIds(tx, input.lines.map((l) => l.warehouseId))).map((w) => [w.id, w]));
    // Check everything before moving any stock.
    const plan: { line: ReturnLine; variantId: number; name: string; choice: ReceiptChoice; warehouse: Warehouse }[] = [];
    for (const line of lines) {
      const c = chosen.get(line.id);
      const warehouse = c ? whs.get(c.warehouseId) : undefined;
      if (!c || !warehouse || !warehouse.active) throw new AppError('RETURN_INVALID', 'Every returned line needs a condition and an active warehouse', { line: line.id });
      if (c.choice === 'sellable' && !warehouse.sellable) throw new AppError('RETURN_INVALID', `${warehouse.code} is not a sellable location`, { line: line.id });
      if (c.choice === 'damaged' && warehouse.sellable) throw new AppError('RETURN_INVALID', `Damaged items go to a non-sellable location or are written off`, { line: line.id });
      const ol = orderLines.get(line.orderLineId)!;
      plan.push({ line, variantId: ol.variantId, name: ol.name, choice: c.choice, warehouse });
    }
    const number = formatReturnNumber(ret.id);
    const ref = { refType: 'return', refId: String(ret.id), actor: input.actor };
    for (const p of plan) {
      await changeStock(tx, { ...ref, warehouseId: p.warehouse.id, variantId: p.variantId, onHandDelta: p.line.qty, reason: 'return', note: `${number} ${p.choice}` });
      if (p.choice === 'write_off') {
        await changeStock(tx, { ...ref, warehouseId: p.warehouse.id, variantId: p.variantId, onHandDelta: -p.line.qty, reason: 'damage', note: `${number} written off` });
      }
      await recordLineReceipt(tx, p.line.id, { condition: p.choice === 'sellable' ? 'sellable' : 'damaged', warehouseId: p.warehouse.id });
    }
    const updated = await updateReturn(tx, ret.id, { status: 'received', receivedAt: new Date() });
    const summary = plan.map((p) => `${p.name} x${p.line.qty} ${p.choice === 'sellable' ? 'sellable' : p.choice === 'damaged' ? 'damaged' : 'written off'} (${p.warehouse.code})`);
    await appendOrderNote(tx, order, input.actor, `return ${number} received: ${summary.join('; ')}`);
    if (within) await within(tx, updated, order);
    return updated;
  });
}

// ---- settling -----------------------------------------------------------------------------------

/** The returned lines with their order lines, and what they are worth. */
export async function returnValue(db: DbOrTx, ret: ReturnRequest): Promise<number> {
  const lines = await returnLinesOf(db, ret.id);
  const orderLines = new Map((await linesOf(db, ret.orderId)).map((l) => [l.id, l]));
  return returnedValue(lines.map((l) => ({ qty: l.qty, line: orderLines.get(l.orderLineId)! })));
}

export interface RefundReturnInput {
  id: number;
  amount: number;
  method: RefundMethod;
  reference?: string | undefined;
  slipPath?: string | undefined;
  /** Pay later: the refund waits on the refunds-due list. */
  later: boolean;
  actor: string;
  locale: 'th' | 'en';
}

export async function refundReturn(db: Db, input: RefundReturnInput, within?: (tx: Tx, ret: ReturnRequest, order: Order, refund: Refund) => Promise<void>) {
  return withTransaction(db, async (tx) => {
    const { ret, order } = await loadForChange(tx, input.id, 'refunded');
    const ceiling = await refundableAmount(tx, order.id);
    if (!Number.isInteger(input.amount) || input.amount <= 0) throw new AppError('RETURN_INVALID', 'A refund must be more than zero');
    if (input.amount > ceiling) {
      throw new AppError('REFUND_TOO_LARGE', `At most ${formatMoney(ceiling, order.currency, 'en')} can be refunded on ${order.number}`, { max: ceiling });
    }
    const number = formatReturnNumber(ret.id);
    const now = new Date();
    // Refunds belong to payments; a return's refund carries its return id and, when paid at once, how it was paid.
    const refundInput = {
      orderId: order.id,
      amount: input.amount,
      currency: order.currency,
      reason: `return ${number}`,
      method: input.method,
      reference: input.reference,
      returnId: ret.id,
      slipPath: input.slipPath,
      actor: input.actor,
    };
    const refund = input.later ? await recordRefundDue(tx, refundInput) : await recordRefundPaid(tx, { ...refundInput, paidAt: now });
    const updated = await updateReturn(tx, ret.id, { status: 'refunded' });
    const amount = formatMoney(input.amount, order.currency, 'en');
    await appendOrderNote(tx, order, input.actor, `return ${number} refund ${amount} ${input.later ? 'due' : `paid (${input.method}${input.reference ? ` ${input.reference}` : ''})`}`);
    await tellCustomer(tx, order, ret, 'refunded', input.locale, (m, lang) => m.returns.refunded(number, formatMoney(input.amount, order.currency, lang), input.later));
    if (within) await within(tx, updated, order, refund);
    return { ret: updated, refund };
  });
}

export interface ExchangeReturnInput {
  id: number;
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
    const { ret, order } = await loadForChange(tx, input.id, 'exchanged');
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
      exchange = await transitionLockedOrder(tx, exchange, { to: 'paid', actor: input.actor, note: `paid by return ${number}`, notify: false });
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
    await appendOrderNote(tx, order, input.actor, `return ${number} exchanged for ${exchange.number}`);
    await appendOrderNote(tx, exchange, input.actor, `exchange for return ${number} of ${order.number}: returned items worth ${formatMoney(value, order.currency, 'en')}`);
    await tellCustomer(tx, order, ret, 'exchanged', input.locale, (m, lang) =>
      m.returns.exchanged(
        number,
        exchange.number,
        exchange.total > 0 ? formatMoney(exchange.total, order.currency, lang) : undefined,
        refundDue > 0 ? formatMoney(refundDue, order.currency, lang) : undefined,
      ),
    );
    if (within) await within(tx, updated, order, exchange);
    return { ret: updated, exchange, refundDue };
  });
}
