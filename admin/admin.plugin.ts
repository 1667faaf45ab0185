/**
 * The back office: a server-rendered fastify plugin mounted at /admin. Sessions live in the
 * database, every route names the roles it allows (auth/roles.ts), and one guard enforces sign-in,
 * roles and CSRF for all of them. Pages are eta templates from templates/admin, htmx and Chart.js
 * are served from node_modules, nothing comes from a CDN.
 */
import { ZodError } from 'zod';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { UserRole } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { escapeHtml } from '#src/lib/html.ts';
import { notFoundRateLimit } from '#src/http/error-handler.ts';
import { httpStatusOf } from '#src/http/error-status.ts';
import { authRoutes } from './auth/auth.routes.ts';
import { authenticate, checkCsrf } from './auth/guard.ts';
import { can, mayViewOrder } from './auth/roles.ts';
import { findOrderByNumber } from '#src/modules/orders/index.ts';
import { translator } from './i18n/index.ts';
import { dashboardRoutes } from './routes/dashboard.routes.ts';
import { eventsRoutes } from './routes/events.routes.ts';
import { messagesRoutes } from './routes/messages.routes.ts';
import { orderActionsRoutes } from './routes/order-actions.routes.ts';
import { orderParcelsRoutes } from './routes/order-parcels.routes.ts';
import { orderAmendRoutes } from './routes/order-amend.routes.ts';
import { ordersRoutes } from './routes/orders.routes.ts';
import { usersRoutes } from './routes/users.routes.ts';
import { ledgerRoutes } from './routes/ledger.routes.ts';
import { orderEntryRoutes } from './routes/order-entry.routes.ts';
import { catalogRoutes } from './routes/catalog/index.ts';
import { stockRoutes } from './routes/stock.routes.ts';
import { customersRoutes } from './routes/customers.routes.ts';
import { printRoutes } from './routes/print.routes.ts';
import { reportsRoutes } from './routes/reports.routes.ts';
import { settingsRoutes } from './routes/settings/index.ts';
import { importsRoutes } from './routes/imports.routes.ts';
import { returnsRoutes } from './routes/returns.routes.ts';
import { apiKeysRoutes } from './routes/api-keys.routes.ts';
import { inboxRoutes } from './routes/inbox/index.ts';
import { isHtmx, languageOf, render, wantsData } from './view.ts';

const templatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../templates/admin');
const require = createRequire(import.meta.url);

export interface AdminRouteInfo {
  method: string;
  url: string;
  roles: readonly UserRole[] | undefined;
  public: boolean;
}

const registry = new WeakMap<Server, AdminRouteInfo[]>();

/** Every route the back office registered, with the roles it allows: tests crawl them all. */
export function adminRoutesOf(app: FastifyInstance): readonly AdminRouteInfo[] {
  return registry.get(app.server) ?? [];
}

/** The vendor scripts the pages load, from the installed packages' dist folders (never a CDN). */
const vendorScripts: Record<string, { pkg: string; file: string }> = {
  'htmx.min.js': { pkg: 'htmx.org', file: 'htmx.min.js' },
  'chart.umd.js': { pkg: 'chart.js', file: 'chart.umd.js' },
};

/** Both packages keep their main entry in dist/, beside the browser builds (their exports hide package.json). */
function vendorPath(name: string): string | undefined {
  const entry = vendorScripts[name];
  return entry ? path.join(path.dirname(require.resolve(entry.pkg)), entry.file) : undefined;
}

const assetTypes: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'application/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

