/**
 * The must-be-true list through the Telegram fake (chat-understanding.test.ts holds it through
 * LINE): a one-line labelled Thai address echoed back, a question at the address step answered with the
 * step kept, "ยกเลิก" at the summary leaving checkout with the cart kept, a hand-over (merchant told, bot
 * quiet, then back by the button), the shop's bank account without PromptPay, and one welcome when
 * "สวัสดี" is the first message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySettings } from '#src/modules/settings/index.ts';
import { decodeEntities, signIn } from '../helpers/admin.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendTelegram, settle, telegramCustomer, telegramEnv } from '../helpers/chat.ts';
import { makeProduct } from '../helpers/factories.ts';
import { startFakeTelegramApi, tgCallbackUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';

const SECRET = 'understanding-tg-secret-0123456789abcdef';
const MERCHANT_CHAT = -100_777_888_999;
let tg: FakeTelegramApi;
let t: TestApp;

beforeAll(async () => {
  tg = await startFakeTelegramApi();
  t = await buildTestApp({
    ...telegramEnv(tg, SECRET),
    SHOP_NAME: 'ร้านสมุนไพรบ้านสวน',
    SHIPPING_FLAT_FEE: '40',
    MERCHANT_TELEGRAM_CHAT_ID: String(MERCHANT_CHAT),
  });
  await makeProduct(t.database.db, { sku: 'BALM-GRN', nameTh: 'ยาหม่องเขียว', nameEn: 'Green balm', price: 4_500, stock: { MAIN: 30 } });
  await makeProduct(t.database.db, { sku: 'SOAP-TUR', nameTh: 'สบู่ขมิ้น', nameEn: 'Turmeric soap', price: 5_900, stock: { MAIN: 30 } });
});
afterAll(async () => {
  await t?.close();
  await tg?.close();
});

const say = telegramCustomer(() => t.app, () => tg, SECRET);

/** The inline buttons under the last message the customer got. */
function lastButtons(chatId: number): { text: string; callback_data?: string }[] {
  const last = tg.sentMessages(chatId).at(-1);
  return ((last?.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined)?.inline_keyboard ?? []).flat();
}

async function press(chatId: number, label: string) {
  const button = lastButtons(chatId).find((b) => b.text === label);
  expect(button, `no button ${label}: ${JSON.stringify(lastButtons(chatId).map((b) => b.text))}`).toBeDefined();
  const before = tg.sentTexts(chatId).length;
  await sendTelegram(t.app, SECRET, tgCallbackUpdate({ chatId, data: button!.callback_data!, languageCode: 'th' }));
  await settle(t.app);
  return tg.sentTexts(chatId).slice(before).join('\n');
}

const toMerchant = () => tg.sentTexts(MERCHANT_CHAT).join('\n');

