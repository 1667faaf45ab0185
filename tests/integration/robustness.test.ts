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
const TG_SECRET = 'robustness-secret-0123456789abcdef';
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
    const database = await createTestDatabase({ poolSize: 2 });
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

describe('the inbox processor', () => {
  it("answers the rest of a batch while a customer's photo is still being read, then the photo", async () => {
    const { createInboxProcessor } = await import('#bots/inbox-processor.ts');
    const { recordInbound } = await import('#src/modules/conversations/index.ts');
    const { createChatBatch } = await import('#bots/engine/batch.ts');
    const database = await createTestDatabase({ poolSize: 3 });
    try {
      const db = database.db;
      let release!: () => void;
      const photoRead = new Promise<void>((resolve) => (release = resolve));
      const engine = {
        handle: async (_tx: unknown, _person: unknown, event: { kind: string; text?: string }) => ({
          messages: [{ type: 'text' as const, text: event.kind === 'image' ? 'photo' : `ok ${event.text}` }],
          locale: 'th' as const,
        }),
        batch: (tx: Parameters<typeof createChatBatch>[0]) => createChatBatch(tx),
      };
      const decoder = {
        decode: async (payload: Record<string, unknown>) => ({
          person: { channel: 'webchat' as const, userId: String(payload.user) },
          event: payload.photo ? { kind: 'image' as const, reference: 'r1' } : { kind: 'text' as const, text: String(payload.text) },
        }),
      };
      await recordInbound(db, [
        { channel: 'webchat', eventId: 'p1', userKey: 'webchat:slip', payload: { user: 'slip', photo: true } },
        { channel: 'webchat', eventId: 't1', userKey: 'webchat:text', payload: { user: 'text', text: 'เมนู' } },
      ]);
      const processor = createInboxProcessor({
        db,
        logger: (await import('../helpers/db.ts')).testLogger,
        engine: engine as never,
        decoders: { webchat: decoder as never },
        // The slip reader, held until the other customer has been answered.
        preparePhoto: async () => {
          await photoRead;
          return { kind: 'refused', code: 'UNREADABLE' } as never;
        },
        onQueued: () => undefined,
        concurrency: 1,
        batchSize: 10,
      });
      const draining = processor.drain();
      const replies = async () => (await db.execute<{ dedupe_key: string }>(sql`select dedupe_key from outbox order by dedupe_key`)).rows.map((r) => r.dedupe_key);
      await expect.poll(replies).toEqual(['reply:webchat:t1']);
      release();
      await draining;
      expect(await replies()).toEqual(['reply:webchat:p1', 'reply:webchat:t1']);
    } finally {
      await database.close();
    }
  });

  it('handles a batch in one transaction, and when one event fails, the others still happen exactly once', async () => {
    const { createInboxProcessor } = await import('#bots/inbox-processor.ts');
    const { recordInbound } = await import('#src/modules/conversations/index.ts');
    const { createChatBatch } = await import('#bots/engine/batch.ts');
    const database = await createTestDatabase({ poolSize: 3 });
    try {
      const db = database.db;
      await db.execute(sql`create table batch_effects (event_id text not null)`);
      const engine = {
        handle: async (tx: Parameters<Parameters<typeof withTransaction>[1]>[0], person: { userId: string }, event: { kind: string; text?: string }) => {
          await tx.execute(sql`insert into batch_effects values (${event.text ?? ''})`);
          if (event.text === 'boom') throw new Error('engine failed');
          return { messages: [{ type: 'text' as const, text: `ok ${event.text}` }], locale: 'th' as const };
        },
        // The real batch: the conversations and the transcript the processor keeps around the engine.
        batch: (tx: Parameters<typeof createChatBatch>[0]) => createChatBatch(tx),
      };
      const decoder = {
        decode: async (payload: Record<string, unknown>) => ({
          person: { channel: 'webchat' as const, userId: String(payload.user) },
          event: { kind: 'text' as const, text: String(payload.text) },
        }),
      };
      await recordInbound(db, [
        { channel: 'webchat', eventId: 'e1', userKey: 'webchat:a', payload: { user: 'a', text: 'one' } },
        { channel: 'webchat', eventId: 'e2', userKey: 'webchat:b', payload: { user: 'b', text: 'boom' } },
        { channel: 'webchat', eventId: 'e3', userKey: 'webchat:c', payload: { user: 'c', text: 'three' } },
        { channel: 'webchat', eventId: 'e4', userKey: 'webchat:a', payload: { user: 'a', text: 'four' } },
      ]);
      const processor = createInboxProcessor({
        db,
        logger: (await import('../helpers/db.ts')).testLogger,
        engine: engine as never,
        decoders: { webchat: decoder },
        onQueued: () => undefined,
        concurrency: 1,
        batchSize: 10,
      });
      await processor.drain();
      const effects = await db.execute<{ event_id: string; n: number }>(sql`select event_id, count(*)::int as n from batch_effects group by 1 order by 1`);
      // The failed batch left nothing behind; each event then ran alone: the good ones once, the bad one rolled back.
      expect(effects.rows).toEqual([
        { event_id: 'four', n: 1 },
        { event_id: 'one', n: 1 },
        { event_id: 'three', n: 1 },
      ]);
      const inbox = await db.execute<{ event_id: string; status: string; attempts: number }>(sql`select event_id, status, attempts from chat_inbox order by event_id`);
      expect(inbox.rows.map((r) => [r.event_id, r.status])).toEqual([['e1', 'done'], ['e2', 'pending'], ['e3', 'done'], ['e4', 'done']]);
      const replies = await db.execute<{ dedupe_key: string }>(sql`select dedupe_key from outbox order by dedupe_key`);
      expect(replies.rows.map((r) => r.dedupe_key)).toEqual(['reply:webchat:e1', 'reply:webchat:e3', 'reply:webchat:e4']);
    } finally {
      await database.close();
    }
  });
});
