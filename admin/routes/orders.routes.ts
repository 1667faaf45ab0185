import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { withTransaction } from '#src/db/client.ts';
import { orderChannel, orderStatus, type OrderStatus } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { awaitsConfirmation, findOrderByNumber, isShippable, lockOrder } from '#src/modules/orders/index.ts';
import { slipsOf } from '#src/modules/payments/index.ts';
import { transitionLockedOrder } from '#src/workflows/orders/transition-order.ts';
import { shipOrder } from '#src/workflows/orders/ship-order.ts';
import { actorOf, writeAudit } from '../audit.ts';
import { allowed, can, packerStatuses } from '../auth/roles.ts';
import { calendarDay, list, optional, parseForm } from '../forms.ts';
import { databaseNow, deskRow, listDeskOrders, ordersByNumbers, paymentStates, sorts } from '../queries/orders.ts';
import { listWarehouses } from '#src/modules/inventory/index.ts';
import { helpers, render } from '../view.ts';
import { bookingCarriers, carrierName, carrierOptions, showOrderPage } from './order-view.ts';

const PER_PAGE = 25;

const isoDay = calendarDay;

const listQuery = z
  .object({
    status: optional(z.enum(orderStatus.enumValues)),
    channel: optional(z.enum(orderChannel.enumValues)),
    from: optional(isoDay),
    to: optional(isoDay),
    q: optional(z.string().trim().max(100)),
    payment: optional(z.enum(paymentStates)),
    warehouse: optional(z.coerce.number().int().positive().max(2_147_483_647)),
    sort: z.enum(sorts).catch('newest'),
    page: z.coerce.number().int().min(1).max(100_000).catch(1),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'field.dateOrder', path: ['to'] });

const numbersBody = z.object({ numbers: list(z.string().trim().min(1).max(32)).pipe(z.array(z.string()).max(200)) });

const trackingNumber = z.string().trim().regex(/^[A-Za-z0-9-]{4,64}$/, 'field.tracking');