describe('chat in ordinary Thai, through Telegram', () => {
  it('welcomes once when "สวัสดี" is the first message', async () => {
    const hello = await say(6101, 'สวัสดีค่ะ');
    expect(hello.match(/ยินดีต้อนรับ/g)).toHaveLength(1);
  });

  it('accepts a one-line labelled address, echoes it, and keeps a question at the address step', async () => {
    const chatId = 6102;
    expect(await say(chatId, 'ขอยาหม่องเขียว ๒ ขวดค่ะ')).toContain('ยาหม่องเขียว x2');
    expect(await say(chatId, 'สั่งซื้อ')).toContain('ชื่อผู้รับ');
    expect(lastButtons(chatId).map((b) => b.text)).toEqual(expect.arrayContaining(['แก้ตะกร้า', 'ยกเลิก', 'คุยกับแอดมิน']));

    const answered = await say(chatId, 'ส่งกี่วันคะ');
    expect(answered).toContain('ส่งคำถามให้ทางร้านแล้ว');
    expect(answered).toContain('ชื่อผู้รับ');
    expect(toMerchant()).toContain('ส่งกี่วันคะ');

    const summary = await say(chatId, 'ชื่อ นางสาวกานดา ทองคำ เบอร์ ๐๘๑-๒๓๔-๕๖๗๘ ที่อยู่ 77/5 หมู่ 2 ต.ช้างเผือก อ.เมืองเชียงใหม่ จ.เชียงใหม่ 50300');
    expect(summary).toContain('สรุปคำสั่งซื้อ');
    expect(summary).toContain('ชื่อ: กานดา ทองคำ');
    expect(summary).toContain('โทร: 081-234-5678');
    expect(summary).toContain('ที่อยู่: 77/5 หมู่ 2');
    expect(summary).toContain('จังหวัด: เชียงใหม่');
    expect(lastButtons(chatId).map((b) => b.text)).toEqual(expect.arrayContaining(['ยืนยัน', 'แก้ตะกร้า', 'ยกเลิก', 'คุยกับแอดมิน']));
  });

  it('"ยกเลิก" at the summary leaves checkout and keeps the cart', async () => {
    const chatId = 6103;
    await say(chatId, 'สบู่ขมิ้น 3 ก้อน');
    await say(chatId, 'สั่งซื้อ');
    expect(await say(chatId, 'สมปอง ดีใจ 0867778888 19 ถ.ศรีจันทร์ ต.ในเมือง อ.เมืองขอนแก่น จ.ขอนแก่น 40000')).toContain('สรุปคำสั่งซื้อ');
    expect(await press(chatId, 'ยกเลิก')).toContain('สินค้ายังอยู่ในตะกร้า');
    expect(await say(chatId, 'ตะกร้า')).toContain('สบู่ขมิ้น x3');
    // Out of checkout: "ยืนยัน" places nothing.
    expect(await say(chatId, 'ยืนยัน')).not.toMatch(/TL-\d+/);
  });

  it('hands over to a person: merchant told, bot quiet, then back by the button', async () => {
    const chatId = 6104;
    await say(chatId, 'สวัสดีครับ');
    const heard = tg.sentTexts(MERCHANT_CHAT).length;
    expect(await say(chatId, 'ขอคุยกับคนจริงครับ')).toContain('แอดมินจะมาตอบ');
    expect(tg.sentTexts(MERCHANT_CHAT).slice(heard).join('\n')).toContain('ขอคุยกับคนจริงครับ');
    const sent = tg.sentMessages(chatId).length;
    expect(await say(chatId, 'ยาหม่องเขียว 1')).toBe('');
    expect(tg.sentMessages(chatId)).toHaveLength(sent);
    expect(await press(chatId, 'คุยกับบอท')).toContain('กลับมาคุยกับบอท');
    expect(await say(chatId, 'ยาหม่องเขียว 1')).toContain('ยาหม่องเขียว x1');
  });

  it("without PromptPay names the shop's bank account in the order reply; with neither, the back office warns", async () => {
    expect(t.config.promptPayId).toBeUndefined();
    const owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
    // The dashboard says so: in the first hour's checklist while it shows, else on its own.
    const warning = async () => /data-testid="no-pay-to"|data-setup-item="payment"/.test((await owner.get('/admin')).body);
    const dashboard = decodeEntities((await owner.get('/admin')).body);
    expect(dashboard).toMatch(/ลูกค้ายังไม่รู้ว่าจะโอนเงินไปที่ไหน|ลูกค้ายังจ่ายเงินไม่ได้จนกว่าร้านจะมีบัญชีรับเงิน/);
    expect(dashboard).toContain('href="/admin/settings/payments"');
    expect(await warning()).toBe(true);
    applySettings(t.config, [{ section: 'payments', data: { accounts: [{ bank: '014', number: '987-6-54321-0', name: 'ร้านสมุนไพรบ้านสวน' }] } }]);
    try {
      const chatId = 6105;
      await say(chatId, 'สบู่ขมิ้น 2');
      await say(chatId, 'สั่งซื้อ');
      await say(chatId, 'ชื่อ ธนพล ศรีสวัสดิ์ โทร 0823334444 ที่อยู่ 3 ถ.ราชดำเนิน ต.ในเมือง อ.เมืองนครราชสีมา จ.นครราชสีมา 30000');
      const placed = await say(chatId, 'ยืนยัน');
      expect(placed).toMatch(/TL-\d+/);
      expect(placed).toContain('987-6-54321-0');
      expect(placed).toContain('ชื่อบัญชี ร้านสมุนไพรบ้านสวน');
      expect(await warning()).toBe(false);
    } finally {
      applySettings(t.config, []);
    }
  });
});
