import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#src/app.ts';
import { bootstrap } from '#src/bootstrap.ts';
import type { Database } from '#src/db/client.ts';
import { createLogger, secretsOf } from '#src/logger.ts';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../helpers/app.ts';
import { facebookEnv, lineEnv, sendFacebook, sendLine, sendTelegram, settle } from '../helpers/chat.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { makeProduct } from '../helpers/factories.ts';
import { lineTextEvent, lineUserId, signLineBody, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { fbText, psid, startFakeGraphApi, type FakeGraphApi } from '../fakes/graph-api.ts';
import { startFakeTelegramApi, tgPhotoUpdate, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';

// Issue 23, finding 4: no configured secret reaches the log, whatever fails: a store (database outage,
// a body nested too deeply), a channel's API, a download, a sign-in.
const TG_SECRET = 'tg-webhook-secret-0123456789abcdefghijkl';
const ENV = {
  LOG_LEVEL: 'debug',
  ADMIN_PASSWORD: 'owner-password-Kh0nKaen!',
  API_TOKEN: 'api-token-9f8e7d6c5b4a39281706',
  SESSION_SECRET: 'session-secret-aaaabbbbccccddddeeeeffff0000',
  SETTINGS_KEY: 'settings-key-1111222233334444555566667777',
  SLIP_VERIFIER: 'easyslip',
  SLIP_VERIFIER_API_KEY: 'easyslip-key-77665544',
  FLASH_MCH_ID: 'AA1234',
  FLASH_SECRET_KEY: 'flash-secret-key-0a0b0c0d',
  THAIPOST_API_KEY: 'thaipost-key-12345678',
  TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
  SHOP_NAME: 'ร้านเก็บความลับ',
};

let line: FakeLineApi;
let graph: FakeGraphApi;
let tg: FakeTelegramApi;
let database: Database;
let app: FastifyInstance;
let secrets: string[];
const lines: string[] = [];
const log = () => lines.join('');

/** {"a":{"a":...}} n levels deep, as JSON text (too deep for JSON.stringify to write). */
const deep = (n: number) => `${'{"a":'.repeat(n)}{}${'}'.repeat(n)}`;
/** A JSON object with one more key whose value is n levels deep. */
const withDeep = (value: object, n: number) => `${JSON.stringify(value).slice(0, -1)},"extra":${deep(n)}}`;

beforeAll(async () => {
  [line, graph, tg] = await Promise.all([startFakeLineApi({ unknownProfiles: 'generate' }), startFakeGraphApi(), startFakeTelegramApi()]);
  const config = testConfig({ ...ENV, ...lineEnv(line), ...facebookEnv(graph), TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot });
  secrets = secretsOf(config);
  const logger = createLogger(config, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  database = await createTestDatabase();
  await bootstrap(database.db, config, logger);
  app = await buildApp(config, { database, logger, skipBootstrap: true, scheduler: false });
  await app.ready();
  await makeProduct(database.db, { sku: 'COF-250', nameTh: 'กาแฟคั่วกลาง', nameEn: 'Medium roast coffee', price: 32_000, stock: { MAIN: 10 } });
});
afterAll(async () => {
  await app?.close();
  await database?.close();
  await Promise.all([line?.close(), graph?.close(), tg?.close()]);
});

describe('secrets in the log', () => {
  it('configures every secret the test checks for', () => {
    expect(secrets).toEqual(expect.arrayContaining([tg.token, TG_SECRET, line.channelSecret, line.channelAccessToken, graph.appSecret, graph.pageAccessToken, graph.verifyToken, ENV.API_TOKEN, ENV.ADMIN_PASSWORD, ENV.SLIP_VERIFIER_API_KEY, ENV.FLASH_SECRET_KEY, ENV.THAIPOST_API_KEY]));
  });

  it('refuses a body nested too deeply with 400 on the webhooks and the API, never 500', async () => {
    const json = { 'content-type': 'application/json' };
    const update = withDeep(tgTextUpdate({ chatId: 8101, text: 'สวัสดี', updateId: 91_001 }), 20_000);
    const tgRes = await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: update, headers: { ...json, 'x-telegram-bot-api-secret-token': TG_SECRET } });
    expect(tgRes.statusCode).toBe(400);
    const lineBody = `{"destination":"U${'0'.repeat(32)}","events":[${withDeep(lineTextEvent({ userId: lineUserId('ลึก'), text: 'สวัสดี' }), 20_000)}]}`;
    const lineRes = await app.inject({ method: 'POST', url: '/webhooks/line', payload: lineBody, headers: { ...json, 'x-line-signature': signLineBody(lineBody, line.channelSecret) } });
    expect(lineRes.statusCode).toBe(400);
    const api = await app.inject({ method: 'POST', url: '/api/v1/orders', payload: withDeep({ customer: { name: 'สมชาย' } }, 5_000), headers: { ...json, authorization: `Bearer ${ENV.API_TOKEN}` } });
    expect(api.statusCode).toBe(400);
  });

  it('keeps every secret out of the log of failing stores, failing channel calls and failing sign-ins', async () => {
    // The stores fail: the inbox table is gone for a moment.
    await database.db.execute(sql`alter table chat_inbox rename to chat_inbox_away`);
    try {
      expect((await sendTelegram(app, TG_SECRET, tgTextUpdate({ chatId: 8102, text: 'เมนู', updateId: 91_002 }))).statusCode).toBe(500);
      expect((await sendLine(app, line.channelSecret, [lineTextEvent({ userId: lineUserId('ล่ม'), text: 'เมนู' })])).statusCode).toBe(500);
      expect((await sendFacebook(app, graph.webhookRequest('page', [fbText({ from: psid('ล่ม'), text: 'เมนู' })]))).statusCode).toBe(500);
    } finally {
      await database.db.execute(sql`alter table chat_inbox_away rename to chat_inbox`);
    }
    // The channels' APIs fail: replies, pushes, profile look-ups and downloads.
    tg.failNext(20, 500);
    line.failNext(20, 500);
    graph.failNext(20, 500);
    await sendTelegram(app, TG_SECRET, tgTextUpdate({ chatId: 8103, text: 'เมนู', updateId: 91_003 }));
    await sendTelegram(app, TG_SECRET, tgPhotoUpdate({ chatId: 8103, updateId: 91_004 }));
    await sendLine(app, line.channelSecret, [lineTextEvent({ userId: lineUserId('พัง'), text: 'เมนู' })]);
    await sendFacebook(app, graph.webhookRequest('page', [fbText({ from: psid('พัง'), text: 'เมนู' })]));
    await settle(app);
    tg.failNext(5, 'reset');
    await sendTelegram(app, TG_SECRET, tgTextUpdate({ chatId: 8104, text: 'เมนู', updateId: 91_005 }));
    await settle(app);
    // Secrets that arrive in requests: Meta's verification, a bearer token, wrong passwords.
    await app.inject({ method: 'GET', url: `/webhooks/facebook?hub.mode=subscribe&hub.verify_token=${graph.verifyToken}&hub.challenge=42` });
    await app.inject({ method: 'GET', url: '/api/v1/orders', headers: { authorization: `Bearer ${ENV.API_TOKEN}`, cookie: `talad_visitor=${ENV.SESSION_SECRET}` } });
    await app.inject({ method: 'POST', url: '/webhooks/telegram', payload: tgTextUpdate({ chatId: 1, text: 'x', updateId: 91_006 }), headers: { 'x-telegram-bot-api-secret-token': `${TG_SECRET}x` } });

    const text = log();
    // The run did log its failures...
    expect(text).toMatch(/request failed|Telegram update failed/);
    expect(text).toMatch(/"level":50/);
    expect(text.length).toBeGreaterThan(5_000);
    // ...and none of the secrets.
    for (const secret of secrets) expect(text.includes(secret), `log holds ${secret.slice(0, 6)}…`).toBe(false);
    expect(text).not.toContain(tg.token.split(':')[1]);
  });
});
