import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { facebookEnv, lineEnv, sendFacebook, sendLine, sendTelegram, telegramEnv } from '../helpers/chat.ts';
import { lineTextEvent, lineUserId, lineWebhookRequest, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { facebookWebhookRequest, fbText, psid, startFakeGraphApi, type FakeGraphApi } from '../fakes/graph-api.ts';
import { startFakeTelegramApi, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';

// Issue 23, finding 6: forged webhooks must never silence the channel's own, correctly signed deliveries,
// which behind a proxy arrive from the same address as the forgeries.
const TG_SECRET = 'telegram-webhook-secret-0123456789abcdef';
const PROXY = '10.0.0.2';
const ELSEWHERE = '198.51.100.7';
let line: FakeLineApi;
let graph: FakeGraphApi;
let tg: FakeTelegramApi;
let t: TestApp;

beforeAll(async () => {
  [line, graph, tg] = await Promise.all([startFakeLineApi({ unknownProfiles: 'generate' }), startFakeGraphApi(), startFakeTelegramApi()]);
  t = await buildTestApp({
    ...lineEnv(line),
    ...facebookEnv(graph),
    ...telegramEnv(tg, TG_SECRET),
    SHOP_NAME: 'ร้านกันปลอม',
  });
});
afterAll(async () => {
  await t?.close();
  await Promise.all([line?.close(), graph?.close(), tg?.close()]);
});

async function forgeLine(remoteAddress: string) {
  const { body } = lineWebhookRequest([lineTextEvent({ userId: lineUserId('forger'), text: 'เมนู' })], 'not-the-secret');
  const headers = { 'content-type': 'application/json', 'x-line-signature': Buffer.from('x'.repeat(32)).toString('base64') };
  return (await t.app.inject({ method: 'POST', url: '/webhooks/line', payload: body, headers, remoteAddress })).statusCode;
}

describe('webhook forgeries', () => {
  it('LINE: checks the signature before the limiter, so a flood of forgeries never gets a signed delivery 429', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) codes.push(await forgeLine(PROXY));
    expect(codes.slice(0, 30).every((c) => c === 401)).toBe(true);
    expect(codes.slice(30).every((c) => c === 429)).toBe(true);
    // LINE's own delivery through the same proxy address is answered.
    const { body, headers } = lineWebhookRequest([lineTextEvent({ userId: lineUserId('สมหญิง'), text: 'เมนู' })], line.channelSecret);
    for (let i = 0; i < 3; i++) {
      const genuine = await t.app.inject({ method: 'POST', url: '/webhooks/line', payload: body, headers, remoteAddress: PROXY });
      expect(genuine.statusCode).toBe(200);
    }
    // Forgeries are limited per source: another address still gets 401, not 429.
    expect(await forgeLine(ELSEWHERE)).toBe(401);
    expect(await forgeLine(PROXY)).toBe(429);
  });

  it('Telegram: a wrong secret is counted only after it was checked; the right one always passes', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 35; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/webhooks/telegram',
        payload: tgTextUpdate({ chatId: 7001, text: 'เมนู', updateId: 5000 + i }),
        headers: { 'x-telegram-bot-api-secret-token': 'guess' },
        remoteAddress: PROXY,
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 30).every((c) => c === 401)).toBe(true);
    expect(codes.slice(30).every((c) => c === 429)).toBe(true);
    const genuine = await t.app.inject({
      method: 'POST',
      url: '/webhooks/telegram',
      payload: tgTextUpdate({ chatId: 7002, text: 'เมนู', updateId: 6000 }),
      headers: { 'x-telegram-bot-api-secret-token': TG_SECRET },
      remoteAddress: PROXY,
    });
    expect(genuine.statusCode).toBe(200);
    expect((await sendTelegram(t.app, 'guess', tgTextUpdate({ chatId: 7001, text: 'x', updateId: 6001 }))).statusCode).toBe(401);
  });

  it('Facebook: a signed delivery from an address that sent forgeries is answered', async () => {
    const items = [fbText({ from: psid('forger'), text: 'เมนู' })];
    const { body } = facebookWebhookRequest('page', items, 'not-the-app-secret');
    const codes: number[] = [];
    for (let i = 0; i < 35; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/webhooks/facebook', payload: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, remoteAddress: PROXY });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 30).every((c) => c === 401)).toBe(true);
    expect(codes.slice(30).every((c) => c === 429)).toBe(true);
    const genuine = graph.webhookRequest('page', [fbText({ from: psid('วิภา'), text: 'เมนู' })]);
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/facebook', payload: genuine.body, headers: genuine.headers, remoteAddress: PROXY });
    expect(res.statusCode).toBe(200);
    expect((await sendFacebook(t.app, graph.webhookRequest('page', [fbText({ from: psid('ใหม่'), text: 'สวัสดี' })]))).statusCode).toBe(200);
  });
});
