/**
 * Chat, assembled: the engine, an inbound decoder and an outbound sender per switched-on channel,
 * the inbox processor and the outbox dispatcher, and the webhooks. Workers start when the app is
 * ready and stop before the database closes.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { webhookCallback } from 'grammy';
import { createOutboxDispatcher, type OutboxDispatcher } from '#src/jobs/outbox-dispatcher.ts';
import { loadOrCreateSecret } from '#src/lib/secrets.ts';
import { recordInbound } from '#src/modules/conversations/index.ts';
import type { ChannelSender } from '#src/ports/channel.ts';
import { createChatEngine, type ChatEngineDeps } from './engine/engine.ts';
import { createInboxProcessor, type InboundDecoder, type InboxProcessor } from './inbox-processor.ts';
import { createLineDecoder } from './line/line.inbound.ts';
import { lineWebhookPlugin } from './line/line.plugin.ts';
import { createLineClients, createLineSender } from './line/line.sender.ts';
import { createTelegramBot, createTelegramDecoder, createTelegramSender, rememberApiRoot, userKeyOf } from './telegram/telegram.bot.ts';
import { createWebchatDecoder, createWebchatSender, webchatPlugin } from './webchat/webchat.plugin.ts';

declare module 'fastify' {
  interface FastifyInstance {
    chat: { processor: InboxProcessor; dispatcher: OutboxDispatcher };
  }
}

export interface ChatPluginOptions {
  /** Run the inbox processor and the dispatcher in this process (default). `npm run worker` runs them alone. */
  workers?: boolean;
  engine?: Partial<Pick<ChatEngineDeps, 'onSlip' | 'paymentQr'>>;
}

const chatPlugin: FastifyPluginAsync<ChatPluginOptions> = async (app, opts) => {
  const { config, db, logger, database } = app.deps;
  const decoders: Partial<Record<string, InboundDecoder>> = { webchat: createWebchatDecoder() };
  const senders: Partial<Record<string, ChannelSender>> = { webchat: createWebchatSender(db) };
  const engine = createChatEngine({ config, logger: logger.child({ part: 'chat' }), ...opts.engine });

  const dispatcher = createOutboxDispatcher({ db, logger: logger.child({ part: 'outbox' }), senders });
  const processor = createInboxProcessor({
    db,
    logger: logger.child({ part: 'inbox' }),
    engine,
    decoders,
    onQueued: () => void dispatcher.kick(),
    // One connection serves the embedded database: more workers would only queue for it.
    concurrency: database.kind === 'embedded' ? 1 : 4,
  });
  const onStored = () => processor.kick();
  app.decorate('chat', { processor, dispatcher });

  if (config.line) {
    const clients = createLineClients(config.line);
    decoders.line = createLineDecoder(clients, logger);
    senders.line = createLineSender(clients);
    await app.register(lineWebhookPlugin, { channelSecret: config.line.channelSecret, onStored });
  }

  let stopPolling: (() => Promise<void>) | undefined;
  if (config.telegram) {
    const telegram = config.telegram;
    const bot = createTelegramBot({
      botToken: telegram.botToken,
      apiRoot: telegram.apiRoot,
      logger,
      store: async (update) => {
        const stored = await recordInbound(db, [
          { channel: 'telegram', eventId: String(update.update_id), userKey: userKeyOf(update), payload: update as unknown as Record<string, unknown> },
        ]);
        if (stored) onStored();
      },
    });
    rememberApiRoot(bot, telegram.apiRoot);
    decoders.telegram = createTelegramDecoder(bot, logger);
    senders.telegram = createTelegramSender(bot);
    if (telegram.mode === 'webhook') {
      await app.register(async (scope) => {
        const rateLimit = (await import('@fastify/rate-limit')).default;
        await scope.register(rateLimit, { max: 600, timeWindow: '1 second', keyGenerator: () => 'telegram' });
        scope.post('/webhooks/telegram', { schema: { hide: true } }, webhookCallback(bot, 'fastify', { secretToken: telegram.webhookSecret }));
      });
    } else if (opts.workers !== false) {
      app.addHook('onReady', async () => {
        void bot.start({ drop_pending_updates: false, onStart: () => logger.info('Telegram long polling started') }).catch((err) => logger.error({ err }, 'Telegram polling stopped'));
        stopPolling = () => bot.stop();
      });
    }
  }

  const secret = config.sessionSecret ?? (await loadOrCreateSecret(config.dataDir, 'session'));
  await app.register(webchatPlugin, {
    secret,
    dataDir: config.dataDir,
    secureCookies: config.publicUrl.startsWith('https://'),
    onStored,
  });

  if (opts.workers !== false) {
    app.addHook('onReady', async () => {
      processor.start();
      dispatcher.start();
    });
  }
  app.addHook('onClose', async () => {
    await stopPolling?.();
    await processor.stop();
    await dispatcher.stop();
  });
};

export default fp(chatPlugin, { name: 'talad-chat' });
