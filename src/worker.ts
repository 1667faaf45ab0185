/**
 * `npm run worker`: the chat workers (inbox processing, outbox sending, Telegram polling) and the
 * scheduled jobs, without HTTP. Run any number beside web instances started with WORKERS=false;
 * they share one PostgreSQL and never process an event or send a message twice.
 */
import { createChatRuntime } from '../bots/chat-runtime.ts';
import { loadConfigOrExit } from './config.ts';
import { createCore } from './core.ts';
import { createScheduler } from './jobs/agenda.ts';

const config = loadConfigOrExit();
if (!config.databaseUrl) {
  process.stderr.write(
    'npm run worker needs DATABASE_URL: the embedded database lives inside the web process, and `npm start` runs the workers itself.\n',
  );
  process.exit(78);
}
// Migrated here too; the owner account and first-run data are the web app's to create.
const core = await createCore(config, { firstRun: false });
const { database, logger, secret } = core;
const chat = await createChatRuntime({ config, database, logger, secret });
const scheduler = createScheduler({ database, config, logger, carriers: core.carriers, onQueued: () => void chat.dispatcher.kick() });
chat.start();
await scheduler.start();
logger.info('worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'worker stopping');
  setTimeout(() => process.exit(1), 15_000).unref();
  await scheduler.stop();
  await chat.stop();
  await core.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
