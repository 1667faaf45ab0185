import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { buildApp } from '#src/app.ts';
import { dateFormats } from '#src/lib/dates.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendLine, settle, lineEnv } from '../helpers/chat.ts';
import { testLogger } from '../helpers/db.ts';
import { makeProduct } from '../helpers/factories.ts';
import { lineFollowEvent, lineStickerEvent, lineTextEvent, lineUserId, lineWebhookRequest, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';

const MERCHANT_GROUP = `C${'0123456789abcdef'.repeat(2)}`;
let line: FakeLineApi;
let t: TestApp;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  t = await buildTestApp({
    ...lineEnv(line),
    SHOP_NAME: 'ร้านทดสอบ',
    SHIPPING_FLAT_FEE: '40',
    MERCHANT_LINE_TO: MERCHANT_GROUP,
  });
  await makeProduct(t.database.db, { sku: 'COF-250', nameTh: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee 250 g', price: 32_000, stock: { MAIN: 10 } });
  await makeProduct(t.database.db, { sku: 'TEA-THAI', nameTh: 'ชาไทยตรามือ', nameEn: 'Thai tea mix', price: 14_500, stock: { MAIN: 3 } });
  await makeProduct(t.database.db, { sku: 'SNK-MANGO', nameTh: 'มะม่วงอบแห้ง', nameEn: 'Dried mango', price: 12_000, stock: { MAIN: 20 } });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
});

/** Sends one text as a signed LINE webhook and waits for the answer; returns what the customer read. */
async function say(userId: string, text: string, eventId?: string) {
  const before = line.sentTexts(userId).length;
  const res = await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text, webhookEventId: eventId })]);
  expect(res.statusCode).toBe(200);
  await settle(t.app);
  return line.sentTexts(userId).slice(before).join('\n');
}

