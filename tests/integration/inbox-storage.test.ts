import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, sendLine, settle } from '../helpers/chat.ts';
import { makeProduct } from '../helpers/factories.ts';
import { asLineRedelivery, lineStickerEvent, lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';

const MERCHANT_GROUP = `C${'fedcba9876543210'.repeat(2)}`;
let line: FakeLineApi;
let t: TestApp;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  t = await buildTestApp({ ...lineEnv(line), SHOP_NAME: 'ร้านใบเตย', MERCHANT_LINE_TO: MERCHANT_GROUP });
  await makeProduct(t.database.db, { sku: 'SOAP-HERB', nameTh: 'สบู่สมุนไพรขมิ้น', nameEn: 'Turmeric soap', price: 8_900, stock: { MAIN: 30 } });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
});

async function conversationOf(userId: string) {
  const { rows } = await t.database.db.execute<{ id: number; state: string; unread: number; last_message_id: number; handover_until: string | null }>(sql`
    select c.id, c.state, c.unread, c.last_message_id, c.handover_until from conversations c
    join customer_identities i on i.id = c.identity_id where i.channel = 'line' and i.external_id = ${userId}`);
  return rows[0];
}

async function transcript(conversationId: number) {
  const { rows } = await t.database.db.execute<{ id: number; direction: string; sender: string; kind: string; text: string | null; sticker: string | null; inbox_id: number | null; outbox_id: number | null }>(sql`
    select id, direction, sender, kind, text, sticker, inbox_id, outbox_id from chat_messages where conversation_id = ${conversationId} order by id`);
  return rows;
}

