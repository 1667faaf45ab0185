import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { warehouses } from '#src/db/schema/index.ts';
import { isAppError, type AppError } from '#src/errors.ts';
import { normalizeThaiPhone } from '#src/lib/phone.ts';
import { heldByWarehouse } from '#src/modules/inventory/index.ts';
import { httpStatusOf } from '#src/http/error-status.ts';
import type { CarrierRegistry } from '#src/modules/shipping/index.ts';
import { findOrderByNumber, isEditable, isMergeable, isSplittable, linesOf, mergeCandidates } from '#src/modules/orders/index.ts';
import { editOrder } from '#src/workflows/orders/edit-order.ts';
import { mergeOrders } from '#src/workflows/orders/merge-orders.ts';
import { shipParcel } from '#src/workflows/orders/ship-order.ts';
import { splitOrder } from '#src/workflows/orders/split-order.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { baht, formValues, list, optional, parseForm, text, type FieldErrors } from '../forms.ts';
import type { MessageKey } from '../i18n/index.ts';
import { helpers, render } from '../view.ts';
import { carrierField, carrierName, showOrderPage } from './order-view.ts';

const sku = z.string().trim().max(64);
const qty = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? '0' : v), z.coerce.number().int('field.qty').min(0, 'field.qty').max(10_000, 'field.qty'));

const editBody = z
  .object({
    sku: list(sku),
    qty: list(qty),
    shippingFee: baht(100_000),
    discount: z.preprocess((v) => (v === '' || v === undefined ? '0' : v), baht(10_000_000)),
    name: text(200),
    phone: z.string().trim().refine((p) => normalizeThaiPhone(p) !== null, 'field.phone'),
    address: text(1000, 5),
    postcode: optional(z.string().trim().regex(/^\d{5}$/, 'field.postcode')),
    reason: optional(z.string().trim().max(500)),
  })
  .refine((b) => b.sku.length === b.qty.length, { message: 'field.required', path: ['lines'] })
  .refine((b) => b.sku.some((s, i) => s !== '' && (b.qty[i] ?? 0) > 0), { message: 'field.noLines', path: ['lines'] });

const splitBody = z.object({
  line: list(z.coerce.number().int().positive()),
  first: list(qty),
  second: list(qty),
  warehouse1: optional(z.coerce.number().int().positive()),
  warehouse2: optional(z.coerce.number().int().positive()),
});

const mergeBody = z.object({ absorb: z.string().trim().min(1).max(32) });

const parcelBody = (carriers: CarrierRegistry) =>
  z.object({
    carrier: carrierField(carriers),
    trackingNumber: z.string().trim().regex(/^[A-Za-z0-9-]{4,64}$/, 'field.tracking'),
  });

const orderUrl = (number: string, done: string, anchor = '') => `/admin/orders/${encodeURIComponent(number)}?done=${done}${anchor}`;

