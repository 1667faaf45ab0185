import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createProductInput, listSellables } from '#src/modules/catalog/index.ts';
import { availableByVariant, listStock, stockAdjustmentInput } from '#src/modules/inventory/index.ts';
import { createOrderInput, listOrders, listOrdersQuery, transitionInput } from '#src/modules/orders/index.ts';
import { importOrder } from '#src/workflows/orders/import-order.ts';
import { orderDetails, orderSummaries, placedOrderDetails } from '#src/workflows/orders/order-details.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { shipOrder } from '#src/workflows/orders/ship-order.ts';
import { bookParcel } from '#src/workflows/shipping/book-parcel.ts';
import { createProductWithStock } from '#src/workflows/catalog/create-product.ts';
import { adjustStock } from '#src/workflows/stock/adjust-stock.ts';
import { orderChannel } from '#src/db/schema/index.ts';
import { shopDays } from '#src/lib/shop-time.ts';
import { moneyFigures } from '#src/modules/reports/index.ts';
import { requireApiToken, requireCapability } from './api-auth.ts';

const numberParams = z.object({ number: z.string().min(1).max(32) });

const shopDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD (วันที่ในรูปแบบ YYYY-MM-DD)')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar day (ไม่มีวันที่นี้)');

/** Whole days in the shop's time zone, both included; at most about two years. */
const salesQuery = z
  .object({ from: shopDay, to: shopDay, channel: z.enum(orderChannel.enumValues).optional() })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to (วันเริ่มต้องไม่อยู่หลังวันสิ้นสุด)', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 800 * 86_400_000, { message: 'at most 800 days (ไม่เกิน 800 วัน)', path: ['to'] });

