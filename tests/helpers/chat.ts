import type { FastifyInstance } from 'fastify';
import type { webhook } from '@line/bot-sdk';
import type { Update } from 'grammy/types';
import { lineWebhookRequest } from '../fakes/line-api.ts';

/** Processes every stored chat event and sends everything queued: the conversation has caught up. */
export async function settle(app: FastifyInstance) {
  for (let i = 0; i < 3; i++) {
    await app.chat.processor.drain();
    await app.chat.dispatcher.flush();
  }
}

export async function sendLine(app: FastifyInstance, secret: string, events: webhook.Event[]) {
  const { body, headers } = lineWebhookRequest(events, secret);
  return app.inject({ method: 'POST', url: '/webhooks/line', payload: body, headers });
}

export async function sendTelegram(app: FastifyInstance, secret: string | undefined, update: Update) {
  return app.inject({
    method: 'POST',
    url: '/webhooks/telegram',
    payload: update,
    headers: secret ? { 'x-telegram-bot-api-secret-token': secret } : {},
  });
}
