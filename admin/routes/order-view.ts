import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Order, OrderStatus, UserRole } from '#src/db/schema/index.ts';
import {
  allowedTransitions,
  approvesSlip,
  cancels,
  isEditable,
  isMergeable,
  isPackingMove,
  isShippable,
  isSplittable,
  isUnpacking,
  mayReceipt,
  returnsToUnpaid,
  ships,
} from '#src/modules/orders/index.ts';
import { paymentReceived } from '#src/modules/payments/index.ts';
import { awaitsPickup, canBook, holdsBooking, nothingShipped, shipmentTimeline, type CarrierRegistry } from '#src/modules/shipping/index.ts';
import { can, mayViewOrder } from '../auth/roles.ts';
import type { FieldErrors } from '../forms.ts';
import type { MessageKey } from '../i18n/index.ts';
import { orderPageData } from '../queries/order-page.ts';
import { helpers, render } from '../view.ts';

export interface OrderAction {
  to: OrderStatus;
  label: MessageKey;
  /** Which form posts it: packing moves are open to packers, shipping needs a tracking number. */
  route: 'status' | 'pack' | 'ship';
  needsReason: boolean;
  tone: 'primary' | 'normal' | 'danger';
}

/** A reason is asked where someone else will want to know why: a cancellation, a rejected slip. */
export const needsReason = (to: OrderStatus) => cancels(to) || returnsToUnpaid(to);

/** One control per legal move of the order (transitions.ts), and only those the role may use. */
export function actionsFor(order: Order, role: UserRole): OrderAction[] {
  const actions: OrderAction[] = [];
  for (const to of allowedTransitions(order.status, order.paymentMethod)) {
    const route = ships(to) ? 'ship' : isPackingMove(order.status, to) ? 'pack' : 'status';
    if (!can(role, route === 'status' ? 'orders.manage' : 'orders.pack')) continue;
    const label: MessageKey =
      approvesSlip(order.status, to)
        ? 'action.paid.fromReview'
        : isUnpacking(order.status, to)
          ? 'action.confirmed.unpack'
          : (`action.${to}` as MessageKey);
    const tone = needsReason(to) ? 'danger' : isUnpacking(order.status, to) ? 'normal' : 'primary';
    actions.push({ to, label, route, needsReason: needsReason(to), tone });
  }
  return actions;
}

/** The carriers the shipping forms offer: the enabled ones of the shop's carrier registry, read at each use. */
export const carrierOptions = (carriers: CarrierRegistry) => carriers.choices();

/** A shipping form's carrier field: the code of a carrier the shop offers. */
export const carrierField = (carriers: CarrierRegistry) =>
  z.string().refine((c) => carrierOptions(carriers).some((o) => o.code === c), 'field.choice');

export const carrierName = (carriers: CarrierRegistry, code: string) => carriers.describe(code).name;

/** The enabled carriers that book parcels through their API (Flash when connected): the "book with" buttons. */
export const bookingCarriers = (carriers: CarrierRegistry) =>
  carriers.enabled().flatMap((c) => (canBook(c) ? [{ code: c.code, name: c.name }] : []));

export interface OrderPageProblems {
  error?: string | undefined;
  form?: string | undefined;
  errors?: FieldErrors;
  values?: Record<string, string>;
}

/** The order page, also shown again with a problem (a refused move, a form with errors) and that status. */
/** An amount of money written in a note: "330.00 THB", "฿1,250", "120 บาท". */
const MONEY_IN_TEXT = /\d[\d,]*(\.\d{1,2})?\s*(THB|บาท|฿)|฿\s*\d/i;
const namesMoney = (text: unknown) => typeof text === 'string' && MONEY_IN_TEXT.test(text);

function withoutMoney<H extends { note: string | null; fromStatus: string | null; toStatus: string }, T extends { history: H[]; audit: { details: unknown }[] }>(data: T) {
  return {
    // A note naming money is left out; a status change keeps its line without its note.
    history: data.history.flatMap((h) => (!namesMoney(h.note) ? [h] : h.fromStatus === h.toStatus ? [] : [{ ...h, note: null }])),
    audit: data.audit.filter((a) => !Object.values((a.details ?? {}) as Record<string, unknown>).some(namesMoney)),
  };
}

export async function showOrderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  number: string,
  problems: OrderPageProblems = {},
  status = 200,
) {
  const { db, config, carriers } = request.server.deps;
  const h = helpers(request);
  const data = await orderPageData(db, number, config.shop.locale);
  const role = request.admin!.user.role;
  if (!data || !mayViewOrder(role, data.order.status)) {
    return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.orderNotFound', { number }) }, 404);
  }
  const showMoney = can(role, 'revenue.view');
  const timeline = await shipmentTimeline(db, data.order.id);
  // A parcel being booked, or whose booking failed, is retried with the same reference (no second parcel).
  const split = data.parcels.some((pc) => pc.lines.length > 0 && pc.shipment.status !== 'cancelled');
  const booking = split ? undefined : data.shipments.find((s) => s.status === 'booking');
  // A booked parcel the courier has not taken (or a failed booking) holds the order: cancel it before an edit.
  const held = data.shipments.some(holdsBooking);
  return render(
    request,
    reply,
    'orders/detail',
    {
      ...data,
      // Without money: notes and activity that name an amount (refunds paid, payments) are left out.
      ...(showMoney ? {} : withoutMoney(data)),
      actions: actionsFor(data.order, role),
      // What is still owed, beside a slip's amount (the gap a reviewer must see), and what the slips
      // under review show (the amount an approval records unless the reviewer types another).
      owed: data.order.total - data.payments.filter((x) => x.status === paymentReceived).reduce((sum, x) => sum + x.amount, 0),
      slipsShow: slipsUnderReviewShow(data.slips),
      // What the page offers, by the orders policy: the templates only show it.
      may: {
        edit: isEditable(data.order) && nothingShipped(data.shipments),
        split: isSplittable(data.order),
        merge: isMergeable(data.order),
        receipt: mayReceipt(data.order),
        ship: isShippable(data.order),
        // Booking with a carrier: a shippable order not split into parcels waiting, not booked yet (or its booking failed).
        book:
          isShippable(data.order) &&
          can(role, 'orders.pack') &&
          !split &&
          !data.shipments.some((s) => s.status === 'pending' || (s.outTradeNo && s.trackingNumber && s.status !== 'cancelled')),
        // A split order's waiting parcels are booked one by one.
        bookParcel: isShippable(data.order) && can(role, 'orders.pack') && split,
        cancelBooking: can(role, 'orders.manage'),
        pickup: can(role, 'orders.pack'),
        heldByBooking: held && can(role, 'orders.edit'),
      },
      awaitsPickup,
      pickupCarriers: carriers.registry().enabled().filter((c) => c.requestPickup !== undefined).map((c) => c.name),
      bookers: bookingCarriers(carriers.registry()),
      booking,
      timeline: Object.fromEntries(timeline),
      carriers: carrierOptions(carriers.registry()),
      trackingUrl: (carrier: string | null, n: string | null) => (carrier && n ? carriers.registry().describe(carrier).trackingUrl(n) : null),
      showMoney,
      messageId: randomUUID(),
      problems: { errors: {}, values: {}, ...problems },
    },
    status,
  );
}

/** The sum the slips under review show; null when none is under review or one shows no amount. */
function slipsUnderReviewShow(slips: { verdict: string; amount: number | null }[]): number | null {
  const review = slips.filter((s) => s.verdict === 'review');
  if (review.length === 0 || review.some((s) => s.amount === null)) return null;
  return review.reduce((sum, s) => sum + s.amount!, 0);
}
