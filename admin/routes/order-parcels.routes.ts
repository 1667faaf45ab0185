import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isAppError, type AppError } from '#src/errors.ts';
import { httpStatusOf } from '#src/http/error-status.ts';
import { bookParcel } from '#src/workflows/shipping/book-parcel.ts';
import { cancelBooking, requestPickup } from '#src/workflows/shipping/cancel-booking.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { parseForm } from '../forms.ts';
import type { MessageKey } from '../i18n/index.ts';
import { helpers } from '../view.ts';
import { bookingCarriers, showOrderPage } from './order-view.ts';

/** A carrier's answer shown with the order (its reason, a retry): not a fault of the form. */
const carrierAnswers = new Set(['CARRIER_REFUSED', 'CARRIER_UNAVAILABLE', 'CARRIER_CANNOT_BOOK', 'PARCEL_NOT_CANCELLABLE']);

const parcelParams = z.object({ number: z.string().min(1).max(64), id: z.coerce.number().int().positive() });

const orderUrl = (number: string, done: string) => `/admin/orders/${encodeURIComponent(number)}?done=${done}#shipments`;

/**
 * A split order's parcels booked one by one, a booking cancelled before pickup, a courier asked to come:
 * the carrier is asked outside any transaction (the workflows), each change audited, CSRF-checked forms.
 */
export const orderParcelsRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, carriers, logger } = app.deps;
  const deps = () => ({ config, carriers: carriers.registry(), logger });

  function failed(request: FastifyRequest, reply: FastifyReply, number: string, err: AppError, form: string) {
    const { t, has } = helpers(request);
    if (err.code === 'ORDER_NOT_FOUND') return showOrderPage(request, reply, number, {}, 404);
    const key = `error.${err.code}` as MessageKey;
    const error = carrierAnswers.has(err.code)
      ? t(err.code === 'PARCEL_NOT_CANCELLABLE' ? 'order.cancelBooking.failed' : 'order.book.failed', { reason: err.message })
      : has(key)
        ? t(key)
        : t('error.generic', { message: err.message });
    return showOrderPage(request, reply, number, { form, error }, carrierAnswers.has(err.code) ? 409 : httpStatusOf[err.kind]);
  }

  app.post('/orders/:number/parcels/:id/book', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const { number, id } = parcelParams.parse(request.params);
    const { user } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(z.object({ carrier: z.string().refine((c) => bookingCarriers(carriers.registry()).some((o) => o.code === c), 'field.choice') }), request.body, t);
    if (!parsed.ok) return showOrderPage(request, reply, number, { form: `parcel:${id}`, error: t('order.book.noCarrier') }, 400);
    try {
      const { order, shipment } = await bookParcel(db, deps(), { number, shipmentId: id, carrier: parsed.data.carrier, actor: actorOf(user) });
      await writeAudit(db, user, { action: 'order.ship', orderNumber: order.number, details: { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, parcel: id } });
      void app.chat?.dispatcher.kick();
      return reply.redirect(orderUrl(order.number, 'booked'), 303);
    } catch (err) {
      if (isAppError(err)) return failed(request, reply, number, err, `parcel:${id}`);
      throw err;
    }
  });

  app.post('/orders/:number/parcels/:id/cancel', { config: { roles: allowed('orders.manage') } }, async (request, reply) => {
    const { number, id } = parcelParams.parse(request.params);
    const { user } = request.admin!;
    try {
      const { order, cancelled } = await cancelBooking(db, deps(), { number, shipmentId: id, actor: actorOf(user) });
      await writeAudit(db, user, { action: 'order.cancelBooking', orderNumber: order.number, details: { carrier: cancelled.carrier, trackingNumber: cancelled.trackingNumber, parcel: id } });
      return reply.redirect(orderUrl(order.number, 'bookingCancelled'), 303);
    } catch (err) {
      if (isAppError(err)) return failed(request, reply, number, err, `parcel:${id}`);
      throw err;
    }
  });

  app.post('/orders/:number/pickup', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const { number } = parcelParams.pick({ number: true }).parse(request.params);
    const { user } = request.admin!;
    try {
      const asked = await requestPickup(db, deps(), { number, actor: actorOf(user) });
      await writeAudit(db, user, { action: 'order.pickup', orderNumber: number, details: { carrier: asked.carrier, parcels: asked.parcels, reference: asked.reference } });
      return reply.redirect(orderUrl(number, 'pickupRequested'), 303);
    } catch (err) {
      if (isAppError(err)) return failed(request, reply, number, err, 'pickup');
      throw err;
    }
  });
};
