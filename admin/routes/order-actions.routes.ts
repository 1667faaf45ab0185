import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { withTransaction } from '#src/db/client.ts';
import { orderStatus, type OrderStatus } from '#src/db/schema/index.ts';
import { AppError, isAppError } from '#src/errors.ts';
import { httpStatusOf } from '#src/http/error-status.ts';
import type { CarrierRegistry } from '#src/modules/shipping/index.ts';
import { payQrUrl } from '#src/modules/payments/pay-qr.ts';
import { findOrderByNumber, isShippable, lockOrder, packingStatuses, ships } from '#src/modules/orders/index.ts';
import { messageCustomer } from '#src/workflows/orders/message-customer.ts';
import { addOrderNote } from '#src/workflows/orders/add-note.ts';
import { transitionLockedOrder } from '#src/workflows/orders/transition-order.ts';
import { shipOrder } from '#src/workflows/orders/ship-order.ts';
import { bookParcel } from '#src/workflows/shipping/book-parcel.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { baht, formValues, optional, parseForm, text } from '../forms.ts';
import type { MessageKey } from '../i18n/index.ts';
import { helpers } from '../view.ts';
import { bookingCarriers, carrierField, carrierName, needsReason, showOrderPage } from './order-view.ts';

const statusBody = z
  .object({
    to: z.enum(orderStatus.enumValues).refine((to) => !ships(to), 'field.choice'),
    note: optional(z.string().trim().max(1000)),
    /** Approving a slip: the amount received, when the reviewer types one. */
    received: optional(baht()),
  })
  .refine((b) => !needsReason(b.to) || (b.note ?? '') !== '', { message: 'field.reasonRequired', path: ['note'] });

const packBody = z.object({ to: z.enum(packingStatuses) });

const shipBody = (carriers: CarrierRegistry) =>
  z.object({
    carrier: carrierField(carriers),
    trackingNumber: z.string().trim().regex(/^[A-Za-z0-9-]{4,64}$/, 'field.tracking'),
  });

/** Booking with a carrier: the code of an enabled carrier that books (Flash when connected). */
const bookBody = (carriers: CarrierRegistry) =>
  z.object({ carrier: z.string().refine((c) => bookingCarriers(carriers).some((o) => o.code === c), 'field.choice') });

/** A booking the carrier refused or could not take: its reason, shown with the retry. */
const bookingRefusals = new Set(['CARRIER_REFUSED', 'CARRIER_UNAVAILABLE', 'CARRIER_CANNOT_BOOK']);

const noteBody = z.object({ note: text(2000) });

const messageBody = z.object({ text: text(1000), messageId: z.uuid() });

const orderUrl = (number: string, done: string, anchor = '') => `/admin/orders/${encodeURIComponent(number)}?done=${done}${anchor}`;

