import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '#src/db/client.ts';
import { prioritiseCheckouts, urgently, waitingCheckouts } from '#src/db/priority.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, sendLine } from '../helpers/chat.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { WAIT_MS } from '../helpers/wait.ts';
import { lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';

let database: Database;
/** A one-connection pool with the priority line: the embedded database's own, or one like it on the server. */
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  if (database.kind === 'embedded') pool = database.pool;
  else {
    pool = new pg.Pool({ connectionString: (database.pool.options as { connectionString: string }).connectionString, max: 1 });
    prioritiseCheckouts(pool, { timeoutMs: 60_000, size: 1 });
  }
});
afterAll(async () => {
  if (pool && pool !== database.pool) await pool.end();
  await database?.close();
});

describe('the one connection of the embedded database', () => {
  it('serves work done urgently before the background work queued ahead of it, the rest in order', async () => {
    const held = await pool.connect();
    const done: string[] = [];
    const background = [1, 2, 3].map((i) => pool.query('select $1::int as n', [i]).then(() => done.push(`background ${i}`)));
    const transaction = (async () => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('select 1');
        await client.query('commit');
      } finally {
        client.release();
      }
      done.push('background transaction');
    })();
    const urgent = urgently(() => pool.query('select 1')).then(() => done.push('urgent'));
    held.release();
    await Promise.all([...background, transaction, urgent]);
    expect(done).toEqual(['urgent', 'background 1', 'background 2', 'background 3', 'background transaction']);
  });

  it('gives up on a checkout that waited past the timeout, and serves the next ones', async () => {
    // A stand-in for pg's pool (only connect is used): each checkout a new client, recording its release.
    const released: (string | undefined)[] = [];
    let made = 0;
    const fake = {
      connect: async () => {
        const id = ++made;
        return { id, release: (err?: Error) => released.push(err ? `${id}: ${err.message}` : `${id}`) } as unknown as pg.PoolClient;
      },
    } as unknown as pg.Pool;
    prioritiseCheckouts(fake, { timeoutMs: 50, size: 1 });
    const held = await fake.connect();
    await expect(fake.connect()).rejects.toThrow(/timeout exceeded/);
    expect(waitingCheckouts(fake)).toEqual({ urgent: 0, normal: 0 });
    held.release();
    const next = await fake.connect();
    next.release(new Error('lost'));
    // pg's own release answers a second call (it refuses it); the line is not moved twice.
    next.release();
    const last = await fake.connect();
    last.release();
    expect(released).toEqual(['1', '2: lost', '2', '3']);
  });
});

describe('a webhook while every connection is taken', () => {
  let line: FakeLineApi;
  let t: TestApp;
  beforeAll(async () => {
    line = await startFakeLineApi({ unknownProfiles: 'generate' });
    t = await buildTestApp(lineEnv(line));
  });
  afterAll(async () => {
    await t?.close();
    await line?.close();
  });

  // The embedded database's one connection, or all of a server pool's (taken by a burst of uploads and chat).
  it('is acknowledged ahead of the background statements queued before it', async () => {
    const db = t.database.db;
    const pool = t.database.pool;
    const held = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
    const done: string[] = [];
    const background = Array.from({ length: 10 }, (_, i) => db.execute(sql`select ${i}::int`).then(() => done.push('background')));
    const ack = sendLine(t.app, line.channelSecret, [lineTextEvent({ userId: lineUserId('busy-shop'), text: 'สวัสดีค่ะ' })]).then((res) => {
      done.push(`webhook ${res.statusCode}`);
    });
    // The webhook reaches its insert (it waits in the line) before one connection is given back.
    await expect.poll(() => waitingCheckouts(pool)?.urgent, { timeout: WAIT_MS, interval: 20 }).toBe(1);
    held.pop()!.release();
    await ack;
    for (const client of held) client.release();
    await Promise.all(background);
    // Served first; a background statement may finish on the connection it gave back while the
    // answer goes out. Without the line the webhook waits for all ten.
    expect(done.indexOf('webhook 200')).toBeLessThan(3);
    expect(done).toHaveLength(11);
  });
});
