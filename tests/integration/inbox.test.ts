import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { lineEnv, sendLine, sendTelegram, settle, telegramEnv } from '../helpers/chat.ts';
import { makeProduct } from '../helpers/factories.ts';
import { lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { startFakeTelegramApi, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';

const SECRET = 'telegram-webhook-secret-inbox-0123456789';
const MERCHANT_GROUP = `C${'a1b2c3d4e5f60718'.repeat(2)}`;
let line: FakeLineApi;
let tg: FakeTelegramApi;
let t: TestApp;
let staff: AdminClient;
let updateId = 7000;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  tg = await startFakeTelegramApi();
  t = await buildTestApp({
    ...lineEnv(line),
    ...telegramEnv(tg, SECRET),
    SHOP_NAME: 'ร้านป้าแดงของฝาก',
    MERCHANT_LINE_TO: MERCHANT_GROUP,
    // LINE fetches pictures over HTTPS only.
    PUBLIC_URL: 'https://shop.example.com',
  });
  await makeProduct(t.database.db, { sku: 'KHANOM-PIA', nameTh: 'ขนมเปี๊ยะไส้ถั่ว', nameEn: 'Bean pastry', price: 12_000, stock: { MAIN: 40 } });
  const user = await makeUser(t.database.db, 'staff', { name: 'น้องฝน', language: 'th' });
  staff = await signIn(t.app, user.email);
});
afterAll(async () => {
  await t?.close();
  await line?.close();
  await tg?.close();
});

async function lineSays(userId: string, text: string) {
  const res = await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text })]);
  expect(res.statusCode).toBe(200);
  await settle(t.app);
}

async function tgSays(chatId: number, text: string) {
  const res = await sendTelegram(t.app, SECRET, tgTextUpdate({ chatId, text, updateId: ++updateId, languageCode: 'th' }));
  expect(res.statusCode).toBe(200);
  await settle(t.app);
}

/** The inbox's id of the conversation with this chat id (read from the list's HTML link). */
async function conversationId(channel: string, externalId: string): Promise<number> {
  const { rows } = await t.database.db.execute<{ id: number }>(sql`
    select c.id from conversations c join customer_identities i on i.id = c.identity_id
    where i.channel = ${channel} and i.external_id = ${externalId}`);
  return Number(rows[0]!.id);
}

/** The list row of one conversation, as HTML. */
function rowOf(html: string, id: number): string {
  const start = html.indexOf(`data-conversation="${id}"`);
  expect(start).toBeGreaterThan(-1);
  return html.slice(start, html.indexOf('</li>', start));
}

