/**
 * Chat over HTTP: the LINE and Telegram webhooks and the web chat, on top of the chat runtime.
 * The runtime's workers start when the app is ready (unless a separate worker process runs them)
 * and stop before the database closes.
 */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { nestedDeeperThan } from '#src/http/error-handler.ts';
import { safeEqual } from '#src/modules/accounts/index.ts';
import type { InboundRecord } from '#src/modules/conversations/index.ts';
import { createForgeryGuard } from '#src/http/forgery-guard.ts';
import { telegramUpdate } from './telegram/telegram.update.ts';
import { createChatRuntime, type ChatRuntime, type ChatRuntimeOptions } from './chat-runtime.ts';
import { lineWebhookPlugin } from './line/line.plugin.ts';
import { facebookWebhookPlugin } from './facebook/facebook.plugin.ts';
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
  const chat = await createChatRuntime({ config, database, logger, secret, engine: opts.engine });
  // A web-only instance stores events and leaves them to the worker processes.
  const receive = (records: InboundRecord[]) => chat.receive(records, { process: opts.workers !== false });
  app.decorate('chat', chat);

  if (config.line) {
    await app.register(lineWebhookPlugin, { channelSecret: config.line.channelSecret, receive });
  }
  // Always routed: connected from the environment or in Settings (read per request), else answered 404.
  await app.register(facebookWebhookPlugin, { credentials: () => config.facebook, receive, media: chat.facebookMedia });
  const bot = chat.telegramBot;
  if (bot && config.telegram?.mode === 'webhook') {
    const secretToken = config.telegram.webhookSecret;
    await app.register(async (scope) => {
      // Only forgeries are limited, per client address, and only after the secret was found wrong:
      // Telegram's own deliveries are never refused, whoever else shares their address.
      const forgeries = createForgeryGuard();
      const { webhookCallback } = await import('grammy');
      const handle = webhookCallback(bot, 'fastify', { secretToken });
      scope.post('/webhooks/telegram', { schema: { hide: true } }, async (request, reply) => {
        // grammY checks the secret too, but only after reading the update: refuse forgeries and
        // malformed bodies first, so neither reaches the bot.
        const given = request.headers['x-telegram-bot-api-secret-token'];
        if (!secretToken || typeof given !== 'string' || !safeEqual(given, secretToken)) {
          if (forgeries.refuse(request.ip)) {
            return reply.status(429).send({ error: { code: 'RATE_LIMITED', message: 'Too many requests with a wrong secret' } });
          }
          request.log.warn('Telegram webhook with a wrong secret refused');
          return reply.status(401).send({ error: { code: 'BAD_SECRET', message: 'X-Telegram-Bot-Api-Secret-Token is missing or wrong' } });
        }
        if (nestedDeeperThan(request.body) || !telegramUpdate.safeParse(request.body).success) {
          return reply.status(400).send({ error: { code: 'BAD_BODY', message: 'Not a Telegram update' } });
        }
        return handle(request, reply);
      });
    });
  }

  await app.register(webchatPlugin, {
    secret,
    dataDir: config.dataDir,
    secureCookies: config.publicUrl.startsWith('https://'),
    receive,
  });

  if (opts.workers !== false) app.addHook('onReady', async () => chat.start());
  app.addHook('onClose', async () => chat.stop());
};

export default fp(chatPlugin, { name: 'talad-chat' });
