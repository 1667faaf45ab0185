import { existsSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { orderHistory, paymentSlips, returnLines, returnRequests, type ChatChannel } from '#src/db/schema/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, sendLine, sendTelegram, settle, telegramEnv } from '../helpers/chat.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';
import { lineImageEvent, lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { startFakeTelegramApi, tgPhotoUpdate, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';

const MERCHANT_GROUP = `C${'fedcba9876543210'.repeat(2)}`;
const TG_SECRET = 'telegram-webhook-secret-returns-0123';
let line: FakeLineApi;
let tg: FakeTelegramApi;
let t: TestApp;
let updateId = 7000;

/** A small real photo, as a phone would send of a dented box. */
const photo = () => sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toBuffer();

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  tg = await startFakeTelegramApi();
  t = await buildTestApp({
    ...lineEnv(line),
    ...telegramEnv(tg, TG_SECRET),
    MERCHANT_LINE_TO: MERCHANT_GROUP,
    DATA_DIR: '/tmp/talad-test-chat-returns',
    RETURN_WINDOW_DAYS: '7',
  });
  await makeProduct(t.database.db, { sku: 'MUG-1', nameTh: 'แก้วมัคเซรามิก', nameEn: 'Ceramic mug', price: 25_000, stock: { MAIN: 50 } });
  await makeProduct(t.database.db, { sku: 'TEA-1', nameTh: 'ชาเขียวใบ', nameEn: 'Green tea leaves', price: 9_000, stock: { MAIN: 50 } });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
  await tg?.close();
});

/** A delivered order of this chat customer, placed in their channel. */
async function deliveredOrder(channel: ChatChannel, externalId: string, language: 'th' | 'en', status: 'delivered' | 'paid' = 'delivered') {
  const db = t.database.db;
  const { customer } = await withTransaction(db, (tx) => ensureChatIdentity(tx, { channel, externalId, language }));
  const { order } = await placeOrder(db, {
    ...orderInput(customer, [
      { sku: 'MUG-1', qty: 2 },
      { sku: 'TEA-1', qty: 1 },
    ]),
    channel,
  });
  const path = status === 'paid' ? ['paid'] : ['paid', 'confirmed', 'shipped', 'delivered'];
  for (const to of path) await transitionOrder(db, { number: order.number, to: to as 'paid', actor: 'test', notify: false, billing: t.config.shop });
  return order;
}

async function sayLine(userId: string, text: string) {
  const before = line.sentTexts(userId).length;
  expect((await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text })])).statusCode).toBe(200);
  await settle(t.app);
  return line.sentTexts(userId).slice(before).join('\n');
}

async function sayTelegram(chatId: number, text: string) {
  const before = tg.sentTexts(chatId).length;
  expect((await sendTelegram(t.app, TG_SECRET, tgTextUpdate({ chatId, text, updateId: ++updateId, languageCode: 'en' }))).statusCode).toBe(200);
  await settle(t.app);
  return tg.sentTexts(chatId).slice(before).join('\n');
}

const requestsOf = (orderId: number) => t.database.db.select().from(returnRequests).where(eq(returnRequests.orderId, orderId));