export const ordersRoutes: FastifyPluginAsync = async (app) => {
  const { db, config, carriers } = app.deps;
  const view = { roles: allowed('orders.view') };

  app.get('/orders', { config: view }, async (request, reply) => {
    const h = helpers(request);
    const raw = { ...(request.query as Record<string, unknown>) };
    let parsed = parseForm(listQuery, raw, h.t);
    const errors = parsed.ok ? {} : parsed.errors;
    if (!parsed.ok) {
      // A bad filter is shown beside its field and left out; the rest of the filter still applies.
      for (const field of Object.keys(parsed.errors)) delete raw[field];
      parsed = parseForm(listQuery, raw, h.t);
    }
    const f = parsed.ok ? parsed.data : listQuery.parse({});
    const packer = !can(request.admin!.user.role, 'revenue.view');
    const statusChoices: readonly OrderStatus[] = packer ? packerStatuses : orderStatus.enumValues;
    const statuses = f.status && statusChoices.includes(f.status) ? [f.status] : packer ? packerStatuses : undefined;
    const { rows, total } = await listDeskOrders(
      db,
      {
        statuses,
        channel: f.channel,
        from: f.from,
        to: f.to,
        q: f.q,
        // Packers never filter by money.
        payment: packer ? undefined : f.payment,
        warehouseId: f.warehouse,
        sort: f.sort,
        page: f.page,
        perPage: PER_PAGE,
      },
      config.shop.timeZone,
    );
    const pages = Math.max(1, Math.ceil(total / PER_PAGE));
    const pageUrl = (page: number) => {
      const params = new URLSearchParams();
      for (const key of ['status', 'channel', 'payment', 'warehouse', 'from', 'to', 'q'] as const) if (f[key]) params.set(key, String(f[key]));
      if (f.sort !== 'newest') params.set('sort', f.sort);
      if (page > 1) params.set('page', String(page));
      const qs = params.toString();
      return qs ? `/admin/orders?${qs}` : '/admin/orders';
    };
    // New orders are slotted in live only where they belong: the first page of the unfiltered, newest-first list.
    const live = f.page === 1 && f.sort === 'newest' && !f.status && !f.channel && !f.payment && !f.warehouse && !f.from && !f.to && !f.q;
    return render(request, reply, 'orders/list', {
      bookers: bookingCarriers(carriers.registry()),
      rows,
      total,
      filter: f,
      errors,
      page: f.page,
      pages,
      pageUrl,
      live,
      eventsSince: (await databaseNow(db)).toISOString(),
      packer,
      statusChoices,
      channelChoices: orderChannel.enumValues,
      paymentChoices: packer ? [] : paymentStates,
      warehouseChoices: await listWarehouses(db),
      sorts,
      showMoney: !packer,
    });
  });

  app.get('/orders/:number/row', { config: view }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const row = await deskRow(db, number);
    if (!row) return reply.code(404).type('text/plain').send('');
    const packer = !can(request.admin!.user.role, 'revenue.view');
    if (packer && !packerStatuses.includes(row.order.status)) return reply.code(204).send();
    return render(request, reply, 'orders/row', { row, showMoney: !packer, selectable: true });
  });

  app.get('/orders/:number/slips/:id', { config: { roles: allowed('orders.manage') } }, async (request, reply) => {
    const params = z.object({ number: z.string().max(32), id: z.coerce.number().int().positive().max(2_147_483_647) }).safeParse(request.params);
    const order = params.success ? await findOrderByNumber(db, params.data.number) : undefined;
    const slip = order ? (await slipsOf(db, [order.id])).find((s) => s.id === params.data!.id) : undefined;
    // Only files under the data directory are ever read, whatever a row says.
    const file = slip?.imagePath ? path.resolve(slip.imagePath) : undefined;
    const inData = file !== undefined && file.startsWith(path.resolve(config.dataDir) + path.sep);
    const bytes = inData ? await readFile(file).catch(() => undefined) : undefined;
    if (!bytes) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    const type = /\.png$/i.test(file!) ? 'image/png' : /\.webp$/i.test(file!) ? 'image/webp' : 'image/jpeg';
    return reply.header('cache-control', 'private, max-age=3600').type(type).send(bytes);
  });

  app.get('/orders/:number', { config: view }, async (request, reply) => {
    const { number } = request.params as { number: string };
    return showOrderPage(request, reply, number);
  });

  // Bulk actions: each order in its own transaction, so one refused order never undoes the others.

  app.post('/orders/bulk/confirm', { config: { roles: allowed('orders.manage') } }, async (request, reply) => {
    const h = helpers(request);
    const { user } = request.admin!;
    const parsed = numbersBody.safeParse(request.body);
    const numbers = parsed.success ? parsed.data.numbers : [];
    const results: { number: string; outcome: 'done' | 'skipped' | 'failed'; reason?: string }[] = [];
    for (const order of await ordersByNumbers(db, numbers)) {
      if (!awaitsConfirmation(order)) {
        results.push({ number: order.number, outcome: 'skipped', reason: `${h.status(order.status)}: ${h.t('bulk.notPaid')}` });
        continue;
      }
      try {
        await withTransaction(db, async (tx) => {
          const locked = await lockOrder(tx, order.number);
          await transitionLockedOrder(tx, locked, { to: 'confirmed', actor: actorOf(user), locale: config.shop.locale });
          await writeAudit(tx, user, { action: 'order.bulk_confirm', orderNumber: order.number, details: { from: locked.status, to: 'confirmed' } });
        });
        results.push({ number: order.number, outcome: 'done' });
      } catch (err) {
        if (!isAppError(err)) throw err;
        results.push({ number: order.number, outcome: 'failed', reason: err.message });
      }
    }
    return render(request, reply, 'orders/bulk-result', { title: h.t('bulk.confirmTitle'), results, none: numbers.length === 0 });
  });

  app.post('/orders/bulk/ship', { config: { roles: allowed('orders.pack') } }, async (request, reply) => {
    const h = helpers(request);
    const { user } = request.admin!;
    // "Ship selected…" on the list sends only the ticked orders: answer with the form asking for each parcel.
    if ((request.body as Record<string, unknown> | undefined)?.step !== 'ship') {
      const parsed = numbersBody.safeParse(request.body);
      return showBulkShip(request, reply, parsed.success ? parsed.data.numbers : [], {});
    }
    const body = z
      .object({
        numbers: list(z.string().trim().max(32)),
        carrier: list(z.string().trim().max(32)),
        tracking: list(z.string().trim().max(64)),
      })
      .safeParse(request.body);
    if (!body.success) return showBulkShip(request, reply, [], {}, 400);
    const { numbers, carrier, tracking } = body.data;
    // Check every row before shipping any, so a typo is fixed in the form rather than half the parcels leaving.
    const errors: Record<string, string> = {};
    const values: Record<string, { carrier: string; tracking: string }> = {};
    numbers.forEach((number, i) => {
      const c = carrier[i] ?? '';
      const tn = tracking[i] ?? '';
      values[number] = { carrier: c, tracking: tn };
      if (tn === '') return;
      if (!carrierOptions(carriers.registry()).some((o) => o.code === c)) errors[number] = h.t('field.choice');
      else if (!trackingNumber.safeParse(tn).success) errors[number] = h.t('field.tracking');
    });
    if (Object.keys(errors).length > 0) return showBulkShip(request, reply, numbers, { errors, values }, 400);

    const results: { number: string; outcome: 'done' | 'skipped' | 'failed'; reason?: string }[] = [];
    for (const [i, number] of numbers.entries()) {
      const tn = tracking[i] ?? '';
      if (tn === '') {
        results.push({ number, outcome: 'skipped', reason: h.t('bulk.noTracking') });
        continue;
      }
      try {
        const { order, shipment } = await shipOrder(db, {
          number,
          carrier: carrierName(carriers.registry(), carrier[i]!),
          carriers: carriers.registry(),
          trackingNumber: tn,
          actor: actorOf(user),
          locale: config.shop.locale,
        });
        await writeAudit(db, user, {
          action: 'order.ship',
          orderNumber: order.number,
          details: { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, bulk: true },
        });
        results.push({ number, outcome: 'done' });
      } catch (err) {
        if (!isAppError(err)) throw err;
        results.push({ number, outcome: 'failed', reason: err.code === 'ILLEGAL_TRANSITION' ? h.t('bulk.notShippable') : err.message });
      }
    }
    return render(request, reply, 'orders/bulk-result', { title: h.t('bulk.shipTitle'), results, none: numbers.length === 0 });
  });

  async function showBulkShip(
    request: FastifyRequest,
    reply: FastifyReply,
    numbers: string[],
    problems: { errors?: Record<string, string>; values?: Record<string, { carrier: string; tracking: string }> },
    status = 200,
  ) {
    const orders = await ordersByNumbers(db, numbers);
    const shippable = orders.filter(isShippable);
    const skipped = orders.filter((o) => !shippable.includes(o));
    return render(
      request,
      reply,
      'orders/bulk-ship',
      { shippable, skipped, carriers: carrierOptions(carriers.registry()), errors: problems.errors ?? {}, values: problems.values ?? {} },
      status,
    );
  }
};
