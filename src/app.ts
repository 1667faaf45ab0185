import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { adminPlugin } from '../admin/admin.plugin.ts';
import { apiPlugin } from '../admin/api/api.plugin.ts';
import { describeApi } from '../admin/api/openapi.ts';
import chatPlugin, { type ChatPluginOptions } from '../bots/chat.plugin.ts';
import type { Config } from './config.ts';
import { createCore, type Core, type CoreOverrides } from './core.ts';
import { registerErrorHandler } from './http/error-handler.ts';
import { homeRoutes } from './http/home.routes.ts';
import { healthRoutes } from './http/health.routes.ts';
import { payRoutes } from './http/pay.routes.ts';
import { mediaRoutes } from './http/media.routes.ts';
import { carrierWebhookRoutes } from './http/carrier-webhooks.routes.ts';
import { createScheduler } from './jobs/agenda.ts';

/** What every plugin and route reads from `app.deps`: the core the web app and the worker share. */
export type AppDeps = Omit<Core, 'close'>;

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export interface BuildOverrides extends Omit<CoreOverrides, 'firstRun'> {
  chat?: ChatPluginOptions;
  /** Run the scheduled jobs (Agenda) in this process; default: config.workers. */
  scheduler?: boolean;
}

/**
 * The composition root of the web app: the core (database, settings ...) from createCore, then the
 * plugins in order: external → app → routes. (src/ imports bots/ and admin/ here, in src/worker.ts
 * and in src/core.ts, and nowhere else: tests/architecture.test.ts holds that.)
 */
export async function buildApp(config: Config, overrides: BuildOverrides = {}): Promise<FastifyInstance> {
  const core = await createCore(config, overrides);
  const { logger } = core;
  if (config.trustProxy === true) {
    logger.warn(
      'TRUST_PROXY=true trusts any X-Forwarded-For a client sends: rate limits and sign-in lockouts can then be dodged. Set TRUST_PROXY to the reverse proxy\'s address instead (docker-compose.yml shows how).',
    );
  }

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    // The router's own refusals (a path parameter over 100 characters, a malformed URL) answer in the
    // API's error shape like every other client error.
    frameworkErrors: (err, request, reply) => {
      request.log.info({ code: err.code, url: request.url.slice(0, 200) }, 'request refused by the router');
      const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      return (reply as FastifyReply).code(status).send({
        error: { code: status === 414 ? 'URI_TOO_LONG' : 'BAD_URL', message: status === 414 ? 'A part of the address is too long' : 'The address is malformed' },
      });
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const { close, ...deps } = core;
  app.decorate('deps', deps);
  app.addHook('onClose', close);

  if (config.line && !config.publicUrl.startsWith('https://')) {
    logger.warn('PUBLIC_URL is not https: LINE cannot show images (product photos, payment QR) and will refuse those messages');
  }
  // Limits are opted into per route (webhooks, web chat, unknown addresses): nothing is limited by default.
  await app.register(rateLimit, { global: false });
  registerErrorHandler(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Talad API',
        version: '1',
        description:
          'Orders, products and stock of a Talad shop. Money is {amount: integer minor units, currency}. ' +
          'Errors are {error: {code, message}}.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    // Answers, errors, Thai examples, operation ids, tags and the server (admin/api/openapi.ts).
    transformObject: (document) => ('openapiObject' in document ? describeApi(document.openapiObject as Record<string, unknown>, config.publicUrl) : document.swaggerObject) as never,
  });
  await app.register(async (docs) => {
    // The API description is a page like any other: no framing, no sniffing, its own CSP.
    docs.addHook('onSend', async (_request, reply, payload) => {
      reply.header('x-frame-options', 'DENY').header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
      return payload;
    });
    // The shop's own name and mark, not the framework's.
    const mark = await readFile(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../templates/admin/assets/favicon.svg'));
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: true,
      theme: { title: `${config.shop.name} API`, favicon: [{ filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: mark }] },
      logo: { type: 'image/svg+xml', content: mark, href: '/docs' },
    });
  });
  await app.register(healthRoutes);
  await app.register(homeRoutes);
  await app.register(payRoutes);
  await app.register(mediaRoutes);
  await app.register(carrierWebhookRoutes);
  await app.register(apiPlugin, { prefix: '/api/v1' });
  await app.register(adminPlugin, { prefix: '/admin' });
  await app.register(chatPlugin, { workers: config.workers, ...overrides.chat });
  if (overrides.scheduler ?? config.workers) {
    const scheduler = createScheduler({ database: core.database, config, logger, carriers: core.carriers, onQueued: () => void app.chat.dispatcher.kick() });
    app.addHook('onReady', () => scheduler.start());
    app.addHook('onClose', () => scheduler.stop());
  }
  return app;
}
