import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createProductInput, listSellables } from '#src/modules/catalog/index.ts';
import { availableByVariant, listStock, stockAdjustmentInput } from '#src/modules/inventory/index.ts';
import { createOrderInput, listOrders, listOrdersQuery, transitionInput } from '#src/modules/orders/index.ts';
import { importOrder } from '#src/workflows/orders/import-order.ts';
import { orderDetails, orderSummaries } from '#src/workflows/orders/order-details.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { shipOrder } from '#src/workflows/orders/ship-order.ts';
import { bookParcel } from '#src/workflows/shipping/book-parcel.ts';
import { createProductWithStock } from '#src/workflows/catalog/create-product.ts';
import { adjustStock } from '#src/workflows/stock/adjust-stock.ts';
import { requireApiToken } from './api-auth.ts';

const numberParams = z.object({ number: z.string().min(1).max(32) });

/** The JSON API of DESIGN.md: products, stock, orders; bearer-token auth on every route. */
export const apiPlugin: FastifyPluginAsyncZod = async (app) => {
  app.decorateRequest('apiActor', '');
  app.addHook('onRequest', requireApiToken);
  const { db, config, carriers } = app.deps;

  app.get(
    '/products',
    { schema: { tags: ['products'], summary: 'Products on sale with what is available to sell' } },
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
    { schema: { tags: ['products'], summary: 'Create a product (one SKU) with opening stock', body: createProductInput } },
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
    { schema: { tags: ['stock'], summary: 'Receive, count, write off or correct stock', body: stockAdjustmentInput } },
    async (request, reply) => reply.status(201).send(await adjustStock(db, request.body, request.apiActor)),
  );

  app.get(
    '/orders',
    { schema: { tags: ['orders'], summary: 'Orders, newest first; pass nextCursor as cursor for the next page', querystring: listOrdersQuery } },
    async (request) => {
      const page = await listOrders(db, request.query);
      return { items: await orderSummaries(db, page.items), nextCursor: page.nextCursor ?? null };
    },
  );

  app.get(
    '/orders/:number',
    { schema: { tags: ['orders'], summary: 'One order with lines, payments, shipments and history', params: numberParams } },
    async (request) => orderDetails(db, request.params.number),
  );

  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Create an order; send an Idempotency-Key so a retry never creates a second one',
        body: createOrderInput,
        headers: z.object({ 'idempotency-key': z.string().trim().min(8).max(200).optional() }),
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const { order, created } = await importOrder(db, request.body, {
        idempotencyKey: key,
        actor: request.apiActor,
        currency: config.shop.currency,
        shipping: config.shop.shipping,
      });
      if (!created) reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(await orderDetails(db, order.number));
    },
  );

  app.post(
    '/orders/:number/transitions',
    {
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
      schema: {
        tags: ['orders'],
        summary:
          'Record a parcel with its tracking number, or without one book it with a carrier that books (flash) and answer with its number; ships the order and tells the customer in chat',
        params: numberParams,
        body: z.object({
          carrier: z.string().trim().min(1).max(100),
          trackingNumber: z.string().trim().min(4).max(64).regex(/^[A-Za-z0-9-]+$/, 'may hold letters, digits and dashes').optional(),
        }),
      },
    },
    async (request, reply) => {
      const { trackingNumber } = request.body;
      const { order, shipment } =
        trackingNumber === undefined
          ? await bookParcel(db, { config, carriers: carriers.registry(), logger: app.deps.logger }, { number: request.params.number, carrier: request.body.carrier, actor: request.apiActor })
          : await shipOrder(db, {
              number: request.params.number,
              carrier: request.body.carrier,
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