export const adminPlugin: FastifyPluginAsync = async (app) => {
  const { config } = app.deps;
  const routes: AdminRouteInfo[] = [];
  registry.set(app.server, routes);
  app.addHook('onRoute', (route) => {
    // Pages, not API: they stay out of the OpenAPI description at /docs.
    route.schema = { ...route.schema, hide: true };
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, roles: route.config?.roles, public: route.config?.public === true });
    }
  });

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(view, {
    engine: { eta: new Eta() },
    root: templatesDir,
    production: config.env === 'production',
  });

  app.decorateRequest('admin', null);
  app.addHook('onRequest', authenticate);
  app.addHook('preValidation', checkCsrf);
  // Packers see only orders to pack and ship: every order route (page, notes, actions) answers any
  // other order as if it did not exist. The live list's row keeps its own answer (204, nothing to show).
  app.addHook('preHandler', async (request, reply) => {
    const number = (request.params as { number?: unknown } | undefined)?.number;
    const role = request.admin?.user.role;
    if (!role || typeof number !== 'string' || can(role, 'revenue.view') || request.routeOptions.url?.endsWith('/row')) return;
    const order = await findOrderByNumber(app.deps.db, number.slice(0, 40));
    if (order && !mayViewOrder(role, order.status)) {
      const t = translator(languageOf(request));
      return render(request, reply, 'error', { title: t('error.notFound.title'), message: t('error.orderNotFound', { number: order.number }) }, 404);
    }
  });

  app.setErrorHandler(async (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const t = translator(languageOf(request));
    let status = 500;
    let message = t('error.server');
    if (isAppError(err)) {
      status = httpStatusOf[err.kind];
      message = t('error.generic', { message: err.message });
      request.log.info({ code: err.code }, err.message);
    } else if (err instanceof ZodError) {
      // A route's parameters that do not parse (a parcel id that is not a number): no such page.
      status = 404;
      message = t('error.notFound');
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors: a body too large, a malformed form.
      status = err.statusCode;
      message = t('error.generic', { message: err.message });
    } else {
      request.log.error({ err }, 'back-office request failed');
    }
    if (wantsData(request)) return reply.code(status).send({ error: { code: status === 500 ? 'INTERNAL' : 'REQUEST_FAILED', message } });
    if (isHtmx(request)) return reply.code(status).type('text/html; charset=utf-8').send(`<p class="alert alert-error" role="alert">${escapeHtml(message)}</p>`);
    return render(request, reply, 'error', { title: t('error.title'), message }, status);
  });

  app.setNotFoundHandler({ preHandler: app.rateLimit(notFoundRateLimit) }, async (request, reply) => {
    const t = translator(languageOf(request));
    if (wantsData(request)) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: t('error.notFound') } });
    return render(request, reply, 'error', { title: t('error.notFound.title'), message: t('error.notFound') }, 404);
  });

  // Assets are public: the login page needs its stylesheet before anyone is signed in.
  const cache = new Map<string, Buffer>();
  const production = config.env === 'production';
  app.get('/assets/:file', { config: { public: true } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const match = /^[\w.-]+\.(css|js|svg)$/.exec(file);
    const where = match ? (vendorPath(file) ?? path.join(templatesDir, 'assets', file)) : undefined;
    const body = where ? (cache.get(where) ?? (await readFile(where).catch(() => undefined))) : undefined;
    if (!where || !body) return reply.code(404).type('text/plain; charset=utf-8').send('not found');
    if (production) cache.set(where, body);
    return reply
      .header('cache-control', production || vendorScripts[file] ? 'public, max-age=86400' : 'no-cache')
      .type(assetTypes[match![1]!]!)
      .send(body);
  });

  await app.register(authRoutes);
  await app.register(dashboardRoutes);
  await app.register(ordersRoutes);
  await app.register(orderActionsRoutes);
  await app.register(orderParcelsRoutes);
  await app.register(orderAmendRoutes);
  await app.register(usersRoutes);
  await app.register(messagesRoutes);
  await app.register(eventsRoutes);
  await app.register(ledgerRoutes);
  await app.register(orderEntryRoutes);
  await app.register(catalogRoutes);
  await app.register(stockRoutes);
  await app.register(customersRoutes);
  await app.register(printRoutes);
  await app.register(reportsRoutes);
  await app.register(settingsRoutes);
  await app.register(importsRoutes);
  await app.register(returnsRoutes);
  await app.register(apiKeysRoutes);
  await app.register(inboxRoutes);
};

export default adminPlugin;