describe('the inbox transcript', () => {
  it('stores each inbound event and each queued answer once, in order, with the unread count', async () => {
    const userId = lineUserId('inbox-storage-1');
    line.setProfile(userId, { displayName: 'คุณมะลิ', language: 'th' });
    const hello = lineTextEvent({ userId, text: 'สวัสดีค่ะ มีสบู่ไหมคะ' });
    await sendLine(t.app, line.channelSecret, [hello]);
    await settle(t.app);
    // The same event delivered again adds nothing.
    await sendLine(t.app, line.channelSecret, [asLineRedelivery(hello)]);
    await sendLine(t.app, line.channelSecret, [lineStickerEvent({ userId })]);
    await settle(t.app);

    const c = (await conversationOf(userId))!;
    expect(c.state).toBe('bot');
    expect(c.unread).toBe(2);
    const rows = await transcript(c.id);
    const inbound = rows.filter((r) => r.direction === 'in');
    expect(inbound.map((r) => [r.kind, r.text])).toEqual([
      ['text', 'สวัสดีค่ะ มีสบู่ไหมคะ'],
      ['sticker', null],
    ]);
    // A sticker is kept as what LINE says it shows.
    expect(inbound.map((r) => r.sticker)).toEqual([null, 'Happy']);
    // Every answer the bot queued is in the transcript as the bot's, each after what it answers.
    const out = rows.filter((r) => r.direction === 'out');
    expect(out.length).toBeGreaterThanOrEqual(2);
    expect(out.every((r) => r.sender === 'bot' && r.outbox_id !== null)).toBe(true);
    expect(rows[0]!.direction).toBe('in');
    expect(out.some((r) => (r.text ?? '').includes('ร้านใบเตย'))).toBe(true);
    expect(Number(c.last_message_id)).toBe(Number(rows.at(-1)!.id));
    // One transcript row per outbox row and per inbox row.
    const { rows: dupes } = await t.database.db.execute(sql`
      select outbox_id from chat_messages where outbox_id is not null group by outbox_id having count(*) > 1
      union all select inbox_id from chat_messages where inbox_id is not null group by inbox_id having count(*) > 1`);
    expect(dupes).toHaveLength(0);
  });

  it('keeps the merchant’s notices out of customers’ transcripts and moves the conversation to waiting on "ขอคุยกับแอดมิน"', async () => {
    const userId = lineUserId('inbox-storage-2');
    await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text: 'ขอคุยกับแอดมินหน่อยค่ะ' })]);
    await settle(t.app);
    const c = (await conversationOf(userId))!;
    expect(c.state).toBe('waiting');
    expect(new Date(c.handover_until!).getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(line.pushes().filter((p) => p.to === MERCHANT_GROUP)).toHaveLength(1);
    const { rows } = await t.database.db.execute<{ n: number }>(sql`
      select count(*)::int as n from chat_messages m join outbox o on o.id = m.outbox_id where o.dedupe_key like 'merchant:%'`);
    expect(rows[0]!.n).toBe(0);
    // While waiting, the bot says nothing to a menu request; the message is still stored and unread.
    const before = line.sentTexts(userId).length;
    await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text: 'เมนู' })]);
    await settle(t.app);
    expect(line.sentTexts(userId).length).toBe(before);
    const after = (await conversationOf(userId))!;
    expect(after.unread).toBe(2);
    expect((await transcript(c.id)).at(-1)).toMatchObject({ direction: 'in', text: 'เมนู' });
  });

  it('stores webhooks that arrive together in one commit, each event once, and a record that cannot be stored fails only its own webhook', async () => {
    const people = Array.from({ length: 12 }, (_, i) => lineUserId(`inbox-burst-${i}`));
    const events = people.map((userId, i) => lineTextEvent({ userId, text: `สวัสดีค่ะ ขอดูสบู่หน่อย (${i + 1})` }));
    // Each event and its redelivery at once, as LINE does after a timeout.
    const answers = await Promise.all(events.flatMap((e) => [sendLine(t.app, line.channelSecret, [e]), sendLine(t.app, line.channelSecret, [asLineRedelivery(e)])]));
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 200));
    const { rows } = await t.database.db.execute<{ user_key: string; received_at: string }>(sql`
      select user_key, received_at::text from chat_inbox where user_key = any(${`{${people.map((p) => `line:${p}`).join(',')}}`}::text[])`);
    expect(rows.map((r) => r.user_key).sort()).toEqual(people.map((p) => `line:${p}`).sort());
    // Stored in fewer commits than webhooks: rows of one insert share its transaction's time.
    expect(new Set(rows.map((r) => r.received_at)).size).toBeLessThan(12);
    await settle(t.app);
    for (const userId of people) {
      const c = (await conversationOf(userId))!;
      expect((await transcript(c.id)).filter((r) => r.direction === 'in')).toHaveLength(1);
    }

    // A record the database refuses (jsonb cannot hold U+0000) stored beside good ones: only its webhook fails.
    const record = (userId: string, text: string) => ({ channel: 'line', eventId: `burst-${userId}`, userKey: `line:${userId}`, payload: lineTextEvent({ userId, text }) as unknown as Record<string, unknown> });
    const [a, b, c] = [lineUserId('inbox-burst-a'), lineUserId('inbox-burst-b'), lineUserId('inbox-burst-c')];
    const first = t.app.chat.receive([record(a, 'ขอบคุณค่ะ')]);
    const gathered = Promise.allSettled([
      t.app.chat.receive([record(b, 'พัง\u0000ข้อความ')]),
      t.app.chat.receive([record(c, 'รับสบู่ 1 ก้อนค่ะ')]),
    ]);
    expect(await first).toBe(1);
    const [bad, good] = await gathered;
    expect(bad.status).toBe('rejected');
    expect(good).toEqual({ status: 'fulfilled', value: 1 });
    const { rows: stored } = await t.database.db.execute<{ event_id: string }>(sql`select event_id from chat_inbox where event_id like 'burst-%' order by event_id`);
    expect(stored.map((r) => r.event_id).sort()).toEqual([`burst-${a}`, `burst-${c}`].sort());
    await settle(t.app);
  });
});
