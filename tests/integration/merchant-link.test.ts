import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { lineEnv, sendLine, sendTelegram, settle } from '../helpers/chat.ts';
import { lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { startFakeTelegramApi, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';
import { createLinkCode, MAX_CODES_PER_HOUR } from '#src/modules/notify/index.ts';

const TG_SECRET = 'telegram-webhook-secret-1234567890';
const MERCHANT_GROUP = `C${'fedcba9876543210'.repeat(2)}`;
let line: FakeLineApi;
let tg: FakeTelegramApi;
let t: TestApp;
let owner: AdminClient;
let updateId = 7000;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  tg = await startFakeTelegramApi();
  t = await buildTestApp({ ...lineEnv(line), TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: tg.apiRoot, SHOP_NAME: 'ร้านป้าแดง' });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
});
afterAll(async () => {
  await t?.close();
  await line?.close();
  await tg?.close();
});

/** Settings → notifications → "Make a code": the code as the page shows it once ("482 913"). */
async function makeCode(client = owner): Promise<string> {
  const res = await client.post('/admin/settings/notifications/link-code');
  expect(res.statusCode).toBe(200);
  const shown = /data-link-code>([\d ]+)</.exec(res.body)?.[1];
  expect(shown, res.body.slice(0, 500)).toMatch(/^\d{3} \d{3}$/);
  return shown!;
}

async function lineSay(userId: string, text: string, group?: string) {
  const event = lineTextEvent({ userId: group ?? userId, text });
  if (group) (event as { source: unknown }).source = { type: 'group', groupId: group, userId };
  expect((await sendLine(t.app, line.channelSecret, [event])).statusCode).toBe(200);
  await settle(t.app);
}

const customers = async () => (await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from customers`)).rows[0]!.n;

describe('linking merchant notifications with a one-time code', () => {
  it('links the LINE group the merchant sends the code from, answers in Thai, and stores only a hash', async () => {
    expect(t.config.merchant.lineTo).toBeUndefined();
    const page = await owner.get('/admin/settings/notifications');
    expect(page.body).toContain('สร้างรหัส');
    const code = await makeCode();
    const stored = (await t.database.db.execute<{ code_hash: string }>(sql`select code_hash from merchant_link_codes`)).rows;
    expect(stored.some((r) => r.code_hash.includes(code.replace(' ', '')))).toBe(false);
    expect(JSON.stringify(stored)).not.toContain(code.replace(' ', ''));

    const before = await customers();
    await lineSay(lineUserId('merchant-somchai'), code, MERCHANT_GROUP);
    expect(line.sentTexts(MERCHANT_GROUP).join('\n')).toContain('เชื่อมต่อแล้ว');
    expect(line.sentTexts(MERCHANT_GROUP).join('\n')).toContain('ร้านป้าแดง');
    expect(t.config.merchant.lineTo).toBe(MERCHANT_GROUP);
    // Nobody became a customer for sending a code.
    expect(await customers()).toBe(before);
    // Saved in Settings, so every process (and a restart) has it.
    await t.app.deps.settings.refresh();
    expect(t.app.deps.settings.values('notifications').lineTo).toBe(MERCHANT_GROUP);

    // The test message now reaches the group.
    const pushed = line.pushes().length;
    expect((await owner.post('/admin/settings/notifications/test')).statusCode).toBe(303);
    await settle(t.app);
    expect(line.pushes().slice(pushed).some((p) => p.to === MERCHANT_GROUP)).toBe(true);

    // Used once: the same code again, from someone else, links nothing and is an ordinary chat message.
    const stranger = lineUserId('stranger');
    await lineSay(stranger, code);
    expect(line.sentTexts(stranger).join('\n')).not.toContain('เชื่อมต่อแล้ว');
    expect(t.config.merchant.lineTo).toBe(MERCHANT_GROUP);
  });

  it('links a Telegram chat; a wrong or expired code links nothing and reaches the conversation', async () => {
    const merchantChat = 88_001;
    const code = await makeCode();
    const wrong = code === '000 000' ? '000001' : '000000';
    await sendTelegram(t.app, TG_SECRET, tgTextUpdate({ chatId: 88_002, text: wrong, updateId: ++updateId }));
    await settle(t.app);
    expect(tg.sentTexts(88_002).join('\n')).not.toContain('เชื่อมต่อแล้ว');
    expect(t.config.merchant.telegramChatId).toBeUndefined();

    await sendTelegram(t.app, TG_SECRET, tgTextUpdate({ chatId: merchantChat, text: code.replace(' ', '-'), updateId: ++updateId }));
    await settle(t.app);
    expect(tg.sentTexts(merchantChat).join('\n')).toContain('เชื่อมต่อแล้ว');
    expect(t.config.merchant.telegramChatId).toBe(String(merchantChat));
    // LINE's target stays as it was.
    expect(t.config.merchant.lineTo).toBe(MERCHANT_GROUP);

    // An expired code links nothing.
    const old = await createLinkCode(t.database.db, 'owner@example.com', new Date(Date.now() - 16 * 60_000));
    if (old === 'too_many') throw new Error('unexpected limit');
    await sendTelegram(t.app, TG_SECRET, tgTextUpdate({ chatId: 88_003, text: old.code, updateId: ++updateId }));
    await settle(t.app);
    expect(t.config.merchant.telegramChatId).toBe(String(merchantChat));
    expect(tg.sentTexts(88_003).join('\n')).not.toContain('เชื่อมต่อแล้ว');
  });

  it('limits how many codes a person makes an hour, and only owners and admins make them', async () => {
    const admin = await signIn(t.app, (await makeUser(t.database.db, 'admin')).email);
    for (let i = 0; i < MAX_CODES_PER_HOUR; i++) await makeCode(admin);
    const refused = await admin.post('/admin/settings/notifications/link-code');
    expect(refused.statusCode).toBe(429);
    expect(refused.body).not.toContain('data-link-code');
    const staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
    expect((await staff.post('/admin/settings/notifications/link-code')).statusCode).toBe(403);
    // CSRF: a form without the token is refused.
    expect((await owner.post('/admin/settings/notifications/link-code', {}, { csrf: false })).statusCode).toBe(403);
  });
});
