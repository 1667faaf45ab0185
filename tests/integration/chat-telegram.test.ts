import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendTelegram, settle, telegramEnv } from '../helpers/chat.ts';
import { makeProduct } from '../helpers/factories.ts';
import { startFakeTelegramApi, tgCallbackUpdate, tgStartUpdate, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';

const SECRET = 'telegram-webhook-secret-1234567890';
let tg: FakeTelegramApi;
let t: TestApp;
let updateId = 1000;

beforeAll(async () => {
  tg = await startFakeTelegramApi();
  t = await buildTestApp({
    ...telegramEnv(tg, SECRET),
    SHOP_NAME: 'ร้านเทเลแกรม',
  });
  await makeProduct(t.database.db, { sku: 'COF-250', nameTh: 'กาแฟคั่วกลาง', nameEn: 'Medium roast coffee', price: 32_000, stock: { MAIN: 10 } });
  await makeProduct(t.database.db, { sku: 'SOAP-1', nameTh: 'สบู่ขมิ้น', nameEn: 'Turmeric soap', price: 5_900, stock: { MAIN: 10 } });
});
afterAll(async () => {
  await t?.close();
  await tg?.close();
});

async function say(chatId: number, text: string, languageCode: string | null = 'th') {
  const before = tg.sentTexts(chatId).length;
  const res = await sendTelegram(t.app, SECRET, tgTextUpdate({ chatId, text, updateId: ++updateId, languageCode }));
  expect(res.statusCode).toBe(200);
  await settle(t.app);
  return tg.sentTexts(chatId).slice(before).join('\n');
}

describe('ordering through Telegram', () => {
  it('takes an order: /start → menu → two products by text → checkout → confirm', async () => {
    const chatId = 5001;
    await sendTelegram(t.app, SECRET, tgStartUpdate({ chatId, updateId: ++updateId }));
    await settle(t.app);
    expect(tg.sentTexts(chatId).join('\n')).toContain('ร้านเทเลแกรม');
    expect(await say(chatId, 'เมนู')).toContain('COF-250');
    const added = await say(chatId, 'กาแฟ x2\nสบู่ 3');
    expect(added).toContain('กาแฟคั่วกลาง x2');
    expect(added).toContain('สบู่ขมิ้น x3');
    await say(chatId, 'สั่งซื้อ');
    expect(await say(chatId, 'วิภา สุขใจ\n0891112222\n45 ถนนนิมมานเหมินท์ เชียงใหม่ 50200')).toContain('สรุปคำสั่งซื้อ');
    expect(await say(chatId, 'ยืนยัน')).toMatch(/TL-\d+/);
    const orders = (await t.app.inject({ method: 'GET', url: '/api/v1/orders?channel=telegram', headers: auth })).json().items;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: 'pending_payment', total: { amount: 2 * 32_000 + 3 * 5_900 } });
    expect(orders[0].lines).toEqual(
      expect.arrayContaining([expect.objectContaining({ sku: 'COF-250', qty: 2 }), expect.objectContaining({ sku: 'SOAP-1', qty: 3 })]),
    );
  });

  it('answers inline-keyboard buttons and acknowledges every callback', async () => {
    const chatId = 5002;
    await say(chatId, 'menu', 'en');
    const withKeyboard = tg.sentMessages(chatId).at(-1)!;
    const buttons = (withKeyboard.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();
    const add = buttons.find((b) => b.callback_data === 'COF-250 x1')!;
    expect(add).toBeDefined();
    for (const b of buttons) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
    const res = await sendTelegram(t.app, SECRET, tgCallbackUpdate({ chatId, data: add.callback_data, updateId: ++updateId, languageCode: 'en' }));
    expect(res.statusCode).toBe(200);
    await settle(t.app);
    expect(tg.sentTexts(chatId).at(-1)).toContain('Medium roast coffee x1');
    expect(tg.answeredCallbacks()).toHaveLength(1);
  });

  it('processes a redelivered update once', async () => {
    const chatId = 5003;
    const update = tgTextUpdate({ chatId, text: 'SOAP-1 x1', updateId: ++updateId });
    for (let i = 0; i < 3; i++) expect((await sendTelegram(t.app, SECRET, update)).statusCode).toBe(200);
    await settle(t.app);
    // The greeting and the cart answer come as one reply; a second processing would send more.
    const texts = tg.sentTexts(chatId);
    expect(texts.filter((x) => x.includes('สบู่ขมิ้น x1'))).toHaveLength(1);
  });

  it('refuses an update without the secret token with 401 and stores nothing', async () => {
    const count = async () => (await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from chat_inbox where channel = 'telegram'`)).rows[0]!.n;
    const before = await count();
    expect((await sendTelegram(t.app, undefined, tgTextUpdate({ chatId: 5004, text: 'menu', updateId: ++updateId }))).statusCode).toBe(401);
    expect((await sendTelegram(t.app, 'wrong-secret', tgTextUpdate({ chatId: 5004, text: 'menu', updateId: ++updateId }))).statusCode).toBe(401);
    expect(await count()).toBe(before);
  });
});

describe('Telegram by long polling', () => {
  it('fetches updates itself when TELEGRAM_MODE=polling, with no webhook route', async () => {
    const fake = await startFakeTelegramApi();
    const polled = await buildTestApp({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_MODE: 'polling', TELEGRAM_API_ROOT: fake.apiRoot });
    try {
      await makeProduct(polled.database.db, { sku: 'POLL-1', nameTh: 'ขนมปัง', nameEn: 'Bread', stock: { MAIN: 5 } });
      fake.queueUpdate(tgTextUpdate({ chatId: 6001, text: 'POLL-1 x2', updateId: 1 }));
      await expect.poll(() => fake.sentTexts(6001).join('\n'), { timeout: WAIT_MS }).toContain('ขนมปัง x2');
      expect((await sendTelegram(polled.app, SECRET, tgTextUpdate({ chatId: 6001, text: 'menu', updateId: 2 }))).statusCode).toBe(404);
    } finally {
      await polled.close();
      await fake.close();
    }
  });
});
