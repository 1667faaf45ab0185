import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isAppError, type AppError } from '#src/errors.ts';
import { httpStatusOf } from '#src/http/error-status.ts';
import { bookParcel } from '#src/workflows/shipping/book-parcel.ts';
import { bulkBookingRuns } from '#src/workflows/shipping/bulk-booking.ts';
import { cancelBooking, requestPickup } from '#src/workflows/shipping/cancel-booking.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { list, optional, parseForm } from '../forms.ts';
import type { MessageKey } from '../i18n/index.ts';
import { helpers, isHtmx, render } from '../view.ts';
import { bookingCarriers, showOrderPage } from './order-view.ts';

/** A carrier's answer shown with the order (its reason, a retry): not a fault of the form. */
const carrierAnswers = new Set(['CARRIER_REFUSED', 'CARRIER_UNAVAILABLE', 'CARRIER_CANNOT_BOOK', 'PARCEL_NOT_CANCELLABLE']);

const parcelParams = z.object({ number: z.string().min(1).max(64), id: z.coerce.number().int().positive() });

const bulkBody = z.object({
  numbers: list(z.string().trim().min(1).max(32)).pipe(z.array(z.string()).max(200)),
  carrier: optional(z.string().trim().max(32)),
});

const orderUrl = (number: string, done: string) => `/admin/orders/${encodeURIComponent(number)}?done=${done}#shipments`;

/**
 * A split order's parcels booked one by one, a booking cancelled before pickup, a courier asked to come:
 * the carrier is asked outside any transaction (the workflows), each change audited, CSRF-checked forms.
 */
export const orderParcelsRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, carriers, logger } = app.deps;
  const deps = () => ({ config, carriers: carriers.registry(), logger });
  const runs = bulkBookingRuns(db, deps);

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

  // "Book with Flash" for the ticked orders: the run goes on after the answer and its page shows the
  // progress (polled, like the catalog import), each order's number or the reason it was not booked; the
  // retry sends only the failed ones, and any re-run books only what is not booked yet.
  app.post('/orders/bulk/book', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const h = helpers(request);
    const { user } = request.admin!;
    const parsed = bulkBody.safeParse(request.body);
    const numbers = parsed.success ? parsed.data.numbers : [];
    const carrier = parsed.success ? parsed.data.carrier : undefined;
    if (carrier !== undefined && !bookingCarriers(carriers.registry()).some((c) => c.code === carrier)) {
      return render(request, reply, 'orders/bulk-book', { run: undefined, error: h.t('order.book.noCarrier') }, 400);
    }
    if (numbers.length === 0) return render(request, reply, 'orders/bulk-book', { run: undefined, error: h.t('orders.bulkNone') }, 400);
    const run = runs.start({ numbers, carrier, actor: actorOf(user) }, async (r) => {
      if (!r.ok || r.alreadyBooked) return;
      await writeAudit(db, user, { action: 'order.ship', orderNumber: r.number, details: { carrier: r.carrier, trackingNumber: r.trackingNumbers?.join(', '), bulk: true } });
      void app.chat?.dispatcher.kick();
    });
    const url = `/admin/orders/bulk/book/${run.id}`;
    if (isHtmx(request)) return reply.header('hx-redirect', url).code(204).send();
    return reply.redirect(url, 303);
  });

  app.get('/orders/bulk/book/:id', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const h = helpers(request);
    const run = runs.get(String((request.params as { id: string }).id));
    if (!run) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('bulk.bookGone') }, 404);
    // Read whether the run has ended before its results, and hand both to the page: the page renders
    // later (asynchronously), and a run that ends meanwhile must not show "done" beside waiting rows.
    const done = run.done;
    const results = run.numbers.map((n) => run.results.get(n) ?? { number: n, ok: false, waiting: true });
    const reasonOf = (r: { code?: string | undefined; reason?: string | undefined }) => {
      const key = `bulk.reason.${r.code}` as MessageKey;
      return h.has(key) ? h.t(key, { reason: r.reason ?? '' }) : h.t('bulk.reason.other', { reason: r.reason ?? '' });
    };
    return render(request, reply, 'orders/bulk-book', { run, done, results, reasonOf, error: undefined });
  });
};
