import type { FastifyInstance } from 'fastify';
import type { webhook } from '@line/bot-sdk';
import type { Update } from 'grammy/types';
import { lineTextEvent, lineWebhookRequest, type FakeLineApi } from '../fakes/line-api.ts';
import { tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';
import type { FakeGraphApi, SignedWebhook } from '../fakes/graph-api.ts';

/** The environment that points Talad's LINE channel at a fake LINE API. */
export function lineEnv(fake: Pick<FakeLineApi, 'channelSecret' | 'channelAccessToken' | 'baseUrl' | 'dataBaseUrl'>): Record<string, string> {
  return {
    LINE_CHANNEL_SECRET: fake.channelSecret,
    LINE_CHANNEL_ACCESS_TOKEN: fake.channelAccessToken,
    LINE_API_BASE_URL: fake.baseUrl,
    LINE_DATA_API_BASE_URL: fake.dataBaseUrl,
  };
}

/** The environment that points Talad's Telegram bot (webhook mode, with this secret) at a fake Bot API. */
export function telegramEnv(fake: FakeTelegramApi, secret: string): Record<string, string> {
  return { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_WEBHOOK_SECRET: secret, TELEGRAM_API_ROOT: fake.apiRoot };
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

/**
 * A LINE customer who types: each text goes as a signed webhook, and resolves to what they read back.
 * The app and the fake are read when a text is sent (suites make them in beforeAll).
 */
export function lineCustomer(app: () => FastifyInstance, fake: () => FakeLineApi) {
  return async (userId: string, text: string): Promise<string> => {
    const before = fake().sentTexts(userId).length;
    const res = await sendLine(app(), fake().channelSecret, [lineTextEvent({ userId, text })]);
    if (res.statusCode !== 200) throw new Error(`LINE webhook answered ${res.statusCode}`);
    await settle(app());
    return fake().sentTexts(userId).slice(before).join('\n');
  };
}

/** A Telegram customer who types (in their app's language): each text an update, resolving to what they read back. */
export function telegramCustomer(app: () => FastifyInstance, fake: () => FakeTelegramApi, secret: string, languageCode = 'th') {
  return async (chatId: number, text: string): Promise<string> => {
    const before = fake().sentTexts(chatId).length;
    const res = await sendTelegram(app(), secret, tgTextUpdate({ chatId, text, languageCode }));
    if (res.statusCode !== 200) throw new Error(`Telegram webhook answered ${res.statusCode}`);
    await settle(app());
    return fake().sentTexts(chatId).slice(before).join('\n');
  };
}
