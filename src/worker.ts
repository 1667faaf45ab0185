/**
 * `npm run worker`: the chat workers (inbox processing, outbox sending, Telegram polling) and the
 * scheduled jobs, without HTTP. Run any number beside web instances started with WORKERS=false;
 * they share one PostgreSQL and never process an event or send a message twice.
 */
import { createChatRuntime } from '../bots/chat-runtime.ts';
import { loadConfigOrExit } from './config.ts';
import { createDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { createScheduler } from './jobs/scheduler.ts';
import { loadOrCreateSecret } from './lib/secrets.ts';
import { createLogger } from './logger.ts';
import { useBillingDefaults } from './modules/billing/index.ts';
import { createSettingsService } from './modules/settings/index.ts';

const config = loadConfigOrExit();
if (!config.databaseUrl) {
  process.stderr.write(
    'npm run worker needs DATABASE_URL: the embedded database lives inside the web process, and `npm start` runs the workers itself.\n',
  );
  process.exit(78);
}
const logger = createLogger(config);
const database = await createDatabase({ url: config.databaseUrl, logger });
await runMigrations(database);
// The shop's settings from the back office, applied onto config; the poll picks up later saves.
const settings = createSettingsService({ db: database.db, config, logger });
await settings.load();
settings.start();
// Receipts issued when an order is paid follow the shop's live VAT registration and time zone.
useBillingDefaults(() => ({ vatRegistered: config.shop.vatRegistered, timeZone: config.shop.timeZone }));
const secret = config.sessionSecret ?? (await loadOrCreateSecret(config.dataDir, 'session'));
const chat = createChatRuntime({ config, database, logger, secret });
const scheduler = createScheduler({ database, config, logger, onQueued: () => void chat.dispatcher.kick() });
chat.start();
await scheduler.start();
logger.info('worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'worker stopping');
  setTimeout(() => process.exit(1), 15_000).unref();
  settings.stop();
  await scheduler.stop();
  await chat.stop();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