describe('the chat inbox', () => {
  it('lists a LINE customer’s message with an unread count, and a staff reply reaches LINE once', async () => {
    const userId = lineUserId('inbox-line-customer');
    line.setProfile(userId, { displayName: 'คุณสมศรี', language: 'th' });
    await lineSays(userId, 'ขนมเปี๊ยะส่งต่างจังหวัดได้ไหมคะ');
    const id = await conversationId('line', userId);

    const list = await staff.get('/admin/inbox');
    expect(list.statusCode).toBe(200);
    const row = decodeEntities(rowOf(list.body, id));
    expect(row).toContain('คุณสมศรี');
    expect(row).toMatch(/data-unread="1"/);
    // The filters find it: unread, the channel, words of the message, not waiting.
    expect((await staff.get('/admin/inbox?unread=1&channel=line')).body).toContain(`data-conversation="${id}"`);
    expect((await staff.get(`/admin/inbox?q=${encodeURIComponent('ต่างจังหวัด')}`)).body).toContain(`data-conversation="${id}"`);
    expect((await staff.get('/admin/inbox?waiting=1')).body).not.toContain(`data-conversation="${id}"`);

    const page = await staff.get(`/admin/inbox/${id}`);
    expect(page.statusCode).toBe(200);
    expect(decodeEntities(page.body)).toContain('ขนมเปี๊ยะส่งต่างจังหวัดได้ไหมคะ');
    // Opening it reads it.
    expect((await staff.get('/admin/inbox')).body.includes(`data-unread`)).toBe(false);

    // Without the CSRF token nothing is sent.
    const messageId = randomUUID();
    const forged = await staff.post(`/admin/inbox/${id}/reply`, { kind: 'text', text: 'ส่งได้ค่ะ', messageId }, { csrf: false });
    expect(forged.statusCode).toBe(403);
    const before = line.sentTexts(userId).length;
    const sent = await staff.post(`/admin/inbox/${id}/reply`, { kind: 'text', text: 'ส่งได้ทั่วประเทศค่ะ ค่าส่ง 40 บาท', messageId });
    expect(sent.statusCode).toBe(303);
    // The same form posted again (a double click) is the same message.
    await staff.post(`/admin/inbox/${id}/reply`, { kind: 'text', text: 'ส่งได้ทั่วประเทศค่ะ ค่าส่ง 40 บาท', messageId });
    await settle(t.app);
    const delivered = line.sentTexts(userId).slice(before);
    expect(delivered.filter((x) => x === 'ส่งได้ทั่วประเทศค่ะ ค่าส่ง 40 บาท')).toHaveLength(1);
    // The bot answered the question already, so the reply token is spent: staff's reply is a push.
    expect(line.pushes().filter((p) => p.to === userId)).toHaveLength(1);
    const after = decodeEntities((await staff.get(`/admin/inbox/${id}`)).body);
    expect(after).toContain('ส่งได้ทั่วประเทศค่ะ ค่าส่ง 40 บาท');
    expect(after).toContain('น้องฝน');
    expect(after).toContain('นับรวมในโควตาข้อความรายเดือน');
    const { rows: audit } = await t.database.db.execute<{ action: string }>(sql`select action from admin_audit_log where target = ${`conversation:${id}`} order by id`);
    expect(audit.map((a) => a.action)).toEqual(['inbox.reply']);
  });

  it('after "take over" the bot keeps quiet on Telegram and the chat shows with a person; after "hand back" the bot answers again', async () => {
    const chatId = 880_101;
    await tgSays(chatId, 'สวัสดีค่ะ');
    const id = await conversationId('telegram', String(chatId));
    expect((await staff.post(`/admin/inbox/${id}/take-over`)).statusCode).toBe(303);

    const before = tg.sentTexts(chatId).length;
    await tgSays(chatId, 'เมนู');
    expect(tg.sentTexts(chatId).slice(before)).toEqual([]);
    const row = decodeEntities(rowOf((await staff.get('/admin/inbox')).body, id));
    expect(row).toContain('แอดมินตอบอยู่');
    expect(row).toContain('เมนู');

    // A staff reply is the only answer, and it reaches Telegram once.
    await staff.post(`/admin/inbox/${id}/reply`, { kind: 'text', text: 'วันนี้มีขนมเปี๊ยะไส้ถั่วค่ะ', messageId: randomUUID() });
    await settle(t.app);
    expect(tg.sentTexts(chatId).slice(before)).toEqual(['วันนี้มีขนมเปี๊ยะไส้ถั่วค่ะ']);

    expect((await staff.post(`/admin/inbox/${id}/hand-back`)).statusCode).toBe(303);
    await tgSays(chatId, 'เมนู');
    expect(tg.sentTexts(chatId).slice(before).join('\n')).toContain('KHANOM-PIA');
    const { rows: audit } = await t.database.db.execute<{ action: string; details: { from?: string; to?: string } }>(sql`
      select action, details from admin_audit_log where target = ${`conversation:${id}`} order by id`);
    expect(audit.map((a) => a.action)).toEqual(['inbox.take-over', 'inbox.reply', 'inbox.hand-back']);
    expect(audit[0]!.details).toMatchObject({ from: 'bot', to: 'person' });
  });

  it('a customer asking for a person waits (badge on every page, merchant told); the bot stays quiet on "เมนู"; the reply uses the free LINE reply token', async () => {
    const userId = lineUserId('inbox-line-waiting');
    const told = line.pushes().filter((p) => p.to === MERCHANT_GROUP).length;
    await lineSays(userId, 'ขอคุยกับแอดมินหน่อยค่ะ');
    expect(line.pushes().filter((p) => p.to === MERCHANT_GROUP)).toHaveLength(told + 1);
    const id = await conversationId('line', userId);
    const before = line.sentTexts(userId).length;
    const repliesBefore = line.replies().filter((r) => r.userId === userId).length;
    await lineSays(userId, 'เมนู');
    expect(line.sentTexts(userId).length).toBe(before);

    const waiting = await staff.get('/admin/inbox?waiting=1');
    const row = decodeEntities(rowOf(waiting.body, id));
    expect(row).toContain('รอแอดมินตอบ');
    expect(row).toContain('เมนู');
    // The nav badge counts waiting customers, on any page.
    const other = await staff.get('/admin/customers');
    expect(other.body).toMatch(/data-inbox-waiting[^>]*>1</);

    const page = decodeEntities((await staff.get(`/admin/inbox/${id}`)).body);
    expect(page).toContain('ตอบข้อความล่าสุดของลูกค้าได้ฟรี');
    await staff.post(`/admin/inbox/${id}/reply`, { kind: 'text', text: 'แอดมินมาแล้วค่ะ', messageId: randomUUID() }, { headers: { 'hx-request': 'true' } });
    await settle(t.app);
    const replies = line.replies().filter((r) => r.userId === userId).slice(repliesBefore);
    expect(JSON.stringify(replies)).toContain('แอดมินมาแล้วค่ะ');
    // Answering a waiting customer takes the conversation: with a person now, no longer waiting.
    expect((await staff.get('/admin/inbox?waiting=1')).body).not.toContain(`data-conversation="${id}"`);
    expect(decodeEntities(rowOf((await staff.get('/admin/inbox')).body, id))).toContain('แอดมินตอบอยู่');
  });

  it('sends a product card and keeps saved replies for the owner and admins', async () => {
    const userId = lineUserId('inbox-line-product');
    await lineSays(userId, 'มีขนมอะไรบ้างคะ');
    const id = await conversationId('line', userId);
    await staff.post(`/admin/inbox/${id}/reply`, { kind: 'product', sku: 'KHANOM-PIA', messageId: randomUUID() });
    await settle(t.app);
    expect(JSON.stringify(line.pushes().filter((p) => p.to === userId).at(-1)!.messages)).toContain('ขนมเปี๊ยะไส้ถั่ว');
    // Staff may not manage saved replies; the owner may.
    expect((await staff.get('/admin/inbox/replies')).statusCode).toBe(403);
    const owner = await signIn(t.app, (await makeUser(t.database.db, 'owner')).email);
    expect((await owner.post('/admin/inbox/replies', { title: 'ขอบคุณ', body: 'ขอบคุณคุณ{name}ค่ะ' })).statusCode).toBe(303);
    expect(decodeEntities((await owner.get(`/admin/inbox/${id}`)).body)).toMatch(/data-text="ขอบคุณคุณ.+ค่ะ"/);
  });

  it('sends a photo checked by its content, served publicly for LINE; a file that is not a picture is refused', async () => {
    const userId = lineUserId('inbox-line-photo');
    await lineSays(userId, 'ขอดูรูปสินค้าหน่อยค่ะ');
    const id = await conversationId('line', userId);
    const page = await staff.get(`/admin/inbox/${id}`);
    const messageId = /name="messageId" value="([^"]+)"/.exec(page.body)![1]!;
    const photo = await readFile(path.join(import.meta.dirname, '../fixtures/slips/02_bbl_clean.jpg'));
    const upload = (bytes: Buffer, csrf: string) => {
      const boundary = '----talad-inbox-photo';
      const part = (name: string, value: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      const body = Buffer.concat([
        Buffer.from(part('_csrf', csrf) + part('messageId', messageId) + part('caption', 'ขนมเปี๊ยะล็อตใหม่ค่ะ')),
        Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="photo"; filename="a.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`),
        bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return t.app.inject({ method: 'POST', url: `/admin/inbox/${id}/photo`, headers: { cookie: staff.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
    };
    expect((await upload(photo, 'not-the-token')).statusCode).toBe(403);
    expect((await upload(Buffer.from('%PDF-1.4 not a photo'), staff.csrf)).statusCode).toBe(400);
    expect((await upload(photo, staff.csrf)).statusCode).toBe(303);
    await settle(t.app);
    const sent = JSON.stringify(line.pushes().filter((p) => p.to === userId).at(-1)!.messages);
    const url = /"originalContentUrl":"([^"]+)"/.exec(sent)?.[1];
    expect(url).toMatch(/\/media\/chat\/[0-9a-f]{64}\.jpeg$/);
    const served = await t.app.inject({ method: 'GET', url: new URL(url!).pathname });
    expect(served.statusCode).toBe(200);
    expect(served.rawPayload.equals(photo)).toBe(true);
  });

  it('says a slip photo\'s verdict in the reader\'s language, not as its code', async () => {
    const userId = lineUserId('inbox-slip-verdict');
    await lineSays(userId, 'โอนแล้วนะคะ');
    const id = await conversationId('line', userId);
    await makeProduct(t.database.db, { sku: 'INBOX-SLIP', nameTh: 'ขนมเปี๊ยะไส้ถั่ว', nameEn: 'Mung bean pastry', price: 18_000, stock: { MAIN: 10 } });
    const number = await makeApiOrder(t.app, 'INBOX-SLIP', { customer: { name: 'วารี ทองดี', phone: '0894445566' } });
    const { rows } = await t.database.db.execute<{ id: number }>(sql`
      insert into payment_slips (order_id, image_path, image_sha256, bank, amount, verdict)
      select id, 'chat/inbox-slip-verdict.jpeg', ${'f'.repeat(64)}, 'BBL', 18000, 'review' from orders where number = ${number}
      returning id`);
    await t.database.db.execute(sql`
      insert into chat_messages (conversation_id, direction, sender, channel, kind, media_path, slip_id)
      values (${id}, 'in', 'customer', 'line', 'image', 'chat/inbox-slip-verdict.jpeg', ${rows[0]!.id})`);
    const page = decodeEntities((await staff.get(`/admin/inbox/${id}`)).body);
    expect(page).toContain('สลิป: รอตรวจ · ฿180.00 BBL');
    expect(page).not.toContain('สลิป: review');
  });

  it('a packer gets 403 on the inbox and sees no inbox in the menu', async () => {
    const packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
    expect((await packer.get('/admin/inbox')).statusCode).toBe(403);
    expect((await packer.get('/admin/inbox/1')).statusCode).toBe(403);
    expect((await packer.post('/admin/inbox/1/reply', { kind: 'text', text: 'x', messageId: randomUUID() })).statusCode).toBe(403);
    expect((await packer.get('/admin')).body).not.toContain('href="/admin/inbox"');
  });
});
