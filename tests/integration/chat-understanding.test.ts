/**
 * The chat reading ordinary Thai through the channels: product lines as people type them, delivery
 * details on one line, a way out of every checkout step, hand-over to a person and one welcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, sendLine, sendTelegram, settle, telegramEnv } from '../helpers/chat.ts';
import { makeProduct } from '../helpers/factories.ts';
import { applySettings } from '#src/modules/settings/index.ts';
import { lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { startFakeTelegramApi, tgStartUpdate, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';

const MERCHANT_GROUP = `C${'fedcba9876543210'.repeat(2)}`;
const TG_SECRET = 'understanding-telegram-secret-0123456789abcdef';
let line: FakeLineApi;
let tg: FakeTelegramApi;
let t: TestApp;
let updateId = 7000;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  tg = await startFakeTelegramApi();
  t = await buildTestApp({
    ...lineEnv(line),
    ...telegramEnv(tg, TG_SECRET),
    SHOP_NAME: 'ร้านใบชา',
    SHIPPING_FLAT_FEE: '50',
    MERCHANT_LINE_TO: MERCHANT_GROUP,
  });
  await makeProduct(t.database.db, { sku: 'TEA-GREEN', nameTh: 'ชาเขียว', nameEn: 'Green tea', price: 12_000, stock: { MAIN: 20 } });
  await makeProduct(t.database.db, { sku: 'COF-MED', nameTh: 'กาแฟคั่วกลาง', nameEn: 'Medium roast coffee', price: 32_000, stock: { MAIN: 20 } });
  await makeProduct(t.database.db, { sku: 'SOAP-TUR', nameTh: 'สบู่ขมิ้น', nameEn: 'Turmeric soap', price: 5_900, stock: { MAIN: 20 } });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
  await tg?.close();
});

async function say(userId: string, text: string) {
  const before = line.sentTexts(userId).length;
  const res = await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text })]);
  expect(res.statusCode).toBe(200);
  await settle(t.app);
  return line.sentTexts(userId).slice(before).join('\n');
}

/** The quick-reply labels under the last message the customer got. */
function lastQuickReplies(userId: string): string[] {
  const reply = line.replies().filter((r) => r.userId === userId).at(-1)!;
  const last = reply.messages.at(-1) as { quickReply?: { items: { action: { label: string } }[] } };
  return last.quickReply?.items.map((i) => i.action.label) ?? [];
}

async function tgSay(chatId: number, text: string) {
  const before = tg.sentTexts(chatId).length;
  const res = await sendTelegram(t.app, TG_SECRET, tgTextUpdate({ chatId, text, updateId: ++updateId, languageCode: 'th' }));
  expect(res.statusCode).toBe(200);
  await settle(t.app);
  return tg.sentTexts(chatId).slice(before).join('\n');
}