/** The JSON API of DESIGN.md: products, stock, orders; bearer-token auth on every route. */
export const apiPlugin: FastifyPluginAsyncZod = async (app) => {
  app.decorateRequest('apiActor', '');
  app.decorateRequest('apiRole', 'packer');
  app.addHook('onRequest', requireApiToken);
  app.addHook('preHandler', requireCapability);
  const { db, config, carriers } = app.deps;

  app.get(
    '/products',
    { config: { capability: 'catalog.manage' }, schema: { tags: ['products'], summary: 'Products on sale with what is available to sell' } },
    async () => {
      const items = await listSellables(db, { activeOnly: true });
      const available = await availableByVariant(
        db,
        items.map((i) => i.variantId),
      );
      return {
        items: items.map((i) => ({
          sku: i.sku,
          name: i.nameTh,
          nameEn: i.nameEn,
          price: { amount: i.price, currency: i.currency },
          available: available.get(i.variantId) ?? 0,
        })),
      };
    },
  );

  app.post(
    '/products',
    { config: { capability: 'catalog.manage' }, schema: { tags: ['products'], summary: 'Create a product (one SKU) with opening stock', body: createProductInput } },
    async (request, reply) => {
      const { variant, product } = await createProductWithStock(db, request.body, request.apiActor);
      const available = (await availableByVariant(db, [variant.id])).get(variant.id) ?? 0;
      return reply.status(201).send({
        sku: variant.sku,
        name: product.nameTh,
        nameEn: product.nameEn,
        price: { amount: variant.price, currency: variant.currency },
        available,
      });
    },
  );

  app.get(
    '/stock',
    {
      config: { capability: 'stock.manage' },
      schema: {
        tags: ['stock'],
        summary: 'Stock per warehouse and SKU',
        querystring: z.object({ sku: z.string().trim().min(1).max(64).optional() }),
      },
    },
    async (request) => ({ items: await listStock(db, { sku: request.query.sku }) }),
  );

  app.post(
    '/stock/adjustments',
    { config: { capability: 'stock.manage' }, schema: { tags: ['stock'], summary: 'Receive, count, write off or correct stock', body: stockAdjustmentInput } },
    async (request, reply) => reply.status(201).send(await adjustStock(db, request.body, request.apiActor)),
  );

  app.get(
    '/reports/sales',
    {
      config: { capability: 'revenue.view' },
      schema: {
        tags: ['reports'],
        summary: "Money of a range of the shop's days: net sales (received less refunds paid), received, refunds, awaiting payment, COD to collect, orders",
        querystring: salesQuery,
      },
    },
    async (request) => {
      const { from, to, channel } = request.query;
      const figures = await moneyFigures(db, { ...shopDays(from, to, config.shop.timeZone), channel });
      const money = (amount: number) => ({ amount, currency: config.shop.currency });
      return {
        from,
        to,
        timeZone: config.shop.timeZone,
        netSales: money(figures.netSales),
        paid: money(figures.paid),
        refunds: money(figures.refunds),
        awaitingPayment: money(figures.awaitingPayment),
        codToCollect: money(figures.codToCollect),
        orders: figures.orders,
      };
    },
  );

  app.get(
    '/orders',
    { config: { capability: 'revenue.view' }, schema: { tags: ['orders'], summary: 'Orders, newest first; pass nextCursor as cursor for the next page', querystring: listOrdersQuery } },
    async (request) => {
      const page = await listOrders(db, request.query);
      return { items: await orderSummaries(db, page.items), nextCursor: page.nextCursor ?? null };
    },
  );

  app.get(
    '/orders/:number',
    { config: { capability: 'revenue.view' }, schema: { tags: ['orders'], summary: 'One order with lines, payments, shipments and history', params: numberParams } },
    async (request) => orderDetails(db, request.params.number),
  );

  app.post(
    '/orders',
    {
      config: { capability: 'orders.edit' },
      schema: {
        tags: ['orders'],
        summary: 'Create an order; send an Idempotency-Key so a retry never creates a second one',
        body: createOrderInput,
        headers: z.object({ 'idempotency-key': z.string().trim().min(8).max(200).optional() }),
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const imported = await importOrder(db, request.body, {
        // Scoped to the caller: another client's key never replays (or reveals) this one's order.
        idempotencyKey: key === undefined ? undefined : `${request.apiActor}\n${key}`,
        actor: request.apiActor,
        currency: config.shop.currency,
        shipping: config.shop.shipping,
      });
      if (!imported.created) {
        reply.header('idempotent-replayed', 'true');
        return reply.status(201).send(await orderDetails(db, imported.order.number));
      }
      return reply.status(201).send(placedOrderDetails(imported));
    },
  );

  app.post(
    '/orders/:number/transitions',
    {
      config: { capability: 'orders.manage' },
      schema: {
        tags: ['orders'],
        summary: 'Move an order to another status; 409 ILLEGAL_TRANSITION when the move is not allowed',
        params: numberParams,
        body: transitionInput,
      },
    },
    async (request) => {
      const order = await transitionOrder(db, {
        number: request.params.number,
        to: request.body.to,
        note: request.body.note,
        received: request.body.received,
        actor: request.apiActor,
        locale: config.shop.locale,
        billing: config.shop,
      });
      return orderDetails(db, order.number);
    },
  );

  app.post(
    '/orders/:number/shipments',
    {
      config: { capability: 'orders.manage' },
      schema: {
        tags: ['orders'],
        summary:
          'Record a parcel with its tracking number, or without one book it with a carrier that books (flash; left out: the shipping warehouse’s default carrier from Settings) and answer with its number (a split order: one parcel at a time, by parcelId); ships the order and tells the customer in chat',
        params: numberParams,
        body: z.object({
          carrier: z.string().trim().min(1).max(100).optional(),
          trackingNumber: z.string().trim().min(4).max(64).regex(/^[A-Za-z0-9-]+$/, 'may hold letters, digits and dashes').optional(),
          /** One parcel of a split order to book (its id in the order's shipments); without it, the order's single parcel. */
          parcelId: z.number().int().positive().max(2_147_483_647).optional(),
        })
          // A typed tracking number names its carrier; a booking without one uses the warehouse's default (Settings).
          .refine((b) => b.trackingNumber === undefined || b.carrier !== undefined, { message: 'carrier is required with a trackingNumber', path: ['carrier'] }),
      },
    },
    async (request, reply) => {
      const { trackingNumber } = request.body;
      const { order, shipment } =
        trackingNumber === undefined
          ? await bookParcel(db, { config, carriers: carriers.registry(), logger: app.deps.logger }, { number: request.params.number, carrier: request.body.carrier, shipmentId: request.body.parcelId, actor: request.apiActor })
          : await shipOrder(db, {
              number: request.params.number,
              carrier: request.body.carrier!,
              carriers: carriers.registry(),
              trackingNumber,
              actor: request.apiActor,
              locale: config.shop.locale,
            });
      void app.chat?.dispatcher.kick();
      return reply.status(201).send({
        carrier: shipment.carrier,
        trackingNumber: shipment.trackingNumber,
        status: shipment.status,
        order: await orderDetails(db, order.number),
      });
    },
  );
};
