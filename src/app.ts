import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { adminPlugin } from '../admin/admin.plugin.ts';
import { apiPlugin } from '../admin/api/api.plugin.ts';
import chatPlugin, { type ChatPluginOptions } from '../bots/chat.plugin.ts';
import { bootstrap } from './bootstrap.ts';
import type { Config } from './config.ts';
import { createDatabase, type Database, type Db } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { registerErrorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health.routes.ts';
import { payRoutes } from './http/pay.routes.ts';
import { mediaRoutes } from './http/media.routes.ts';
import { loadOrCreateSecret } from './lib/secrets.ts';
import { createScheduler } from './jobs/scheduler.ts';
import { useBillingDefaults } from './modules/billing/index.ts';
import { createSettingsService, type SettingsService } from './modules/settings/index.ts';
import { createLogger, type Logger } from './logger.ts';

export interface AppDeps {
  config: Config;
  database: Database;
  db: Db;
  logger: Logger;
  /** Signs cookies and links (web chat visitor, payment QR). */
  secret: string;
  /** The shop's settings from the back office, applied onto `config` (load at start, poll for other processes' saves). */
  settings: SettingsService;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

export interface BuildOverrides {
  /** A database the caller owns (tests); it is not closed with the app. */
  database?: Database;
  logger?: Logger;
  /** Skip migrations and first-run data (the caller prepared the database). */
  skipBootstrap?: boolean;
  chat?: ChatPluginOptions;
  /** Run the scheduled jobs (Agenda) in this process; default: config.workers. */
  scheduler?: boolean;
}

/**
 * The composition root: the only place that knows every part. It builds the database, migrates it,
 * runs the first-start steps, and registers plugins in order: external → app → routes.
 * (src/ imports bots/ and admin/ here and nowhere else.)
 */
export async function buildApp(config: Config, overrides: BuildOverrides = {}): Promise<FastifyInstance> {
  const logger = overrides.logger ?? createLogger(config);
  const ownsDatabase = !overrides.database;
  const database =
    overrides.database ?? (await createDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger }));

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
  const secret = config.sessionSecret ?? (await loadOrCreateSecret(config.dataDir, 'session'));
  const settings = createSettingsService({ db: database.db, config, logger });
  app.decorate('deps', { config, database, db: database.db, logger, secret, settings });
  if (ownsDatabase) app.addHook('onClose', async () => database.close());

  try {
    if (!overrides.skipBootstrap) {
      await runMigrations(database);
      await bootstrap(database.db, config, logger);
    }
    await settings.load();
  } catch (err) {
    if (ownsDatabase) await database.close();
    throw err;
  }

  if (config.line && !config.publicUrl.startsWith('https://')) {
    logger.warn('PUBLIC_URL is not https: LINE cannot show images (product photos, payment QR) and will refuse those messages');
  }
  settings.start();
  // Receipts issued when an order is paid follow the shop's live VAT registration and time zone.
  useBillingDefaults(() => ({ vatRegistered: config.shop.vatRegistered, timeZone: config.shop.timeZone }));
  app.addHook('onClose', async () => settings.stop());
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
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(healthRoutes);
  await app.register(payRoutes);
  await app.register(mediaRoutes);
  await app.register(apiPlugin, { prefix: '/api/v1' });
  await app.register(adminPlugin, { prefix: '/admin' });
  await app.register(chatPlugin, { workers: config.workers, ...overrides.chat });
  if (overrides.scheduler ?? config.workers) {
    const scheduler = createScheduler({ database, config, logger, onQueued: () => void app.chat.dispatcher.kick() });
    app.addHook('onReady', () => scheduler.start());
    app.addHook('onClose', () => scheduler.stop());
  }
  return app;
}