describe('chat in ordinary Thai', () => {
  it('reads product lines as people type them and a one-line labelled address, echoed back', async () => {
    const u = lineUserId('understanding-address');
    expect(await say(u, 'ขอชาเขียว 1 ค่ะ')).toContain('ชาเขียว x1');
    expect(await say(u, 'กาแฟคั่วกลาง2ถุง และสบู่ขมิ้น ๓ ก้อน')).toMatch(/กาแฟคั่วกลาง x2[\s\S]*สบู่ขมิ้น x3/);
    const ask = await say(u, 'สั่งซื้อ');
    expect(ask).toContain('ชื่อผู้รับ');
    expect(lastQuickReplies(u)).toEqual(expect.arrayContaining(['แก้ตะกร้า', 'ยกเลิก', 'คุยกับแอดมิน']));
    const summary = await say(u, 'ชื่อ สมหญิง ใจดี โทร 089-555-1234 ที่อยู่ 99/1 ถ.สุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพ 10110');
    expect(summary).toContain('สรุปคำสั่งซื้อ');
    expect(summary).toContain('ชื่อ: สมหญิง ใจดี');
    expect(summary).toContain('โทร: 089-555-1234');
    expect(summary).toContain('ที่อยู่: 99/1 ถ.สุขุมวิท');
    expect(summary).toContain('จังหวัด: กรุงเทพมหานคร');
    expect(lastQuickReplies(u)).toEqual(expect.arrayContaining(['ยืนยัน', 'แก้ตะกร้า', 'ยกเลิก', 'คุยกับแอดมิน']));
  });

  it('asks only for what is missing, keeping what was given', async () => {
    const u = lineUserId('understanding-partial');
    await say(u, 'ชาเขียว 2');
    await say(u, 'สั่งซื้อ');
    const partial = await say(u, 'สมชาย มีสุข 0812223333');
    expect(partial).toContain('ชื่อ: สมชาย มีสุข');
    expect(partial).toContain('ยังขาดที่อยู่จัดส่ง');
    expect(partial).not.toContain('ชื่อผู้รับ');
    const summary = await say(u, '12 ม.3 ต.หนองหาร อ.สันทราย เชียงใหม่ 50290');
    expect(summary).toContain('สรุปคำสั่งซื้อ');
    expect(summary).toContain('ชื่อ: สมชาย มีสุข');
    expect(summary).toContain('จังหวัด: เชียงใหม่');
  });

  it('at the address step answers a question and adds a product line, and the step is kept', async () => {
    const u = lineUserId('understanding-question');
    await say(u, 'ชาเขียว 1');
    await say(u, 'สั่งซื้อ');
    const answered = await say(u, 'ส่งกี่วันคะ');
    expect(answered).toContain('ส่งคำถามให้ทางร้านแล้ว');
    expect(answered).toContain('ชื่อผู้รับ');
    // The merchant hears the question.
    expect(JSON.stringify(line.pushes().filter((p) => p.to === MERCHANT_GROUP).map((p) => p.messages))).toContain('ส่งกี่วันคะ');
    const added = await say(u, 'เอาสบู่ขมิ้นด้วย 2 ก้อน');
    expect(added).toContain('สบู่ขมิ้น x2');
    expect(added).toContain('ชื่อผู้รับ');
    const summary = await say(u, 'วิภา สุขใจ 0891112222 45 ถนนนิมมานเหมินท์ ต.สุเทพ อ.เมืองเชียงใหม่ จ.เชียงใหม่ 50200');
    expect(summary).toContain('สรุปคำสั่งซื้อ');
    expect(summary).toContain('สบู่ขมิ้น x2');
  });

  it('"ยกเลิก" at the summary leaves checkout and keeps the cart', async () => {
    const u = lineUserId('understanding-cancel');
    await say(u, 'กาแฟคั่วกลาง 1 ถุง');
    await say(u, 'สั่งซื้อ');
    expect(await say(u, 'ชื่อ อรุณี แสงทอง เบอร์ 0861234567 ที่อยู่ 7 ซ.รามคำแหง 24 แขวงหัวหมาก เขตบางกะปิ กรุงเทพ 10240')).toContain('สรุปคำสั่งซื้อ');
    expect(await say(u, 'ยกเลิก')).toContain('สินค้ายังอยู่ในตะกร้า');
    expect(await say(u, 'ตะกร้า')).toContain('กาแฟคั่วกลาง x1');
    // Out of checkout: "ยืนยัน" places nothing.
    expect(await say(u, 'ยืนยัน')).not.toMatch(/TL-\d+/);
  });

  it('hands over to a person: merchant notified, bot quiet, then back', async () => {
    const u = lineUserId('understanding-human');
    await say(u, 'สวัสดีค่ะ');
    const pushesBefore = line.pushes().filter((p) => p.to === MERCHANT_GROUP).length;
    expect(await say(u, 'ขอคุยกับแอดมินหน่อยค่ะ')).toContain('แอดมินจะมาตอบ');
    const toMerchant = line.pushes().filter((p) => p.to === MERCHANT_GROUP).slice(pushesBefore);
    expect(toMerchant).toHaveLength(1);
    expect(JSON.stringify(toMerchant[0]!.messages)).toContain('ขอคุยกับแอดมินหน่อยค่ะ');
    const repliesBefore = line.replies().filter((r) => r.userId === u).length;
    expect(await say(u, 'ชาเขียว 2')).toBe('');
    expect(line.replies().filter((r) => r.userId === u)).toHaveLength(repliesBefore);
    expect(await say(u, 'คุยกับบอท')).toContain('กลับมาคุยกับบอท');
    expect(await say(u, 'ชาเขียว 2')).toContain('ชาเขียว x2');
  });

  it('answers "มีอะไรขายบ้าง" with the menu and a price question from the catalog', async () => {
    const u = lineUserId('understanding-menu');
    await say(u, 'สวัสดี');
    await say(u, 'มีอะไรขายบ้าง');
    expect(JSON.stringify(line.replies().filter((r) => r.userId === u).at(-1)!.messages)).toContain('TEA-GREEN');
    expect(await say(u, 'ชาเขียวราคาเท่าไหร่คะ')).toMatch(/ชาเขียว ราคา ฿120\.00/);
  });

  it('welcomes once: "สวัสดี" as the first LINE message, /start in Telegram', async () => {
    const u = lineUserId('understanding-hello');
    const hello = await say(u, 'สวัสดีค่ะ');
    expect(hello.match(/ยินดีต้อนรับ/g)).toHaveLength(1);
    const chatId = 7101;
    await sendTelegram(t.app, TG_SECRET, tgStartUpdate({ chatId, updateId: ++updateId }));
    await settle(t.app);
    expect(tg.sentTexts(chatId).join('\n').match(/ยินดีต้อนรับ/g)).toHaveLength(1);
    expect(await tgSay(chatId, 'ขอชาเขียว 1 ค่ะ')).toContain('ชาเขียว x1');
  });

  it('without PromptPay names the shop\'s bank account from Settings in the order reply and the status; with none, says the shop will send details', async () => {
    expect(t.config.promptPayId).toBeUndefined();
    const u = lineUserId('understanding-bank');
    await say(u, 'สบู่ขมิ้น 1');
    await say(u, 'สั่งซื้อ');
    await say(u, 'ชื่อ ปรีชา ดวงดี โทร 0845556666 ที่อยู่ 5 ถ.มิตรภาพ ต.ในเมือง อ.เมืองขอนแก่น จ.ขอนแก่น 40000');
    // Nothing set: told that the shop will send the payment details.
    expect(await say(u, 'ยืนยัน')).toContain('ทางร้านจะส่งรายละเอียดการชำระเงิน');
    applySettings(t.config, [{ section: 'payments', data: { accounts: [{ bank: '004', number: '123-4-56789-0', name: 'บจก. ใบชา' }] } }]);
    try {
      await say(u, 'สบู่ขมิ้น 1');
      await say(u, 'สั่งซื้อ');
      await say(u, 'ใช้ที่อยู่เดิม');
      const placed = await say(u, 'ยืนยัน');
      expect(placed).toMatch(/TL-\d+/);
      expect(placed).toContain('ธนาคารกสิกรไทย 123-4-56789-0 ชื่อบัญชี บจก. ใบชา');
      expect(await say(u, 'สถานะ')).toContain('ธนาคารกสิกรไทย 123-4-56789-0');
    } finally {
      applySettings(t.config, []);
    }
  });
});
