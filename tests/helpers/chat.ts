import type { FastifyInstance } from 'fastify';
import type { webhook } from '@line/bot-sdk';
import type { Update } from 'grammy/types';
import { lineWebhookRequest, type FakeLineApi } from '../fakes/line-api.ts';
import type { FakeGraphApi, SignedWebhook } from '../fakes/graph-api.ts';

/** The environment that points Talad's LINE channel at a fake LINE API. */
export function lineEnv(fake: FakeLineApi): Record<string, string> {
  return {
    LINE_CHANNEL_SECRET: fake.channelSecret,
    LINE_CHANNEL_ACCESS_TOKEN: fake.channelAccessToken,
    LINE_API_BASE_URL: fake.baseUrl,
    LINE_DATA_API_BASE_URL: fake.dataBaseUrl,
  };
}

/** The environment that points Talad's Messenger and Instagram channels at a fake Graph API. */
export function facebookEnv(fake: FakeGraphApi): Record<string, string> {
  return {
    FACEBOOK_APP_SECRET: fake.appSecret,
    FACEBOOK_PAGE_ACCESS_TOKEN: fake.pageAccessToken,
    FACEBOOK_VERIFY_TOKEN: fake.verifyToken,
    FACEBOOK_GRAPH_API_BASE_URL: fake.baseUrl,
  };
}

export async function sendFacebook(app: FastifyInstance, webhook: SignedWebhook) {
  return app.inject({ method: 'POST', url: '/webhooks/facebook', payload: webhook.body, headers: webhook.headers });
}

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