/** Changing an order before it ships: edit its lines, address and fee; split it into parcels; merge two unpaid orders. */
export const orderAmendRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, carriers } = app.deps;
  const edit = { roles: allowed('orders.edit') };

  function explain(request: FastifyRequest, err: AppError): string {
    const { t } = helpers(request);
    const key = `error.${err.code}` as MessageKey;
    if (err.code === 'INSUFFICIENT_STOCK' || err.code === 'UNKNOWN_SKU') {
      const details = err.details as { shortages?: { sku: string; available: number }[]; skus?: string[] } | undefined;
      const what = details?.shortages?.map((s) => `${s.sku} (${s.available})`).join(', ') ?? details?.skus?.join(', ') ?? '';
      return t(err.code === 'UNKNOWN_SKU' ? 'amend.unknownSku' : 'amend.shortage', { what });
    }
    if (err.code === 'SPLIT_INVALID' && err.details?.sku) return t('amend.splitMismatch', err.details as Record<string, string>);
    return helpers(request).has(key) ? t(key) : t('error.generic', { message: err.message });
  }

  async function editPage(request: FastifyRequest, reply: FastifyReply, number: string, extra: { errors?: FieldErrors; error?: string; values?: Record<string, unknown> } = {}, status = 200) {
    const h = helpers(request);
    const order = await findOrderByNumber(db, number);
    if (!order) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.orderNotFound', { number }) }, 404);
    const lines = await linesOf(db, order.id);
    const values = extra.values ?? {
      sku: lines.map((l) => l.sku),
      qty: lines.map((l) => String(l.qty)),
      shippingFee: (order.shippingFee / 100).toFixed(2),
      discount: (order.discount / 100).toFixed(2),
      name: order.shippingAddress.name,
      phone: order.shippingAddress.phone,
      address: order.shippingAddress.address,
      postcode: order.shippingAddress.postcode ?? '',
    };
    return render(
      request,
      reply,
      'orders/edit',
      { order, lines, values, errors: extra.errors ?? {}, error: extra.error, editable: isEditable(order) },
      status,
    );
  }

  app.get('/orders/:number/edit', { config: edit }, async (request, reply) => editPage(request, reply, (request.params as { number: string }).number));

  app.post('/orders/:number/edit', { config: edit }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const { user } = request.admin!;
    const { t } = helpers(request);
    const body = request.body as Record<string, unknown>;
    const again = (extra: { errors?: FieldErrors; error?: string }, status: number) =>
      editPage(request, reply, number, { ...extra, values: { ...formValues(body), sku: [body.sku ?? []].flat(), qty: [body.qty ?? []].flat() } }, status);
    const parsed = parseForm(editBody, body, t);
    if (!parsed.ok) return again({ errors: parsed.errors }, 400);
    const f = parsed.data;
    try {
      const result = await editOrder(db, {
        number,
        lines: f.sku.map((s, i) => ({ sku: s, qty: f.qty[i] ?? 0 })).filter((l) => l.sku !== ''),
        shippingFee: f.shippingFee,
        discount: f.discount,
        shippingAddress: { name: f.name, phone: normalizeThaiPhone(f.phone)!, address: f.address, ...(f.postcode ? { postcode: f.postcode } : {}) },
        reason: f.reason,
        actor: actorOf(user),
        locale: config.shop.locale,
      });
      if (result.changed) {
        await writeAudit(db, user, {
          action: 'order.edit',
          orderNumber: result.order.number,
          details: { revision: result.revision, total: result.order.total, due: result.due, refund: result.refund },
        });
      }
      return reply.redirect(orderUrl(result.order.number, result.changed ? 'orderEdited' : 'orderUnchanged'), 303);
    } catch (err) {
      if (isAppError(err)) {
        if (err.code === 'ORDER_NOT_FOUND') return editPage(request, reply, number);
        return again({ error: explain(request, err) }, 409);
      }
      throw err;
    }
  });

  async function splitPage(request: FastifyRequest, reply: FastifyReply, number: string, extra: { error?: string } = {}, status = 200) {
    const h = helpers(request);
    const order = await findOrderByNumber(db, number);
    if (!order) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.orderNotFound', { number }) }, 404);
    const lines = await linesOf(db, order.id);
    const suggestion = await heldByWarehouse(db, order.id);
    const houses = await db.select().from(warehouses).where(eq(warehouses.active, true));
    // Where the stock is held in two warehouses, the proposal ships each part from its own; otherwise all in parcel 1.
    const firstQty = (lineId: number) =>
      suggestion.length >= 2 ? (suggestion[0]!.lines.find((l) => l.orderLineId === lineId)?.qty ?? 0) : (lines.find((l) => l.id === lineId)?.qty ?? 0);
    return render(
      request,
      reply,
      'orders/split',
      { order, lines, firstQty, warehouses: houses, suggested: suggestion.map((p) => p.warehouseId), splittable: isSplittable(order), error: extra.error },
      status,
    );
  }

  app.get('/orders/:number/split', { config: edit }, async (request, reply) => splitPage(request, reply, (request.params as { number: string }).number));

  app.post('/orders/:number/split', { config: edit }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const { user } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(splitBody, request.body, t);
    if (!parsed.ok) return splitPage(request, reply, number, { error: Object.values(parsed.errors)[0] }, 400);
    const f = parsed.data;
    try {
      const parcels = await splitOrder(db, {
        number,
        actor: actorOf(user),
        parcels: [
          { warehouseId: f.warehouse1, lines: f.line.map((id, i) => ({ orderLineId: id, qty: f.first[i] ?? 0 })) },
          { warehouseId: f.warehouse2, lines: f.line.map((id, i) => ({ orderLineId: id, qty: f.second[i] ?? 0 })) },
        ],
      });
      await writeAudit(db, user, { action: 'order.split', orderNumber: number, details: { parcels: parcels.map((p) => p.id) } });
      return reply.redirect(orderUrl(number, 'orderSplit', '#shipments'), 303);
    } catch (err) {
      if (isAppError(err)) return splitPage(request, reply, number, { error: explain(request, err) }, err.kind === 'not_found' ? 404 : 409);
      throw err;
    }
  });

  async function mergePage(request: FastifyRequest, reply: FastifyReply, number: string, extra: { error?: string } = {}, status = 200) {
    const h = helpers(request);
    const order = await findOrderByNumber(db, number);
    if (!order) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.orderNotFound', { number }) }, 404);
    const candidates = await mergeCandidates(db, order);
    return render(request, reply, 'orders/merge', { order, candidates, mergeable: isMergeable(order), error: extra.error }, status);
  }

  app.get('/orders/:number/merge', { config: edit }, async (request, reply) => mergePage(request, reply, (request.params as { number: string }).number));

  app.post('/orders/:number/merge', { config: edit }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const { user } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(mergeBody, request.body, t);
    if (!parsed.ok) return mergePage(request, reply, number, { error: t('amend.pickOrder') }, 400);
    try {
      const { order, absorbed } = await mergeOrders(db, { keep: number, absorb: parsed.data.absorb, actor: actorOf(user), locale: config.shop.locale });
      await writeAudit(db, user, { action: 'order.merge', orderNumber: order.number, details: { absorbed: absorbed.number, total: order.total } });
      return reply.redirect(orderUrl(order.number, 'orderMerged'), 303);
    } catch (err) {
      if (isAppError(err)) return mergePage(request, reply, number, { error: explain(request, err) }, httpStatusOf[err.kind]);
      throw err;
    }
  });

  app.post('/orders/:number/parcels/:id/ship', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const { number, id } = request.params as { number: string; id: string };
    const { user } = request.admin!;
    const { t } = helpers(request);
    const shipmentId = Number(id);
    const parsed = parseForm(parcelBody(carriers.registry()), request.body, t);
    if (!parsed.ok || !Number.isSafeInteger(shipmentId)) {
      return showOrderPage(request, reply, number, { form: `parcel:${id}`, errors: parsed.ok ? {} : parsed.errors, values: formValues(request.body) }, 400);
    }
    try {
      const { order, shipment } = await shipParcel(db, {
        number,
        shipmentId,
        carrier: carrierName(carriers.registry(), parsed.data.carrier),
        carriers: carriers.registry(),
        trackingNumber: parsed.data.trackingNumber,
        actor: actorOf(user),
        locale: config.shop.locale,
      });
      await writeAudit(db, user, { action: 'order.ship', orderNumber: order.number, details: { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber } });
      return reply.redirect(orderUrl(order.number, 'shipped', '#shipments'), 303);
    } catch (err) {
      if (isAppError(err)) return showOrderPage(request, reply, number, { error: explain(request, err) }, httpStatusOf[err.kind]);
      throw err;
    }
  });
};