describe('asking for a return in chat', () => {
  it('takes a return in LINE in Thai: order → lines with qty → reason → photo → send, and the photo is not a slip', async () => {
    const userId = lineUserId('thai-returner');
    line.setProfile(userId, { displayName: 'น้องแพร', language: 'th' });
    const order = await deliveredOrder('line', userId, 'th');

    const lines = await sayLine(userId, `คืนสินค้า ${order.number}`);
    expect(lines).toContain(`คืนสินค้าจากคำสั่งซื้อ ${order.number}`);
    expect(lines).toContain('1. แก้วมัคเซรามิก x2');
    expect(lines).toContain('2. ชาเขียวใบ x1');
    // The line buttons carry the same commands a customer could type.
    expect(JSON.stringify(line.replies().at(-1)!.messages)).toContain('return item 1');

    expect(await sayLine(userId, 'return item 1')).toContain('ต้องการคืน แก้วมัคเซรามิก กี่ชิ้นคะ (1–2)');
    expect(await sayLine(userId, '5')).toContain('1 ถึง 2');
    const picked = await sayLine(userId, '1');
    expect(picked).toContain('แก้วมัคเซรามิก x1');
    expect(await sayLine(userId, 'เลือกเสร็จแล้ว')).toContain('เหตุผล');
    expect(await sayLine(userId, 'return reason damaged')).toContain('ส่งรูปสินค้า');

    const image = lineImageEvent({ userId });
    line.setContent(image.message.id, await photo(), 'image/jpeg');
    const before = line.sentTexts(userId).length;
    expect((await sendLine(t.app, line.channelSecret, [image])).statusCode).toBe(200);
    await settle(t.app);
    expect(line.sentTexts(userId).slice(before).join('\n')).toContain('ได้รับรูปแล้วค่ะ (1 รูป)');

    const sent = await sayLine(userId, 'ส่งคำขอคืน');
    const [request] = await requestsOf(order.id);
    expect(request).toBeDefined();
    expect(sent).toContain(`R-${request!.id}`);
    expect(request).toMatchObject({ status: 'requested', reason: 'damaged', customerId: order.customerId });
    expect(request!.photos).toHaveLength(1);
    expect(request!.photos[0]).toMatch(/return-photos\/[0-9a-f]{64}\.jpeg$/);
    expect(existsSync(request!.photos[0]!)).toBe(true);
    const rl = await t.database.db.select().from(returnLines).where(eq(returnLines.returnId, request!.id));
    expect(rl).toEqual([expect.objectContaining({ qty: 1 })]);
    // Not a payment slip: nothing recorded as one, and the order is still delivered.
    expect(await t.database.db.select().from(paymentSlips).where(eq(paymentSlips.orderId, order.id))).toHaveLength(0);
    // The merchant heard of it; the order's history notes it.
    expect(line.pushes().some((p) => p.to === MERCHANT_GROUP && JSON.stringify(p.messages).includes(`R-${request!.id}`))).toBe(true);
    const notes = await t.database.db.select().from(orderHistory).where(eq(orderHistory.orderId, order.id));
    expect(notes.at(-1)).toMatchObject({ fromStatus: 'delivered', toStatus: 'delivered', event: { kind: 'return.requested', params: { number: `R-${request!.id}` } }, note: 'damaged' });

    // A second request for the same order waits for the first.
    expect(await sayLine(userId, `คืนสินค้า ${order.number}`)).toContain(`มีคำขอคืนสินค้า R-${request!.id} อยู่แล้ว`);
  });

  it('takes a return in Telegram in English, with the reason in the customer’s own words and a photo', async () => {
    const chatId = 7101;
    const order = await deliveredOrder('telegram', String(chatId), 'en');
    expect(await sayTelegram(chatId, 'return')).toContain('Which order');
    const start = await sayTelegram(chatId, `return ${order.number}`);
    expect(start).toContain(`Return from order ${order.number}`);
    // The order was placed with Thai names; an English-speaking customer reads the catalog's English ones.
    expect(start).toContain('1. Ceramic mug x2');
    expect(await sayTelegram(chatId, 'return item 2')).toContain('To return:\n• Green tea leaves x1');
    expect(await sayTelegram(chatId, 'done')).toContain('Why are you returning it?');
    expect(await sayTelegram(chatId, 'return reason other')).toContain('tell us the reason');
    expect(await sayTelegram(chatId, 'The tea smells of smoke')).toContain('send photos');

    const update = tgPhotoUpdate({ chatId, updateId: ++updateId, languageCode: 'en' });
    const fileId = update.message!.photo!.at(-1)!.file_id;
    tg.setFile(fileId, await photo());
    const before = tg.sentTexts(chatId).length;
    expect((await sendTelegram(t.app, TG_SECRET, update)).statusCode).toBe(200);
    await settle(t.app);
    expect(tg.sentTexts(chatId).slice(before).join('\n')).toContain('Photo received (1)');

    const sent = await sayTelegram(chatId, 'send');
    const [request] = await requestsOf(order.id);
    expect(sent).toContain(`Your return request R-${request!.id} for order ${order.number} has been sent`);
    expect(request).toMatchObject({ status: 'requested', reason: 'The tea smells of smoke' });
    expect(request!.photos).toHaveLength(1);
    expect(await t.database.db.select().from(paymentSlips).where(eq(paymentSlips.orderId, order.id))).toHaveLength(0);
  });

  it('refuses politely outside the window, before delivery, and for someone else’s order', async () => {
    const userId = lineUserId('late-returner');
    line.setProfile(userId, { displayName: 'Late', language: 'en' });
    const late = await deliveredOrder('line', userId, 'en');
    await t.database.db
      .update(orderHistory)
      .set({ createdAt: new Date(Date.now() - 10 * 24 * 3600_000) })
      .where(and(eq(orderHistory.orderId, late.id), eq(orderHistory.toStatus, 'delivered')));
    expect(await sayLine(userId, `return ${late.number}`)).toContain('delivered more than 7 days ago');

    const unpaidOrPaid = await deliveredOrder('line', userId, 'en', 'paid');
    expect(await sayLine(userId, `return ${unpaidOrPaid.number}`)).toContain('once the order has been delivered');

    const other = await deliveredOrder('line', lineUserId('someone-else'), 'th');
    expect(await sayLine(userId, `return ${other.number}`)).toContain(`We could not find your order ${other.number}`);
    // "return" alone lists nothing: the only delivered order is past the window.
    expect(await sayLine(userId, 'return')).toContain('no order delivered in the last 7 days');
    expect(await requestsOf(late.id)).toHaveLength(0);
    expect(await requestsOf(other.id)).toHaveLength(0);
  });
});