async function ordersOf(channel: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/orders?channel=${channel}&limit=200`, headers: auth });
  return res.json().items as { number: string; status: string; channel: string; lines: { sku: string; qty: number }[]; total: { amount: number } }[];
}

describe('ordering through LINE', () => {
  it('takes an order in Thai: menu → SKU x2 → checkout → delivery → confirm, with a reply to every message', async () => {
    const userId = lineUserId('thai-buyer');
    line.setProfile(userId, { displayName: 'น้องนก', language: 'th' });

    expect(await say(userId, 'เมนู')).toContain('ร้านทดสอบ');
    const menuReply = line.replies().at(-1)!;
    expect(JSON.stringify(menuReply.messages)).toContain('COF-250');

    expect(await say(userId, 'COF-250 x2')).toContain('กาแฟดอยช้าง คั่วกลาง 250 กรัม x2');
    expect(await say(userId, 'สั่งซื้อ')).toContain('ชื่อผู้รับ');
    const summary = await say(userId, 'สมชาย ใจดี\n081-234-5678\n99 ถนนสุขุมวิท แขวงคลองเตย กรุงเทพฯ 10110');
    expect(summary).toContain('สรุปคำสั่งซื้อ');
    expect(summary).toContain('฿680.00'); // 2 x 320 + 40 shipping
    const confirmedAt = Date.now();
    const placed = await say(userId, 'ยืนยัน');
    expect(placed).toMatch(/TL-\d+/);
    // The chat keeps when the customer last wrote (as received), whatever the channel.
    const [identity] = (await t.database.db.execute<{ at: Date | string }>(sql`select last_inbound_at as at from customer_identities where channel = 'line' and external_id = ${userId}`)).rows;
    expect(new Date(identity!.at).getTime()).toBeGreaterThanOrEqual(confirmedAt - 1_000);

    const orders = await ordersOf('line');
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: 'pending_payment', channel: 'line', lines: [{ sku: 'COF-250', qty: 2 }], total: { amount: 68_000 } });
    // Every message was answered with its own reply token.
    expect(line.replies().filter((r) => r.userId === userId)).toHaveLength(5);
    expect(line.pushes().filter((p) => p.to === userId)).toHaveLength(0);
    // The merchant's group hears of the order once, by push with a retry key.
    const toMerchant = line.pushes().filter((p) => p.to === MERCHANT_GROUP);
    expect(toMerchant).toHaveLength(1);
    expect(JSON.stringify(toMerchant[0]!.messages)).toContain(orders[0]!.number);
    expect(toMerchant[0]!.retryKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('greets a new follower in their LINE language', async () => {
    const userId = lineUserId('follower');
    line.setProfile(userId, { displayName: 'Kate', language: 'en' });
    expect((await sendLine(t.app, line.channelSecret, [lineFollowEvent({ userId })])).statusCode).toBe(200);
    await settle(t.app);
    expect(line.sentTexts(userId).join('\n')).toContain('Hello and welcome to ร้านทดสอบ');
  });

  it('processes a redelivered event once: one order, one set of replies', async () => {
    const userId = lineUserId('redelivery');
    await say(userId, 'TEA-THAI x1');
    await say(userId, 'checkout');
    await say(userId, 'Jane Doe\n0899999999\n12 Sukhumvit Soi 11 Bangkok 10110');
    const confirm = lineTextEvent({ userId, text: 'confirm' });
    const before = (await ordersOf('line')).length;
    const repliesBefore = line.replies().length;
    for (let i = 0; i < 3; i++) {
      expect((await sendLine(t.app, line.channelSecret, [{ ...confirm, deliveryContext: { isRedelivery: i > 0 } }])).statusCode).toBe(200);
    }
    await settle(t.app);
    expect((await ordersOf('line')).length).toBe(before + 1);
    expect(line.replies().length).toBe(repliesBefore + 1);
  });

  it('orders in English with names and several lines in one message', async () => {
    const userId = lineUserId('english-buyer');
    line.setProfile(userId, { displayName: 'Tom', language: 'en' });
    expect(await say(userId, 'hello')).toContain('welcome');
    const added = await say(userId, 'dried mango x2, thai tea 1');
    expect(added).toContain('Dried mango x2');
    expect(added).toContain('Thai tea mix x1');
    await say(userId, 'checkout');
    await say(userId, 'Tom Smith\n+66 81 111 2222\n1 Silom Road, Bang Rak, Bangkok 10500');
    expect(await say(userId, 'confirm')).toContain('Order number TL-');
    const mine = (await ordersOf('line')).find((o) => o.lines.some((l) => l.sku === 'SNK-MANGO'));
    expect(mine?.lines).toEqual(expect.arrayContaining([expect.objectContaining({ sku: 'SNK-MANGO', qty: 2 }), expect.objectContaining({ sku: 'TEA-THAI', qty: 1 })]));
  });

  it('says so for an unknown product and for more than is in stock', async () => {
    const userId = lineUserId('picky');
    line.setProfile(userId, { displayName: 'Ann', language: 'en' });
    expect(await say(userId, 'unicorn horn x1')).toContain(`We don't have "unicorn horn"`);
    expect(await say(userId, 'dried mango x500')).toContain('Only 18 of Dried mango left.');
    expect(await say(userId, 'cofee x1')).toMatch(/Did you mean|Doi Chang/);
  });

  it('answers a sticker and anything it does not understand, never silence', async () => {
    const userId = lineUserId('chatty');
    line.setProfile(userId, { displayName: 'Bee', language: 'th' });
    await say(userId, 'สวัสดี');
    const res = await sendLine(t.app, line.channelSecret, [lineStickerEvent({ userId })]);
    expect(res.statusCode).toBe(200);
    await settle(t.app);
    expect(line.sentTexts(userId).at(-1)).toContain('สติกเกอร์');
    expect(await say(userId, 'อากาศดีจังวันนี้')).toContain('เมนู');
  });

  it('reorders the last order and cancels an unpaid one, releasing its stock', async () => {
    const userId = lineUserId('regular');
    line.setProfile(userId, { displayName: 'Ploy', language: 'en' });
    await say(userId, 'SNK-MANGO x3');
    await say(userId, 'checkout');
    await say(userId, 'Ploy\n0812223333\n5 Rama IV Road Bangkok 10330');
    const placed = await say(userId, 'confirm');
    const number = /TL-\d+/.exec(placed)![0];
    const stockBefore = (await t.app.inject({ method: 'GET', url: '/api/v1/stock?sku=SNK-MANGO', headers: auth })).json().items[0];

    expect(await say(userId, 'status')).toContain(number);
    expect(await say(userId, `cancel ${number}`)).toContain(`Order ${number} is cancelled.`);
    const stockAfter = (await t.app.inject({ method: 'GET', url: '/api/v1/stock?sku=SNK-MANGO', headers: auth })).json().items[0];
    expect(stockAfter.available).toBe(stockBefore.available + 3);

    expect(await say(userId, 'reorder')).toContain('Dried mango x3');
    // A returning customer is offered the saved address.
    expect(await say(userId, 'checkout')).toContain('5 Rama IV Road');
    expect(await say(userId, 'use saved address')).toContain('Order summary');
  });

  it('tells when to pay by: 4 hours for a first order, the usual 24 once the customer has paid before', async () => {
    const userId = lineUserId('pay-by');
    line.setProfile(userId, { displayName: 'มะลิ', language: 'th' });
    const payBy = async (hours: number) => {
      await say(userId, 'มะม่วงอบแห้ง 1 ถุงค่ะ');
      await say(userId, 'สั่งซื้อ');
      await say(userId, 'มะลิ ศรีสุข 089-876-5432 88/1 ถนนพหลโยธิน แขวงสามเสนใน เขตพญาไท กรุงเทพฯ 10400');
      const placed = await say(userId, 'ยืนยัน');
      const number = /TL-\d+/.exec(placed)![0];
      const order = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: auth })).json() as { createdAt: string };
      const due = dateFormats('th', 'Asia/Bangkok').dateTime(new Date(new Date(order.createdAt).getTime() + hours * 3_600_000));
      expect(placed).toContain(`กรุณาชำระภายใน ${due} น.`);
      return number;
    };
    const first = await payBy(4);
    const paid = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${first}/transitions`, headers: auth, payload: { to: 'paid' } });
    expect(paid.statusCode).toBe(200);
    await payBy(24);
  });

  it('refuses a forged signature with 401 and stores nothing', async () => {
    const count = async () => (await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from chat_inbox`)).rows[0]!.n;
    const before = await count();
    const { body } = lineWebhookRequest([lineTextEvent({ userId: lineUserId('forger'), text: 'เมนู' })], 'not-the-secret');
    const forged = await t.app.inject({
      method: 'POST',
      url: '/webhooks/line',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-line-signature': Buffer.from('x'.repeat(32)).toString('base64') },
    });
    expect(forged.statusCode).toBe(401);
    const unsigned = await t.app.inject({ method: 'POST', url: '/webhooks/line', payload: body, headers: { 'content-type': 'application/json' } });
    expect(unsigned.statusCode).toBe(401);
    const { body: b2, headers } = lineWebhookRequest([lineTextEvent({ userId: lineUserId('forger'), text: 'เมนู' })], 'wrong-secret');
    expect((await t.app.inject({ method: 'POST', url: '/webhooks/line', payload: b2, headers })).statusCode).toBe(401);
    expect(await count()).toBe(before);
  });

  it('keeps the cart and the step across a restart in the middle of a conversation', async () => {
    const userId = lineUserId('restart');
    line.setProfile(userId, { displayName: 'Mint', language: 'en' });
    await say(userId, 'COF-250 x1');
    await say(userId, 'checkout');
    // A new app instance on the same database, as after a restart or on a second server.
    await t.app.close();
    t.app = await buildApp(t.config, { database: t.database, logger: testLogger, skipBootstrap: true });
    await t.app.ready();
    expect(await say(userId, 'Mint\n0861234567\n8 Nimman Road Chiang Mai 50200')).toContain('Doi Chang coffee 250 g x1');
    expect(await say(userId, 'confirm')).toContain('Order number');
  });
});