/** State changes on one order. Each answers with a redirect to the order page, or shows it again with what went wrong. */
export const orderActionsRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, secret, carriers } = app.deps;
  /** Where a customer pays what is still owed: the shop's PromptPay id and the QR for the rest. */
  const payTo = (number: string) =>
    config.promptPayId ? { promptPayId: config.promptPayId, qrUrl: payQrUrl(config.publicUrl, secret, number) } : undefined;

  /** A refused move is explained on the order page as it is now, so the user sees what is possible instead. */
  async function refused(request: FastifyRequest, reply: FastifyReply, number: string, err: AppError) {
    const h = helpers(request);
    let error: string;
    if (err.code === 'ORDER_NOT_FOUND') return showOrderPage(request, reply, number, {}, 404);
    if (err.code === 'ILLEGAL_TRANSITION') {
      const order = await findOrderByNumber(db, number);
      error = h.t('error.ILLEGAL_TRANSITION', { status: order ? h.status(order.status) : '' });
    } else if (err.code === 'COD_ONLY' || err.code === 'INSUFFICIENT_STOCK' || err.code === 'SLIP_AMOUNT_UNKNOWN' || err.code === 'SLIP_AMOUNT_REASON' || err.code === 'PARCEL_BOOKED') {
      error = h.t(`error.${err.code}` as MessageKey);
    } else {
      error = h.t('error.generic', { message: err.message });
    }
    return showOrderPage(request, reply, number, { error }, httpStatusOf[err.kind]);
  }

  async function move(request: FastifyRequest, reply: FastifyReply, number: string, to: OrderStatus, note: string | undefined, received?: number) {
    const { user } = request.admin!;
    try {
      const updated = await withTransaction(db, async (tx) => {
        const order = await lockOrder(tx, number);
        const moved = await transitionLockedOrder(tx, order, {
          to,
          note,
          received,
          payTo: payTo(order.number),
          actor: actorOf(user),
          locale: config.shop.locale,
          billing: config.shop,
        });
        await writeAudit(tx, user, { action: 'order.transition', orderNumber: order.number, details: { from: order.status, to, note } });
        return moved;
      });
      // An approved slip that does not cover the total leaves the order awaiting the rest.
      return reply.redirect(orderUrl(updated.number, updated.status === to ? to : 'paymentPart'), 303);
    } catch (err) {
      if (isAppError(err)) return refused(request, reply, number, err);
      throw err;
    }
  }

  app.post('/orders/:number/status', { config: { roles: allowed('orders.manage') } }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const { t } = helpers(request);
    const parsed = parseForm(statusBody, request.body, t);
    if (!parsed.ok) {
      const to = String((request.body as Record<string, unknown> | undefined)?.to ?? '');
      return showOrderPage(request, reply, number, { form: `status:${to}`, errors: parsed.errors, values: formValues(request.body) }, 400);
    }
    return move(request, reply, number, parsed.data.to, parsed.data.note, parsed.data.received);
  });

  app.post('/orders/:number/pack', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const parsed = packBody.safeParse(request.body);
    if (!parsed.success) return showOrderPage(request, reply, number, { error: helpers(request).t('field.choice') }, 400);
    // Packers may only move between confirmed and packed; anything else is someone else's job.
    const order = await findOrderByNumber(db, number);
    if (order && !isShippable(order)) {
      return refused(request, reply, number, illegal(order.status, parsed.data.to));
    }
    return move(request, reply, number, parsed.data.to, undefined);
  });

  app.post('/orders/:number/ship', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const { user } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(shipBody(carriers.registry()), request.body, t);
    if (!parsed.ok) return showOrderPage(request, reply, number, { form: 'ship', errors: parsed.errors, values: formValues(request.body) }, 400);
    try {
      const { order, shipment } = await shipOrder(db, {
        number,
        // The carrier's name, not its code, so the history reads "Kerry Express KEX-123".
        carrier: carrierName(carriers.registry(), parsed.data.carrier),
        carriers: carriers.registry(),
        trackingNumber: parsed.data.trackingNumber,
        actor: actorOf(user),
        locale: config.shop.locale,
      });
      // shipOrder commits on its own; the audit row follows it (a crash in between loses only the audit line).
      await writeAudit(db, user, {
        action: 'order.ship',
        orderNumber: order.number,
        details: { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber },
      });
      return reply.redirect(orderUrl(order.number, 'shipped'), 303);
    } catch (err) {
      if (isAppError(err)) return refused(request, reply, number, err);
      throw err;
    }
  });

  app.post('/orders/:number/book', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const { user } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(bookBody(carriers.registry()), request.body, t);
    if (!parsed.ok) return showOrderPage(request, reply, number, { form: 'book', error: t('order.book.noCarrier') }, 400);
    try {
      // bookParcel keeps the carrier call outside its transactions; a retry reuses the parcel's reference.
      const { order, shipment } = await bookParcel(
        db,
        { config, carriers: carriers.registry(), logger: app.deps.logger },
        { number, carrier: parsed.data.carrier, actor: actorOf(user) },
      );
      await writeAudit(db, user, {
        action: 'order.ship',
        orderNumber: order.number,
        details: { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber },
      });
      void app.chat?.dispatcher.kick();
      return reply.redirect(orderUrl(order.number, 'booked'), 303);
    } catch (err) {
      if (isAppError(err) && bookingRefusals.has(err.code)) {
        return showOrderPage(request, reply, number, { form: 'book', error: t('order.book.failed', { reason: err.message }) }, 409);
      }
      if (isAppError(err)) return refused(request, reply, number, err);
      throw err;
    }
  });

  app.post('/orders/:number/notes', { config: { roles: allowed('orders.note') } }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const { user } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(noteBody, request.body, t);
    if (!parsed.ok) return showOrderPage(request, reply, number, { form: 'note', errors: parsed.errors, values: formValues(request.body) }, 400);
    try {
      const order = await addOrderNote(db, { number, actor: actorOf(user), note: parsed.data.note }, (tx, o) =>
        writeAudit(tx, user, { action: 'order.note', orderNumber: o.number, details: { note: parsed.data.note } }),
      );
      return reply.redirect(orderUrl(order.number, 'note', '#activity'), 303);
    } catch (err) {
      if (isAppError(err)) return refused(request, reply, number, err);
      throw err;
    }
  });

  app.post('/orders/:number/message', { config: { roles: allowed('customers.message') } }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const { user } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(messageBody, request.body, t);
    if (!parsed.ok) return showOrderPage(request, reply, number, { form: 'message', errors: parsed.errors, values: formValues(request.body) }, 400);
    try {
      const result = await messageCustomer(
        db,
        { number, text: parsed.data.text, actor: actorOf(user), messageId: parsed.data.messageId, locale: config.shop.locale },
        (tx, o, target) =>
          writeAudit(tx, user, { action: 'order.message', orderNumber: o.number, details: { text: parsed.data.text, channel: target.channel } }),
      );
      if (!result.queued && result.reason === 'no_chat') {
        return showOrderPage(request, reply, number, { error: t('error.noChat'), form: 'message', values: formValues(request.body) }, 409);
      }
      // A resent form (double click, reload) finds its message already queued: that is success, said once.
      return reply.redirect(orderUrl(result.order.number, 'message', '#activity'), 303);
    } catch (err) {
      if (isAppError(err)) return refused(request, reply, number, err);
      throw err;
    }
  });
};

function illegal(from: OrderStatus, to: OrderStatus): AppError {
  return new AppError('ILLEGAL_TRANSITION', `An order in status ${from} cannot be packed or unpacked`, { from, to });
}
