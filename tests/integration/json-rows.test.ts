import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '#src/db/client.ts';
import { insertRows } from '#src/db/json-rows.ts';
import { outbox } from '#src/db/schema/index.ts';
import { createTestDatabase, onRealPostgres } from '../helpers/db.ts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

describe(`insertRows (${onRealPostgres ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('inserts in the order given, fills defaults, and returns rows as drizzle maps them', async () => {
    const texts = ['สวัสดีค่ะ', 'รับกาแฟ 2 ถุงค่ะ', 'โอนแล้วนะคะ', 'ขอบคุณค่ะ', 'ส่งเมื่อไหร่คะ'];
    const expires = new Date('2026-12-07T10:00:00.000Z');
    const rows = await insertRows(
      database.db,
      outbox,
      texts.map((text, i) => ({
        channel: 'line' as const,
        recipient: 'U-json-rows',
        payload: { kind: 'chat.messages', messages: [{ type: 'text', text }] } as never,
        dedupeKey: `json-rows:${texts.length - i}`,
        // Some rows give a value, others leave it out.
        ...(i % 2 ? { replyToken: `token-${i}`, replyTokenExpiresAt: expires } : {}),
      })),
    );
    const byKey = [...rows].sort((a, b) => a.id - b.id).map((r) => r.dedupeKey);
    // Ids follow the input's order (a customer's messages are sent in id order).
    expect(byKey).toEqual(texts.map((_, i) => `json-rows:${texts.length - i}`));
    const second = rows.find((r) => r.dedupeKey === 'json-rows:4')!;
    expect(second.payload).toEqual({ kind: 'chat.messages', messages: [{ type: 'text', text: 'รับกาแฟ 2 ถุงค่ะ' }] });
    expect(second.replyTokenExpiresAt).toEqual(expires);
    expect(second.createdAt).toBeInstanceOf(Date);
    const first = rows.find((r) => r.dedupeKey === 'json-rows:5')!;
    expect(first).toMatchObject({ status: 'pending', attempts: 0, replyToken: null, replyTokenExpiresAt: null });

    // On conflict, only the new rows come back.
    const again = await insertRows(
      database.db,
      outbox,
      ['json-rows:1', 'json-rows:6'].map((dedupeKey) => ({ channel: 'line' as const, recipient: 'U-json-rows', payload: { kind: 'chat.messages', messages: [] } as never, dedupeKey })),
      { onConflict: sql`(dedupe_key) do nothing` },
    );
    expect(again.map((r) => r.dedupeKey)).toEqual(['json-rows:6']);
    await database.db.execute(sql`delete from outbox where recipient = 'U-json-rows'`);
  });
});
