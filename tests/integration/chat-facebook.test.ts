import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { chatInbox, customerIdentities, orders, outbox } from '#src/db/schema/index.ts';
import { sendReorderReminders, upcomingReminders } from '#src/jobs/customers.remind-reorder.job.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { buildApp } from '#src/app.ts';
import { makeUser, signIn } from '../helpers/admin.ts';
import { testLogger } from '../helpers/db.ts';
import { loadSlipManifest, slipFixturesDir } from '../fixtures/slips/fixtures.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { facebookEnv, sendFacebook, settle } from '../helpers/chat.ts';
import { makeProduct, orderInput, unpaidChatOrder } from '../helpers/factories.ts';
import {
  FAKE_INSTAGRAM_ID,
  FAKE_PAGE_ID,
  facebookWebhookRequest,
  fbDelivery,
  fbImage,
  fbPostback,
  fbQuickReply,
  fbRead,
  fbSticker,
  fbText,
  psid,
  signFacebookBody,
  startFakeGraphApi,
  type FakeGraphApi,
  type MessagingItemInput,
} from '../fakes/graph-api.ts';

let graph: FakeGraphApi;
let t: TestApp;

beforeAll(async () => {
  graph = await startFakeGraphApi();
  t = await buildTestApp({
    ...facebookEnv(graph),
    SHOP_NAME: 'ร้านทดสอบ',
    SHIPPING_FLAT_FEE: '40',
    PROMPTPAY_ID: '0812223333',
    // Meta fetches images itself, from the public address.
    PUBLIC_URL: 'https://shop.example.com',
    DATA_DIR: '/tmp/talad-test-facebook',
  });
  await makeProduct(t.database.db, { sku: 'COF-250', nameTh: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee 250 g', price: 32_000, stock: { MAIN: 50 } });
  await makeProduct(t.database.db, { sku: 'TEA-THAI', nameTh: 'ชาไทยตรามือ', nameEn: 'Thai tea mix', price: 14_500, stock: { MAIN: 50 } });
});
afterAll(async () => {
  await t?.close();
  await graph?.close();
});

type Channel = { object: 'page' | 'instagram'; to: string; name: 'facebook' | 'instagram' };
const messenger: Channel = { object: 'page', to: FAKE_PAGE_ID, name: 'facebook' };
const instagram: Channel = { object: 'instagram', to: FAKE_INSTAGRAM_ID, name: 'instagram' };

/** Sends items as one signed webhook, lets the conversation catch up; what the person received since. */
async function post(channel: Channel, personId: string, items: MessagingItemInput[]) {
  const before = graph.sent(personId).length;
  const res = await sendFacebook(t.app, graph.webhookRequest(channel.object, items));
  expect(res.statusCode).toBe(200);
  await settle(t.app);
  return graph.sent(personId).slice(before);
}
const textsOf = (sent: { message: { text?: string } }[]) => sent.flatMap((s) => (s.message.text ? [s.message.text] : [])).join('\n');
const say = async (channel: Channel, personId: string, text: string) => textsOf(await post(channel, personId, [fbText({ from: personId, to: channel.to, text })]));

const inboxCount = async () => (await t.database.db.execute<{ n: number }>(sql`select count(*)::int as n from chat_inbox`)).rows[0]!.n;
async function ordersOf(channel: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/orders?channel=${channel}&limit=200`, headers: auth });
  return res.json().items as { number: string; status: string; channel: string; customer: { name: string }; lines: { sku: string; qty: number }[]; total: { amount: number } }[];
}

describe('the webhook', () => {
  it('answers the verification GET with the challenge only for the right token', async () => {
    const ok = await t.app.inject({ method: 'GET', url: `/webhooks/facebook?hub.mode=subscribe&hub.verify_token=${graph.verifyToken}&hub.challenge=1158201444` });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toBe('1158201444');
    const wrong = await t.app.inject({ method: 'GET', url: '/webhooks/facebook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body).not.toContain('1158201444');
    const noMode = await t.app.inject({ method: 'GET', url: `/webhooks/facebook?hub.verify_token=${graph.verifyToken}&hub.challenge=1` });
    expect(noMode.statusCode).toBe(403);
  });

  it('refuses a forged, missing or wrongly keyed signature with 401 and stores nothing', async () => {
    const before = await inboxCount();
    const items = [fbText({ from: psid('forger'), text: 'เมนู' })];
    const { body, headers } = facebookWebhookRequest('page', items, graph.appSecret);
    const attempts = [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      { 'content-type': 'application/json', 'x-hub-signature-256': signFacebookBody(body, 'not-the-app-secret') },
      { 'content-type': 'application/json', 'x-hub-signature-256': headers['x-hub-signature-256'].replace('sha256=', 'sha1=') },
      { 'content-type': 'application/json', 'x-hub-signature-256': 'garbage' },
    ];
    for (const h of attempts) expect((await t.app.inject({ method: 'POST', url: '/webhooks/facebook', payload: body, headers: h })).statusCode).toBe(401);
    // A good signature over another body: the body was changed on the way.
    const tampered = body.replace('เมนู', 'ยืนยัน');
    expect((await t.app.inject({ method: 'POST', url: '/webhooks/facebook', payload: tampered, headers })).statusCode).toBe(401);
    expect(await inboxCount()).toBe(before);
    expect(graph.sent(items[0]!.sender.id)).toEqual([]);
  });

  it('stores a redelivered POST once and answers it once', async () => {
    const personId = psid('redelivered');
    const webhook = graph.webhookRequest('page', [fbText({ from: personId, text: 'เมนู' })]);
    const before = await inboxCount();
    for (let i = 0; i < 3; i++) expect((await sendFacebook(t.app, webhook)).statusCode).toBe(200);
    await settle(t.app);
    expect(await inboxCount()).toBe(before + 1);
    const answers = graph.sent(personId).length;
    expect(answers).toBeGreaterThan(0);
    await sendFacebook(t.app, webhook);
    await settle(t.app);
    expect(graph.sent(personId)).toHaveLength(answers);
  });

  it('keeps echoes in the inbox without answering them, and ignores read and delivery receipts', async () => {
    const personId = psid('echoed');
    await say(messenger, personId, 'สวัสดี');
    const echoes = graph.echoesOf(personId);
    expect(echoes.length).toBeGreaterThan(0);
    const before = await inboxCount();
    const sentBefore = graph.sent(personId).length;
    await post(messenger, personId, [...echoes, fbRead({ from: personId }), fbDelivery({ from: personId, mids: echoes.map((e) => e.message!.mid) })]);
    expect(await inboxCount()).toBe(before + echoes.length);
    expect(graph.sent(personId)).toHaveLength(sentBefore);
    const stored = await t.database.db.select().from(chatInbox).where(eq(chatInbox.userKey, `facebook:${personId}`));
    const echoRows = stored.filter((r) => (r.payload as { message?: { is_echo?: boolean } }).message?.is_echo);
    expect(echoRows).toHaveLength(echoes.length);
    expect(echoRows.every((r) => r.status === 'done')).toBe(true);
  });

  it('stores a postback without a mid once, by who pressed it when', async () => {
    const personId = psid('old-postback');
    const item = fbPostback({ from: personId, title: 'ตะกร้า', payload: 'cart', mid: null });
    const before = await inboxCount();
    const first = await post(messenger, personId, [item]);
    expect(first.length).toBeGreaterThan(0);
    expect(await post(messenger, personId, [item])).toEqual([]);
    expect(await inboxCount()).toBe(before + 1);
  });

  it('handles several entries and items from different people in one POST', async () => {
    const a = psid('batch-a');
    const b = psid('batch-b');
    const webhook = graph.webhookRequest('page', [[fbText({ from: a, text: 'เมนู' })], [fbText({ from: b, text: 'menu' }), fbSticker({ from: b, like: true })]]);
    expect((await sendFacebook(t.app, webhook)).statusCode).toBe(200);
    await settle(t.app);
    expect(graph.sent(a).length).toBeGreaterThan(0);
    expect(textsOf(graph.sent(b))).toContain('สติกเกอร์');
  });

  it('refuses a signed body that is not a webhook with 400, and acknowledges other objects', async () => {
    const bad = '{"object":"page","entry":"nope"}';
    expect((await t.app.inject({ method: 'POST', url: '/webhooks/facebook', payload: bad, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signFacebookBody(bad, graph.appSecret) } })).statusCode).toBe(400);
    const other = JSON.stringify({ object: 'user', entry: [{ id: '1', time: 1, changes: [] }] });
    expect((await t.app.inject({ method: 'POST', url: '/webhooks/facebook', payload: other, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signFacebookBody(other, graph.appSecret) } })).statusCode).toBe(200);
  });
});

describe.each([messenger, instagram])('ordering over $name', (channel) => {
  it('takes a Thai order from เมนู to ยืนยัน with a reply to every message; buttons send the same commands', async () => {
    const personId = psid(`thai-buyer-${channel.name}`);
    graph.setProfile(personId, { first_name: 'สมชาย', last_name: 'ใจดี' });
    const reply = (items: MessagingItemInput[]) => post(channel, personId, items);

    const menu = await reply([fbText({ from: personId, to: channel.to, text: 'เมนู' })]);
    expect(textsOf(menu)).toContain('ร้านทดสอบ');
    const carousel = menu.find((s) => s.message.attachment?.type === 'template')!.message.attachment!.payload.elements!;
    const coffee = carousel.find((e) => e.title.includes('กาแฟดอยช้าง'))!;
    expect(coffee.buttons![0]).toMatchObject({ type: 'postback', payload: 'COF-250 x1' });

    // The carousel's button, then the same product typed.
    expect(textsOf(await reply([fbPostback({ from: personId, to: channel.to, title: coffee.buttons![0]!.title, payload: coffee.buttons![0]!.payload! })]))).toContain('กาแฟดอยช้าง คั่วกลาง 250 กรัม x1');
    const added = await reply([fbText({ from: personId, to: channel.to, text: 'COF-250 x1' })]);
    expect(textsOf(added)).toContain('กาแฟดอยช้าง คั่วกลาง 250 กรัม x1');
    const checkout = added.at(-1)!.message.quick_replies!.find((q) => q.payload === 'checkout')!;
    expect(checkout.title!.length).toBeLessThanOrEqual(20);

    // A quick reply carries its command, whatever its title says.
    expect(textsOf(await reply([fbQuickReply({ from: personId, to: channel.to, title: checkout.title!, payload: checkout.payload! })]))).toContain('ชื่อผู้รับ');
    const summary = textsOf(await reply([fbText({ from: personId, to: channel.to, text: 'สมชาย ใจดี\n081-234-5678\n99 ถนนสุขุมวิท แขวงคลองเตย กรุงเทพฯ 10110' })]));
    expect(summary).toContain('สรุปคำสั่งซื้อ');
    expect(summary).toContain('฿680.00'); // 2 x 320 + 40 shipping
    const placed = await reply([fbText({ from: personId, to: channel.to, text: 'ยืนยัน' })]);
    const number = /TL-\d+/.exec(textsOf(placed))![0];
    // The PromptPay QR goes as an image Meta fetches from the shop.
    expect(placed.some((s) => s.message.attachment?.type === 'image' && s.message.attachment.payload.url?.startsWith('https://shop.example.com/'))).toBe(true);

    const mine = (await ordersOf(channel.name)).find((o) => o.number === number);
    expect(mine).toMatchObject({ status: 'pending_payment', channel: channel.name, lines: [{ sku: 'COF-250', qty: 2 }], total: { amount: 68_000 } });
    // Every message was answered inside the window, as RESPONSE, and Meta refused nothing.
    expect(graph.sent(personId).every((s) => s.messagingType === 'RESPONSE')).toBe(true);
    expect(graph.calls.filter((c) => c.status !== undefined && c.status >= 400 && c.path.endsWith('/me/messages'))).toEqual([]);
    // The name comes from the profile, kept with the chat identity.
    const [identity] = await t.database.db.select().from(customerIdentities).where(eq(customerIdentities.externalId, personId));
    expect(identity).toMatchObject({ channel: channel.name, displayName: 'สมชาย ใจดี' });
  });
});

// Throws when the fixtures are missing: a fresh clone runs these tests, never skips them.
loadSlipManifest();
const fixtures = slipFixturesDir;

describe('slip photos over Messenger and Instagram', () => {
  async function orderFor(seed: string, amount: number, paidAt: string) {
    const personId = psid(seed);
    return { personId, order: await unpaidChatOrder(t.database.db, { channel: seed.startsWith('ig-') ? 'instagram' : 'facebook', externalId: personId, amount, paidAt }) };
  }
  const statusOf = async (number: string) => (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: auth })).json().status as string;

  it('pays the order with a slip photo downloaded from the CDN', async () => {
    const { personId, order } = await orderFor('fb-slip', 5_826, '2026-01-22T07:04:00+07:00');
    const url = graph.cdnUrl(await readFile(path.join(fixtures, '02_bbl_clean.jpg')));
    const answer = textsOf(await post(messenger, personId, [fbImage({ from: personId, url })]));
    expect(answer).toContain('Slip checked');
    expect(await statusOf(order.number)).toBe('paid');
  });

  it('downloads the photo when the webhook arrives: a worker that reads it after the URL expired still pays the order', async () => {
    const { personId, order } = await orderFor('ig-slip-late', 12_800, '2026-06-24T14:44:00+07:00');
    const url = graph.cdnUrl(await readFile(path.join(fixtures, '10_ktb_clean.jpg')));
    // A web-only instance on the same database and data folder takes the webhook; no worker runs yet.
    const web = await buildApp(t.config, { database: t.database, logger: testLogger, skipBootstrap: true, scheduler: false, chat: { workers: false } });
    try {
      await web.ready();
      const res = await sendFacebook(web, graph.webhookRequest('instagram', [fbImage({ from: personId, to: FAKE_INSTAGRAM_ID, url })]));
      expect(res.statusCode).toBe(200);
      await web.chat.facebookMedia!.settled();
    } finally {
      await web.close();
    }
    graph.expireAttachments();
    const before = graph.sent(personId).length;
    await settle(t.app);
    expect(textsOf(graph.sent(personId).slice(before))).toContain('Slip checked');
    expect(await statusOf(order.number)).toBe('paid');
    // Fetched from the CDN once, on receipt.
    expect(graph.calls.filter((c) => c.path.startsWith('/cdn/') && url.includes(c.path))).toMatchObject([{ ok: true, status: 200 }]);
  });

  it('tells the customer when the photo could not be fetched, and the order still waits', async () => {
    const { personId, order } = await orderFor('fb-expired', 5_826, '2026-01-22T07:04:00+07:00');
    const url = graph.cdnUrl(await readFile(path.join(fixtures, '02_bbl_clean.jpg')), { ttlMs: -1 });
    const answer = textsOf(await post(messenger, personId, [fbImage({ from: personId, url })]));
    expect(answer).toContain('We could not fetch this picture. Please send it again.');
    expect(await statusOf(order.number)).toBe('pending_payment');
  });
});

describe('the 24-hour rule', () => {
  const HOUR = 3_600_000;
  const db = () => t.database.db;
  const identityOf = async (channel: string, personId: string) =>
    (await db().select().from(customerIdentities).where(eq(customerIdentities.externalId, personId))).find((i) => i.channel === channel)!;

  /** Time passes: the person last wrote `hours` ago, for the shop and for Meta alike. */
  async function quietFor(channel: Channel, personId: string, hours: number) {
    const at = new Date(Date.now() - hours * HOUR);
    await db()
      .update(customerIdentities)
      .set({ lastInboundAt: at })
      .where(and(eq(customerIdentities.channel, channel.name), eq(customerIdentities.externalId, personId)));
    graph.personWrote(personId, at);
  }

  const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.app.inject({ method, url: `/api/v1${url}`, headers: auth, ...(payload ? { payload } : {}) });

  it("keeps the time of each person's last message, as Meta sent it, on their chat identity", async () => {
    const personId = psid('window-clock');
    const wrote = Date.now() - 10 * 60_000;
    await post(messenger, personId, [fbText({ from: personId, text: 'สวัสดีค่ะ', timestamp: wrote })]);
    expect((await identityOf('facebook', personId)).lastInboundAt?.getTime()).toBe(wrote);
    // Read receipts and the page's own echoes are not the person writing.
    await post(messenger, personId, [fbRead({ from: personId }), ...graph.echoesOf(personId)]);
    expect((await identityOf('facebook', personId)).lastInboundAt?.getTime()).toBe(wrote);
    const later = Date.now() - 60_000;
    await post(messenger, personId, [fbPostback({ from: personId, title: 'เมนู', payload: 'menu', timestamp: later })]);
    expect((await identityOf('facebook', personId)).lastInboundAt?.getTime()).toBe(later);
  });

  it('sends order updates inside the window untagged, and a shipping update 30 hours after the last message tagged POST_PURCHASE_UPDATE', async () => {
    const personId = psid('window-shipping');
    const order = await unpaidChatOrder(db(), { channel: 'facebook', externalId: personId, amount: 45_000, paidAt: new Date().toISOString() });
    await quietFor(messenger, personId, 2);
    expect((await api('POST', `/orders/${order.number}/transitions`, { to: 'paid' })).statusCode).toBe(200);
    await settle(t.app);
    const paid = graph.sent(personId);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ messagingType: 'UPDATE', tag: undefined });
    expect(paid[0]!.message.text).toContain(order.number);

    expect((await api('POST', `/orders/${order.number}/transitions`, { to: 'confirmed' })).statusCode).toBe(200);
    await settle(t.app);
    await quietFor(messenger, personId, 30);
    expect((await api('POST', `/orders/${order.number}/shipments`, { carrier: 'Flash', trackingNumber: 'TH0123456789' })).statusCode).toBe(201);
    await settle(t.app);
    const shipped = graph.sent(personId).at(-1)!;
    expect(shipped).toMatchObject({ messagingType: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE' });
    expect(shipped.message.text).toContain('TH0123456789');
    // Meta refused nothing: no call was answered with the outside-window error.
    expect(graph.calls.filter((c) => c.refusal === 'outside-window')).toEqual([]);
    const rows = await db().select().from(outbox).where(sql`${outbox.dedupeKey} like ${`order:${order.number}:shipped%`}`);
    expect(rows).toMatchObject([{ status: 'sent', skipReason: null }]);
  });

  it("tags a staff member's reply HUMAN_AGENT after 24 hours, and holds it back after 7 days", async () => {
    const personId = psid('window-staff');
    const order = await unpaidChatOrder(db(), { channel: 'instagram', externalId: personId, amount: 14_500, paidAt: new Date().toISOString() });
    const staff = await signIn(t.app, (await makeUser(db(), 'owner', { language: 'th' })).email);
    await quietFor(instagram, personId, 30);
    const first = await staff.post(`/admin/orders/${order.number}/message`, { text: 'พัสดุจะส่งพรุ่งนี้นะคะ', messageId: randomUUID() });
    expect(first.statusCode).toBe(303);
    await settle(t.app);
    expect(graph.sent(personId)).toMatchObject([{ messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'พัสดุจะส่งพรุ่งนี้นะคะ' } }]);

    await quietFor(instagram, personId, 8 * 24);
    const late = randomUUID();
    expect((await staff.post(`/admin/orders/${order.number}/message`, { text: 'ยังต้องการสินค้าอยู่ไหมคะ', messageId: late })).statusCode).toBe(303);
    await settle(t.app);
    expect(graph.sent(personId)).toHaveLength(1);
    const [held] = await db().select().from(outbox).where(eq(outbox.dedupeKey, `order:${order.number}:staff-message:${late}`));
    expect(held).toMatchObject({ status: 'skipped', skipReason: 'outside_human_agent_window', attempts: 1 });
  });

  /** A customer of `channel` who bought the same tea 20 and 10 days ago: a reorder reminder is due now. */
  async function regular(channel: Channel, seed: string) {
    const personId = psid(seed);
    const { sku } = await makeProduct(db(), { nameTh: `ชาเขียวมัทฉะ ${seed}`, nameEn: `Matcha ${seed}`, price: 25_000, stock: { MAIN: 20 } });
    const { customer } = await withTransaction(db(), (tx) => ensureChatIdentity(tx, { channel: channel.name, externalId: personId, displayName: 'มาลี ศรีสุข', language: 'th' }));
    for (const daysAgo of [20, 10]) {
      const { order } = await placeOrder(db(), { ...orderInput(customer, [{ sku, qty: 1 }]), channel: channel.name });
      await transitionOrder(db(), { number: order.number, to: 'paid', actor: 't', notify: false, billing: t.config.shop });
      await db().update(orders).set({ createdAt: new Date(Date.now() - daysAgo * 86_400_000) }).where(eq(orders.id, order.id));
    }
    const [upcoming] = await upcomingReminders(db(), t.config, new Date(), customer.id);
    // Noon in Bangkok on the day it is due: outside the quiet hours.
    const due = new Date(upcoming!.dueAt.getTime() + 86_400_000);
    due.setUTCHours(5, 0, 0, 0);
    return { personId, customer, due };
  }

  it('does not send a reorder reminder 30 hours after the last message, and shows it as skipped on the messages page', async () => {
    const { personId, customer, due } = await regular(messenger, 'window-reminder-late');
    await quietFor(messenger, personId, 30);
    expect(await sendReorderReminders(db(), t.config, due)).toBeGreaterThanOrEqual(1);
    await settle(t.app);
    expect(graph.sent(personId)).toEqual([]);
    expect(graph.calls.filter((c) => c.refusal === 'outside-window')).toEqual([]);
    const [held] = await db().select().from(outbox).where(and(eq(outbox.recipient, personId), sql`${outbox.dedupeKey} like ${`reminder:${customer.id}:%`}`));
    expect(held).toMatchObject({ status: 'skipped', skipReason: 'outside_messaging_window', attempts: 1 });
    expect(held!.lastError).toContain('24 hours');

    const thai = await (await signIn(t.app, (await makeUser(db(), 'owner', { language: 'th' })).email)).get('/admin/messages');
    expect(thai.statusCode).toBe(200);
    const skippedThai = thai.body.slice(thai.body.indexOf('ไม่ได้ส่งตามกฎของช่องทาง'));
    expect(skippedThai).toContain(personId);
    expect(skippedThai).toContain('ลูกค้าทักมาล่าสุดเกิน 24 ชั่วโมงแล้ว');
    const english = await (await signIn(t.app, (await makeUser(db(), 'owner', { language: 'en' })).email)).get('/admin/messages');
    const skippedEnglish = english.body.slice(english.body.indexOf('Not sent by the channel rules'));
    expect(skippedEnglish).toContain(personId);
    expect(skippedEnglish).toContain('More than 24 hours since the customer last wrote');
    // Held back, not failed: nothing to send again.
    expect(english.body).not.toContain(`/admin/messages/${held!.id}/resend`);
  });

  it('sends a reorder reminder to someone who wrote 3 hours ago, as an UPDATE', async () => {
    const { personId, due } = await regular(instagram, 'window-reminder-recent');
    await quietFor(instagram, personId, 3);
    expect(await sendReorderReminders(db(), t.config, due)).toBeGreaterThanOrEqual(1);
    await settle(t.app);
    const [reminder] = graph.sent(personId);
    expect(reminder).toMatchObject({ messagingType: 'UPDATE', tag: undefined });
    expect(reminder!.message.text).toContain('ชาเขียวมัทฉะ');
  });
});
