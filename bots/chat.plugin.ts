/**
 * Chat over HTTP: the LINE and Telegram webhooks and the web chat, on top of the chat runtime.
 * The runtime's workers start when the app is ready (unless a separate worker process runs them)
 * and stop before the database closes.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { webhookCallback } from 'grammy';
import type { InboundRecord } from '#src/modules/conversations/index.ts';
import { createChatRuntime, type ChatRuntime, type ChatRuntimeOptions } from './chat-runtime.ts';
import { lineWebhookPlugin } from './line/line.plugin.ts';
import { webchatPlugin } from './webchat/webchat.plugin.ts';

declare module 'fastify' {
  interface FastifyInstance {
    chat: ChatRuntime;
  }
}

export interface ChatPluginOptions {
  /** Run the inbox processor and the dispatcher in this process (default). */
  workers?: boolean;
  engine?: ChatRuntimeOptions['engine'];
}

const chatPlugin: FastifyPluginAsync<ChatPluginOptions> = async (app, opts) => {
  const { config, logger, database, secret } = app.deps;
  const chat = createChatRuntime({ config, database, logger, secret, engine: opts.engine });
  // A web-only instance stores events and leaves them to the worker processes.
  const onStored = opts.workers === false ? () => undefined : (records: InboundRecord[]) => chat.received(records);
  app.decorate('chat', chat);

  if (config.line) {
    await app.register(lineWebhookPlugin, { channelSecret: config.line.channelSecret, onStored });
  }
  const bot = chat.telegramBot;
  if (bot && config.telegram?.mode === 'webhook') {
    const secretToken = config.telegram.webhookSecret;
    await app.register(async (scope) => {
      // Generous, per client address: Telegram's servers are never slowed, a flood from elsewhere is.
      await scope.register(rateLimit, { max: 300, timeWindow: '1 second' });
      scope.post('/webhooks/telegram', { schema: { hide: true } }, webhookCallback(bot, 'fastify', { secretToken }));
    });
  }

  await app.register(webchatPlugin, {
    secret,
    dataDir: config.dataDir,
    secureCookies: config.publicUrl.startsWith('https://'),
    onStored,
  });

  if (opts.workers !== false) app.addHook('onReady', async () => chat.start());
  app.addHook('onClose', async () => chat.stop());
};

export default fp(chatPlugin, { name: 'talad-chat' });
