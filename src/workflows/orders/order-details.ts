import type { DbOrTx } from '#src/db/client.ts';
import type { Order, OrderHistoryRow, OrderLine, Payment, PaymentSlip, Refund, Shipment } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { findOrderByNumber, historyOf, linesOf, linesOfOrders } from '#src/modules/orders/index.ts';
import { paymentsOf, refundsOf, slipsOf } from '#src/modules/payments/index.ts';
import { shipmentsOf } from '#src/modules/shipping/index.ts';

export interface Money {
  amount: number;
  currency: string;
}

const money = (amount: number, currency: string): Money => ({ amount, currency });

/** The order as the JSON API shows it (DESIGN.md, "JSON API"). */
export async function orderDetails(db: DbOrTx, number: string) {
  const order = await findOrderByNumber(db, number);
  if (!order) throw new AppError('ORDER_NOT_FOUND', `Order ${number} does not exist`);
  const [lines, payments, shipments, history, refunds, slips] = await Promise.all([
    linesOf(db, order.id),
    paymentsOf(db, order.id),
    shipmentsOf(db, order.id),
    historyOf(db, order.id),
    refundsOf(db, order.id),
    slipsOf(db, [order.id]),
  ]);
  return orderView(order, { lines, payments, shipments, history, refunds, slips });
}

/**
 * An order placed a moment ago, shown from what its placement wrote (no reading back): it has its
 * lines and its history, and no payment, slip, refund or shipment yet.
 */
export function placedOrderDetails(placed: { order: Order; lines: OrderLine[]; history: OrderHistoryRow[] }) {
  return orderView(placed.order, { lines: placed.lines, history: placed.history, payments: [], shipments: [], refunds: [], slips: [] });
}

interface OrderParts {
  lines: OrderLine[];
  payments: Payment[];
  shipments: Shipment[];
  history: OrderHistoryRow[];
  refunds: Refund[];
  slips: PaymentSlip[];
}

function orderView(order: Order, { lines, payments, shipments, history, refunds, slips }: OrderParts) {
  const c = order.currency;
  const slipOf = (s: PaymentSlip) => ({
    bank: s.bank,
    amount: s.amount === null ? null : money(s.amount, c),
    transRef: s.transRef,
    paidAt: s.slipAt?.toISOString() ?? null,
    verdict: s.verdict,
    reasons: s.reasons,
  });
  return {
    ...orderSummary(order, lines),
    shippingAddress: order.shippingAddress,
    paymentMethod: order.paymentMethod,
    subtotal: money(order.subtotal, c),
    shippingFee: money(order.shippingFee, c),
    discount: money(order.discount, c),
    // Each payment as it is: how, how much, when the money came in, and the slip(s) it was booked from.
    payments: payments.map((p) => {
      const from = slips.filter((s) => s.paymentId === p.id);
      return {
        method: p.method,
        status: p.status,
        amount: money(p.amount, p.currency),
        reference: p.reference,
        note: p.note,
        createdAt: p.createdAt.toISOString(),
        receivedAt: p.confirmedAt?.toISOString() ?? null,
        ...(from.length > 0 ? { slip: slipOf(from[0]!), slips: from.map(slipOf) } : {}),
      };
    }),
    // Slips no payment was booked from: waiting for review, or rejected.
    slips: slips.filter((s) => s.paymentId === null).map(slipOf),
    refunds: refunds.map((r) => ({ status: r.status, amount: money(r.amount, r.currency), reason: r.reason })),
    shipments: shipments.map((s) => ({
      carrier: s.carrier,
      trackingNumber: s.trackingNumber,
      status: s.status,
      shippedAt: s.shippedAt?.toISOString() ?? null,
    })),
    history: history.map((h) => ({
      from: h.fromStatus,
      to: h.toStatus,
      actor: h.actor,
      note: h.note,
      // What the system recorded, as a kind and its parameters (null for a note a person typed).
      event: h.event ?? null,
      at: h.createdAt.toISOString(),
    })),
  };
}

export type OrderDetails = Awaited<ReturnType<typeof orderDetails>>;

function orderSummary(order: Order, lines: OrderLine[]) {
  const c = order.currency;
  return {
    number: order.number,
    status: order.status,
    channel: order.channel,
    externalId: order.externalId,
    customer: { name: order.customerName, phone: order.customerPhone },
    lines: lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty, unitPrice: money(l.unitPrice, c) })),
    total: money(order.total, c),
    createdAt: order.createdAt.toISOString(),
  };
}

/** List rows carry the lines too (one query for the whole page), but not payments and history. */
export async function orderSummaries(db: DbOrTx, orders: Order[]) {
  const lines = await linesOfOrders(
    db,
    orders.map((o) => o.id),
  );
  return orders.map((o) => orderSummary(o, lines.get(o.id) ?? []));
}
