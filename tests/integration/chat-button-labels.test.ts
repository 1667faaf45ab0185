/**
 * Every button and quick reply the bot sends, gathered from whole conversations through the LINE and
 * Telegram fakes (browse, cart, "which one?", suggestions, checkout, orders, returns, hand-over), fits
 * its channel — LINE labels of at most 20 characters shown whole, Telegram callback data of at most 64
 * bytes, no button dropped — and is words a person reads: no SKU codes, no raw commands.
 */
import type { messagingApi } from '@line/bot-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import type { ChatChannel } from '#src/db/schema/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, sendLine, sendTelegram, settle, telegramEnv } from '../helpers/chat.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';
import { linePostbackEvent, lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { startFakeTelegramApi, tgCallbackUpdate, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';

const TG_SECRET = 'button-labels-telegram-secret-0123456789';
const CATALOG = [
  { sku: 'COF-MED-250', nameTh: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee medium roast 250 g', price: 32_000 },
  { sku: 'COF-DARK-250', nameTh: 'กาแฟดอยช้าง คั่วเข้ม 250 กรัม', nameEn: 'Doi Chang coffee dark roast 250 g', price: 33_000 },
  { sku: 'COF-MED-500', nameTh: 'กาแฟดอยช้าง คั่วกลาง 500 กรัม', nameEn: 'Doi Chang coffee medium roast 500 g', price: 59_000 },
  { sku: 'TEA-GREEN', nameTh: 'ชาเขียวมัทฉะ', nameEn: 'Matcha green tea', price: 12_000 },
  { sku: 'RICE-HOM5', nameTh: 'ข้าวหอมมะลิ 5 กก.', nameEn: 'Jasmine rice 5 kg', price: 21_500 },
  { sku: 'SOAP-TUR', nameTh: 'สบู่ขมิ้นชันสูตรอ่อนโยนสำหรับผิวแพ้ง่าย 100 กรัม', nameEn: 'Gentle turmeric soap for sensitive skin 100 g', price: 5_900 },
];
const SKUS = CATALOG.map((c) => c.sku);

let line: FakeLineApi;
let tg: FakeTelegramApi;
let t: TestApp;
let updateId = 9000;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  tg = await startFakeTelegramApi();
  t = await buildTestApp({
    ...lineEnv(line),
    ...telegramEnv(tg, TG_SECRET),
    SHOP_NAME: 'ร้านดอยช้าง',
    SHIPPING_FLAT_FEE: '50',
    RETURN_WINDOW_DAYS: '7',
    DATA_DIR: '/tmp/talad-test-button-labels',
  });
  for (const p of CATALOG) await makeProduct(t.database.db, { ...p, stock: { MAIN: 40 } });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
  await tg?.close();
});

/** A button as the customer sees it on a channel, and what pressing it sends. */
interface SeenButton {
  label: string;
  /** LINE: the label the engine gave (displayText), before the channel could cut it. */
  full?: string;
  data: string;
}

/** One channel driven the same way: type, press a button by its label, read the buttons of the last answer. */
interface Driver {
  type(text: string): Promise<void>;
  press(label: RegExp): Promise<void>;
  /** Buttons of every message of the last answer. */
  lastButtons(): SeenButton[];
  all(): SeenButton[];
  /** Buttons the engine put on the messages of the last answer, counted as the channel shows them. */
  lastCount(): number;
}

function lineActions(message: messagingApi.Message): SeenButton[] {
  const out: SeenButton[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    const action = (node as { action?: { type?: string; label?: string; data?: string; displayText?: string } }).action;
    if (action?.type === 'postback' && typeof action.label === 'string') out.push({ label: action.label, full: action.displayText, data: action.data ?? '' });
    for (const v of Object.values(node)) walk(v);
  };
  walk(message);
  return out;
}

function lineDriver(userId: string): Driver {
  let mark = 0;
  const delivered = () => line.sentMessages(userId);
  const since = () => delivered().slice(mark).flatMap((d) => lineActions(d.message));
  async function send(event: Parameters<typeof sendLine>[2][number]) {
    mark = delivered().length;
    expect((await sendLine(t.app, line.channelSecret, [event])).statusCode).toBe(200);
    await settle(t.app);
  }
  return {
    type: (text) => send(lineTextEvent({ userId, text })),
    async press(label) {
      const button = since().find((b) => label.test(b.full ?? b.label));
      expect(button, `LINE: no button ${label} in ${JSON.stringify(since().map((b) => b.full))}`).toBeDefined();
      await send(linePostbackEvent({ userId, data: button!.data }));
    },
    lastButtons: since,
    all: () => delivered().flatMap((d) => lineActions(d.message)),
    lastCount: () => since().length,
  };
}

function telegramDriver(chatId: number, languageCode: string): Driver {
  let mark = 0;
  const buttonsOf = (m: { replyMarkup?: unknown }): SeenButton[] => {
    const rows = (m.replyMarkup as { inline_keyboard?: { text: string; callback_data?: string }[][] } | undefined)?.inline_keyboard ?? [];
    return rows.flat().map((b) => ({ label: b.text, data: b.callback_data ?? '' }));
  };
  const since = () => tg.sentMessages(chatId).slice(mark).flatMap(buttonsOf);
  async function send(update: Parameters<typeof sendTelegram>[2]) {
    mark = tg.sentMessages(chatId).length;
    expect((await sendTelegram(t.app, TG_SECRET, update)).statusCode).toBe(200);
    await settle(t.app);
  }
  return {
    type: (text) => send(tgTextUpdate({ chatId, text, updateId: ++updateId, languageCode })),
    async press(label) {
      const button = since().find((b) => label.test(b.label));
      expect(button, `Telegram: no button ${label} in ${JSON.stringify(since().map((b) => b.label))}`).toBeDefined();
      await send(tgCallbackUpdate({ chatId, data: button!.data, updateId: ++updateId, languageCode }));
    },
    lastButtons: since,
    all: () => tg.sentMessages(chatId).flatMap(buttonsOf),
    lastCount: () => since().length,
  };
}

/** A delivered order of this chat customer, to ask a return of. */
async function deliveredOrder(channel: ChatChannel, externalId: string, language: 'th' | 'en') {
  const db = t.database.db;
  const { customer } = await withTransaction(db, (tx) => ensureChatIdentity(tx, { channel, externalId, language }));
  const { order } = await placeOrder(db, { ...orderInput(customer, [{ sku: 'SOAP-TUR', qty: 2 }, { sku: 'TEA-GREEN', qty: 1 }]), channel });
  for (const to of ['paid', 'confirmed', 'shipped', 'delivered'] as const) await transitionOrder(db, { number: order.number, to, actor: 'test', notify: false, billing: t.config.shop });
  return order.number;
}

/**
 * A whole conversation: browse, cart, "which one?", suggestions, checkout with its ways out, the order,
 * status and reorder, a return, a hand-over. Returns the number of buttons the engine offered at each
 * step, as the channel shows them, for the two channels to be compared.
 */
async function converse(d: Driver, lang: 'th' | 'en', returnOf: () => Promise<string>): Promise<number[]> {
  const counts: number[] = [];
  const step = async (act: () => Promise<void>) => {
    await act();
    counts.push(d.lastCount());
  };
  const th = lang === 'th';
  await step(() => d.type(th ? 'สวัสดีค่ะ' : 'hello'));
  await step(() => d.type(th ? 'เมนู' : 'menu'));
  await step(() => d.type(th ? 'ขอชาเขียว 2 ถุงค่ะ' : 'matcha 2'));
  // "Which one?" between coffees that differ in the middle of the name, quantity kept.
  await step(() => d.type(th ? 'กาแฟดอยช้าง 2 ถุง' : 'doi chang coffee 2'));
  await step(() => d.press(th ? /คั่วเข้ม/ : /dark/i));
  // Suggestions for a name the shop does not have.
  await step(() => d.type(th ? 'สบู่มะขาม 1 ก้อน' : 'tamarind soap 1'));
  await step(() => d.type(th ? 'ตะกร้า' : 'cart'));
  await step(() => d.type(th ? 'สั่งซื้อ' : 'checkout'));
  await step(() => d.type(th ? 'ส่งกี่วันคะ' : 'how many days for delivery?'));
  await step(() => d.type('ชื่อ สุดา รักดี โทร 0891234567 ที่อยู่ 12/3 ถ.เจริญกรุง แขวงบางรัก เขตบางรัก กรุงเทพ 10500'));
  await step(() => d.type(th ? 'แก้ที่อยู่' : 'change address'));
  await step(() => d.type('สุดา รักดี 0891234567 55 ถ.สีลม แขวงสีลม เขตบางรัก กรุงเทพ 10500'));
  await step(() => d.press(th ? /ยืนยัน/ : /confirm/i));
  await step(() => d.type(th ? 'สถานะ' : 'status'));
  await step(() => d.type(th ? 'สั่งซ้ำ' : 'reorder'));
  const number = await returnOf();
  await step(() => d.type(th ? `คืนสินค้า ${number}` : `return ${number}`));
  await step(() => d.press(th ? /^1\. สบู่ขมิ้น/ : /^1\. Gentle turmeric/));
  await step(() => d.type('1'));
  await step(() => d.press(th ? /เสร็จ|ถัดไป|ต่อไป/ : /done|next/i));
  await step(() => d.press(th ? /ชำรุด|เสียหาย/ : /damaged/i));
  await step(() => d.type(th ? 'ขอคุยกับแอดมินค่ะ' : 'talk to a person please'));
  await step(() => d.press(th ? /บอท/ : /bot/i));
  return counts;
}

const THAI = /[\u0E01-\u0E4E]/;
/** A product code; an order number (TL-10001) is the customer's own and reads fine. */
const CODE = /\b(?!TL-\d)[A-Z]{2,}(?:-[A-Z0-9]+)+\b/;

/** Words a person reads: not a SKU, not a command as typed ("TEA-GREEN x2", "return item 1", "/start"). */
function expectHuman(b: SeenButton, lang: 'th' | 'en', channel: string) {
  const shown = b.full ?? b.label;
  const where = `${channel} button "${shown}" (sends "${b.data}")`;
  expect(shown.trim(), where).not.toBe('');
  for (const sku of SKUS) expect(shown.toUpperCase(), where).not.toContain(sku);
  expect(shown, where).not.toMatch(CODE);
  expect(shown, where).not.toMatch(/^\//);
  expect(shown, where).not.toMatch(/\bx\d+$/);
  // A quantity to choose ("1", "2") is read as it is; anything else is words in the customer's language.
  if (/^\d{1,3}$/.test(shown)) return;
  if (lang === 'th') expect(shown, where).toMatch(THAI);
  else expect(shown, where).toMatch(/[a-z]/i);
  // An English command shown as it is typed ("return item 1", "reason damaged", "cancel return").
  if (/^[a-z]+(?: [a-z0-9-]+)+$/.test(b.data)) expect(shown, where).not.toBe(b.data);
}

describe('every button the bot sends fits its channel and reads as words', () => {
  for (const lang of ['th', 'en'] as const) {
    it(`in ${lang === 'th' ? 'Thai' : 'English'}, on LINE and Telegram`, async () => {
      const lineUser = lineUserId(`labels-${lang}`);
      line.setProfile(lineUser, { displayName: lang === 'th' ? 'สุดา' : 'Suda', language: lang });
      const chatId = lang === 'th' ? 8801 : 8802;
      const onLine = lineDriver(lineUser);
      const onTelegram = telegramDriver(chatId, lang);

      const lineCounts = await converse(onLine, lang, () => deliveredOrder('line', lineUser, lang));
      const tgCounts = await converse(onTelegram, lang, () => deliveredOrder('telegram', String(chatId), lang));

      const lineButtons = onLine.all();
      const tgButtons = onTelegram.all();
      expect(lineButtons.length).toBeGreaterThan(40);
      expect(tgButtons.length).toBeGreaterThan(40);
      for (const b of lineButtons) {
        // LINE shows at most 20 characters: the engine's label fits whole, the channel cut nothing.
        expect([...b.label].length, `LINE label "${b.label}"`).toBeLessThanOrEqual(20);
        expect(b.full, `LINE label "${b.label}" was cut from "${b.full}"`).toBe(b.label);
        expect(Buffer.byteLength(b.data, 'utf8'), `LINE data "${b.data}"`).toBeLessThanOrEqual(300);
        expectHuman(b, lang, 'LINE');
      }
      for (const b of tgButtons) {
        expect(Buffer.byteLength(b.data, 'utf8'), `Telegram callback data "${b.data}"`).toBeLessThanOrEqual(64);
        expect([...b.label].length, `Telegram label "${b.label}"`).toBeLessThanOrEqual(64);
        expectHuman(b, lang, 'Telegram');
      }
      // No button is dropped on Telegram (callback data too long): the same conversation shows the same
      // number of buttons at every step as on LINE.
      expect(tgCounts).toEqual(lineCounts);
    });
  }
});
