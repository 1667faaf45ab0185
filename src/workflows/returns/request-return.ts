/**
 * A customer asks to return items of a delivered order (in chat): what may be returned, and the
 * request itself, checked again under the order's lock; the merchant is told.
 */
import type { Config } from '#src/config.ts';
import type { DbOrTx, Tx } from '#src/db/client.ts';
import type { Order, OrderLine, ReturnRequest } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { notifyMerchant } from '#src/modules/notify/index.ts';
import { appendOrderNote, deliveredStatus, deliveredStatuses, isDelivered, lastMovedTo, linesOf, lockOrder, ordersOfCustomer } from '#src/modules/orders/index.ts';
import { formatReturnNumber, insertReturn, openReturnOf, returnedQtyByLine, withinReturnWindow } from '#src/modules/returns/index.ts';
import { lastParcelDeliveredAt } from '#src/modules/shipping/index.ts';

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
  await appendOrderNote(tx, order, input.actor, { event: { kind: 'return.requested', params: { number } }, note: input.reason });
  await notifyMerchant(
    tx,
    input.config,
    {
      kind: 'merchant.return_requested',
      returnNumber: number,
      orderNumber: order.number,
      customer: order.customerName,
      reason: input.reason,
      lines: input.lines.map((l) => `${byId.get(l.orderLineId)!.line.name} x${l.qty}`),
    },
    `return-requested:${number}`,
  );
  return { request, order };
}
