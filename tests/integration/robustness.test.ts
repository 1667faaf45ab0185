import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, sendLine, sendTelegram, settle } from '../helpers/chat.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { startFakeTelegramApi, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';

/** Regressions the reliability drills found: each of these once crashed a process or leaked a connection. */
const TG_SECRET = 'robustness-secret';
let line: FakeLineApi;
let tg: FakeTelegramApi;
let t: TestApp;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  tg = await startFakeTelegramApi();
  t = await buildTestApp({ ...lineEnv(line), TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: tg.apiRoot });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
  await tg?.close();
});

describe('webhook input that once broke the decoders', () => {
  it('skips a LINE event with an impossible timestamp and keeps answering the next one', async () => {
    const userId = lineUserId('timestamp');
    const bad = { ...lineTextEvent({ userId, text: 'menu' }), timestamp: 1e21 };
    expect((await sendLine(t.app, t.config.line!.channelSecret, [bad])).statusCode).toBe(200);
    await settle(t.app);
    expect(line.sentTexts(userId)).toEqual([]);
    expect((await sendLine(t.app, t.config.line!.channelSecret, [lineTextEvent({ userId, text: 'menu' })])).statusCode).toBe(200);
    await settle(t.app);
    expect(line.sentTexts(userId).length).toBeGreaterThan(0);
  });

  it('refuses a Telegram message whose photo list holds nulls and keeps answering', async () => {
    const chatId = 7101;
    const update = { ...tgTextUpdate({ chatId, text: 'x', updateId: 99_001 }) } as Record<string, unknown>;
    const message = { ...(update.message as Record<string, unknown>) };
    delete message.text;
    update.message = { ...message, photo: [null] };
    expect((await sendTelegram(t.app, TG_SECRET, update as never)).statusCode).toBe(400);
    await settle(t.app);
    expect(tg.sentTexts(chatId)).toEqual([]);
    expect((await sendTelegram(t.app, TG_SECRET, tgTextUpdate({ chatId, text: 'menu', updateId: 99_002 }))).statusCode).toBe(200);
    await settle(t.app);
    expect(tg.sentTexts(chatId).length).toBeGreaterThan(0);
  });

  it('answers an over-long path parameter with 414 in the API error shape', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${'A'.repeat(300)}`, headers: auth });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({ error: { code: 'URI_TOO_LONG', message: expect.any(String) } });
  });
});

describe('transactions', () => {
  it('give the connection back when BEGIN itself fails (a lost server), so the next one does not wait forever', async () => {
    const database = await createTestDatabase({ poolSize: 1 });
    try {
      const pool = database.pool as pg.Pool;
      const connect = pool.connect.bind(pool);
      let broken = true;
      // The first checkout gets a client whose BEGIN fails, as when the server has just gone away.
      (pool as { connect: unknown }).connect = async () => {
        const client = await connect();
        if (broken) {
          broken = false;
          const query = client.query.bind(client);
          let first = true;
          (client as { query: unknown }).query = (...args: unknown[]) => {
            if (first) {
              first = false;
              return Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), {}));
            }
            return (query as (...a: unknown[]) => unknown)(...args);
          };
        }
        return client;
      };
      await expect(withTransaction(database.db, async (tx) => tx.execute(sql`select 1`))).rejects.toThrow(/begin/);
      expect(pool.totalCount - pool.idleCount).toBe(0);
      const res = await withTransaction(database.db, async (tx) => tx.execute<{ n: number }>(sql`select 2 as n`));
      expect(res.rows[0]!.n).toBe(2);
    } finally {
      await database.close();
    }
  });
});
