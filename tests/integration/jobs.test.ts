import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { chatInbox, orders, outbox } from '#src/db/schema/index.ts';
import { INBOX_RETENTION_DAYS } from '#src/jobs/conversations.prune-inbox.job.ts';
import { pruneInbound, recordInbound } from '#src/modules/conversations/index.ts';
import { alertLowStock } from '#src/jobs/inventory.alert-low-stock.job.ts';
import { sendDailySummary } from '#src/jobs/reports.send-daily-summary.job.ts';
import { createOutboxDispatcher } from '#src/jobs/outbox-dispatcher.ts';
import { sendReorderReminders, upcomingReminders } from '#src/jobs/customers.remind-reorder.job.ts';
import { expireUnpaidOrders } from '#src/jobs/orders.expire-unpaid.job.ts';
import { remindUnpaidOrders } from '#src/jobs/orders.remind-unpaid.job.ts';
import { ensureChatIdentity, updateCustomerContact } from '#src/modules/customers/index.ts';
import { setLowStockThreshold, listStock } from '#src/modules/inventory/index.ts';
import { deadMessages, resendDeadMessage, tellCustomer } from '#src/modules/notify/index.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { createLineClients, createLineSender } from '#bots/line/line.sender.ts';
import { createTelegramSender } from '#bots/telegram/telegram.bot.ts';
import { renderNotice } from '#templates/messages/index.ts';
import { createRateLimiter } from '#src/lib/rate-limiter.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, settle, telegramEnv } from '../helpers/chat.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';
import { lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { startFakeTelegramApi, type FakeTelegramApi } from '../fakes/telegram-api.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';

const MERCHANT_GROUP = `C${'fedcba9876543210'.repeat(2)}`;
let line: FakeLineApi;
let tg: FakeTelegramApi;
let t: TestApp;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  tg = await startFakeTelegramApi();
  t = await buildTestApp({
    ...lineEnv(line),
    ...telegramEnv(tg, 'jobs-secret-0123456789abcdef012345'),
    MERCHANT_LINE_TO: MERCHANT_GROUP,
    PROMPTPAY_ID: '0812223333',
  });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
  await tg?.close();
});

const db = () => t.database.db;

/** A customer known on a chat channel, with a placed order (created `hoursAgo` before `base`). */
/** An order placed in chat; with `base`, dated `hoursAgo` before it (the tests' "now" may be hours from the real one). */
async function chatOrder(channel: 'line' | 'telegram', userId: string, sku: string, qty = 1, hoursAgo = 0, base?: Date) {
  const { customer } = await withTransaction(db(), (tx) => ensureChatIdentity(tx, { channel, externalId: userId, language: 'th' }));
  const { order } = await placeOrder(db(), { ...orderInput(customer, [{ sku, qty }]), channel });
  if (hoursAgo || base) {
    await db().update(orders).set({ createdAt: new Date((base ?? new Date()).getTime() - hoursAgo * 3_600_000) }).where(eq(orders.id, order.id));
  }
  return { order, customer };
}

const noonBangkok = () => {
  const d = new Date();
  d.setUTCHours(5, 0, 0, 0); // 12:00 in Bangkok: outside quiet hours
  return d;
};

/**
 * The same moment, or the first hour after it outside the quiet hours (21:00-09:00 in Bangkok). Always
 * forward: at 01:40 in Bangkok the UTC date is still the day before, so setting a UTC hour went back.
 */
const outsideQuietHours = (d: Date) => {
  const next = new Date(d);
  const bangkokHour = () => (next.getUTCHours() + 7) % 24;
  while (bangkokHour() < 9 || bangkokHour() >= 21) next.setTime(next.getTime() + 3_600_000);
  return next;
};

describe('tracking numbers reach the customer', () => {
  it('sends one LINE push with the tracking number and a retry key when a shipment is recorded', async () => {
    const { sku } = await makeProduct(db(), { stock: { MAIN: 5 } });
    const userId = lineUserId('tracked');
    const { order } = await chatOrder('line', userId, sku);
    for (const to of ['paid', 'confirmed']) {
      await t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/transitions`, headers: auth, payload: { to } });
    }
    await settle(t.app);
    const before = line.pushes().filter((p) => p.to === userId).length;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${order.number}/shipments`,
      headers: auth,
      payload: { carrier: 'Kerry', trackingNumber: 'KEX0001234567' },
    });
    expect(res.statusCode).toBe(201);
    await settle(t.app);
    await settle(t.app);
    const pushes = line.pushes().filter((p) => p.to === userId).slice(before);
    expect(pushes).toHaveLength(1);
    expect(JSON.stringify(pushes[0]!.messages)).toContain('KEX0001234567');
    expect(JSON.stringify(pushes[0]!.messages)).toContain('th.kerryexpress.com');
    expect(pushes[0]!.retryKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends one Telegram message for a Telegram customer', async () => {
    const { sku } = await makeProduct(db(), { stock: { MAIN: 5 } });
    const { order } = await chatOrder('telegram', '777001', sku);
    await transitionOrder(db(), { number: order.number, to: 'paid', actor: 'test', notify: false, billing: t.config.shop });
    await transitionOrder(db(), { number: order.number, to: 'confirmed', actor: 'test', notify: false });
    await t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/shipments`, headers: auth, payload: { carrier: 'Flash', trackingNumber: 'TH99887766' } });
    await settle(t.app);
    await settle(t.app);
    const texts = tg.sentTexts(777001);
    expect(texts.filter((x) => x.includes('TH99887766'))).toHaveLength(1);
  });
});

describe('unpaid orders', () => {
  it('reminds once after the set time, and never an order paid meanwhile', async () => {
    const { sku } = await makeProduct(db(), { stock: { MAIN: 5 } });
    const now = noonBangkok();
    const unpaid = await chatOrder('line', lineUserId('unpaid'), sku, 1, 3, now);
    const paid = await chatOrder('line', lineUserId('paid-meanwhile'), sku, 1, 3, now);
    await transitionOrder(db(), { number: paid.order.number, to: 'paid', actor: 'test', notify: false, billing: t.config.shop });
    const fresh = await chatOrder('line', lineUserId('fresh'), sku, 1, 0, now);

    await remindUnpaidOrders(db(), t.config, now);
    await remindUnpaidOrders(db(), t.config, now);
    const reminders = await db().select().from(outbox).where(sql`${outbox.dedupeKey} like ${'order:%:pending_payment:reminder'}`);
    const numbers = reminders.map((r) => (r.payload as unknown as { params: { orderNumber: string } }).params.orderNumber);
    expect(numbers).toContain(unpaid.order.number);
    expect(numbers).not.toContain(paid.order.number);
    expect(numbers).not.toContain(fresh.order.number);
    expect(numbers.filter((n) => n === unpaid.order.number)).toHaveLength(1);
  });

  it('stays quiet at night', async () => {
    const night = noonBangkok();
    night.setUTCHours(16); // 23:00 in Bangkok
    expect(await remindUnpaidOrders(db(), t.config, night)).toBe(0);
  });

  it('cancels an order unpaid after the set time and makes its stock available again', async () => {
    const { sku } = await makeProduct(db(), { stock: { MAIN: 4 } });
    const old = await chatOrder('line', lineUserId('expired'), sku, 3, 25);
    expect((await listStock(db(), { sku }))[0]!.available).toBe(1);
    const expired = await expireUnpaidOrders(db(), t.config, new Date());
    expect(expired).toContain(old.order.number);
    expect(await expireUnpaidOrders(db(), t.config, new Date())).not.toContain(old.order.number);
    expect((await listStock(db(), { sku }))[0]!.available).toBe(4);
    const [row] = await db().select().from(orders).where(eq(orders.id, old.order.id));
    expect(row!.status).toBe('cancelled');
    const told = await db().select().from(outbox).where(eq(outbox.dedupeKey, `order:${old.order.number}:cancelled:expired`));
    expect(told).toHaveLength(1);
  });
});

describe('reorder reminders', () => {
  it('reminds a regular customer a little before they run out, once, and respects stop', async () => {
    const { sku, variant } = await makeProduct(db(), { nameTh: 'ข้าวหอมมะลิ', nameEn: 'Jasmine rice', stock: { MAIN: 50 } });
    const userId = lineUserId('regular-rice');
    const first = await chatOrder('line', userId, sku, 1, 24 * 20);
    const second = await chatOrder('line', userId, sku, 1, 24 * 10);
    await transitionOrder(db(), { number: first.order.number, to: 'paid', actor: 't', notify: false, billing: t.config.shop });
    await transitionOrder(db(), { number: second.order.number, to: 'paid', actor: 't', notify: false, billing: t.config.shop });

    const upcoming = await upcomingReminders(db(), t.config, new Date(), first.customer.id);
    expect(upcoming).toHaveLength(1);
    expect(upcoming[0]).toMatchObject({ sku, prediction: { basis: 'own-history' } });
    expect(Math.round(upcoming[0]!.prediction.intervalDays)).toBe(10);

    // Due two days before the predicted run-out (10 days after the last order).
    const due = outsideQuietHours(new Date(upcoming[0]!.dueAt.getTime() + 60_000));
    const early = new Date(due.getTime() - 3 * 86_400_000);
    expect(await sendReorderReminders(db(), t.config, early)).toBe(0);
    expect(await sendReorderReminders(db(), t.config, due)).toBeGreaterThanOrEqual(1);
    expect(await sendReorderReminders(db(), t.config, new Date(due.getTime() + 3_600_000))).toBe(0);
    const rows = await db().select().from(outbox).where(sql`${outbox.dedupeKey} like ${`reminder:${first.customer.id}:${variant.id}:%`}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toMatchObject({ template: 'reminder.reorder', params: { sku, product: 'ข้าวหอมมะลิ' } });

    // A customer who said stop hears nothing.
    const other = lineUserId('stopped-rice');
    const o1 = await chatOrder('line', other, sku, 1, 24 * 20);
    await chatOrder('line', other, sku, 1, 24 * 10);
    await updateCustomerContact(db(), o1.customer.id, { reminderOptOut: true });
    await sendReorderReminders(db(), t.config, due);
    const none = await db().select().from(outbox).where(sql`${outbox.dedupeKey} like ${`reminder:${o1.customer.id}:%`}`);
    expect(none).toHaveLength(0);
  });
});

describe('merchant alerts', () => {
  it('alerts low stock once per crossing of the threshold', async () => {
    const { sku, variant } = await makeProduct(db(), { stock: { MAIN: 6 } });
    await setLowStockThreshold(db(), variant.id, 5);
    expect(await alertLowStock(db(), t.config, new Date())).not.toContain(sku);
    // 5 left of a warning point of 5: low, as the back office's low-stock list shows it.
    await chatOrder('line', lineUserId('low-1'), sku, 1);
    expect(await alertLowStock(db(), t.config, new Date())).toContain(sku);
    expect(await alertLowStock(db(), t.config, new Date())).not.toContain(sku);
    await t.app.inject({ method: 'POST', url: '/api/v1/stock/adjustments', headers: auth, payload: { sku, delta: 10, reason: 'receive' } });
    expect(await alertLowStock(db(), t.config, new Date())).not.toContain(sku);
    await t.app.inject({ method: 'POST', url: '/api/v1/stock/adjustments', headers: auth, payload: { sku, delta: -12, reason: 'damage' } });
    expect(await alertLowStock(db(), t.config, new Date())).toContain(sku);
  });

  it('sends the daily summary once a day after the set hour', async () => {
    const evening = new Date();
    evening.setUTCHours(14, 0, 0, 0); // 21:00 in Bangkok
    const morning = new Date(evening);
    morning.setUTCHours(2); // 09:00
    expect(await sendDailySummary(db(), t.config, morning)).toBe(false);
    await sendDailySummary(db(), t.config, evening);
    await sendDailySummary(db(), t.config, new Date(evening.getTime() + 3_600_000));
    const rows = await db().select().from(outbox).where(sql`${outbox.dedupeKey} like ${'merchant:daily-summary:%'}`);
    expect(rows).toHaveLength(1);
  });
});

describe('housekeeping', () => {
  it('forgets handled chat events older than the retention, keeps recent, pending and failed ones', async () => {
    const now = new Date();
    const old = new Date(now.getTime() - (INBOX_RETENTION_DAYS + 1) * 86_400_000);
    const row = (eventId: string, status: 'done' | 'failed' | 'pending', receivedAt: Date) => ({
      channel: 'housekeeping',
      eventId,
      userKey: `housekeeping:${eventId}`,
      payload: {},
      status,
      receivedAt,
      // Not due: the running inbox processor leaves the pending one alone.
      availableAt: new Date(now.getTime() + 3_600_000),
    });
    await db()
      .insert(chatInbox)
      .values([row('hk-1', 'done', old), row('hk-2', 'failed', old), row('hk-3', 'pending', old), row('hk-4', 'done', now)]);

    expect(await pruneInbound(db(), new Date(now.getTime() - INBOX_RETENTION_DAYS * 86_400_000), 1)).toBe(1);
    const left = await db().select({ eventId: chatInbox.eventId }).from(chatInbox).where(eq(chatInbox.channel, 'housekeeping'));
    expect(left.map((r) => r.eventId).sort()).toEqual(['hk-2', 'hk-3', 'hk-4']);
    // A redelivery of the recent event is still recognised.
    expect(await recordInbound(db(), [{ channel: 'housekeeping', eventId: 'hk-4', userKey: 'housekeeping:hk-4', payload: {} }])).toEqual([]);
    await db().delete(chatInbox).where(eq(chatInbox.channel, 'housekeeping'));
  });
});

describe('delivery machinery', () => {
  // Only each test's own dispatcher sends here: the app's would take rows past the test's sender.
  beforeAll(() => t.app.chat.dispatcher.stop());
  afterAll(() => t.app.chat.dispatcher.start());

  async function queue(n: number, tag: string) {
    await withTransaction(db(), async (tx) => {
      for (let i = 0; i < n; i++) {
        await tellCustomer(
          tx,
          { channel: 'line', recipient: lineUserId(`${tag}-${i % 20}`), locale: 'th' },
          { kind: 'chat.messages', messages: [{ type: 'text', text: `${tag} message ${i}` }] },
          { key: `${tag}:${i}` },
        );
      }
    });
  }

  async function pending(tag: string) {
    const rows = await db().execute<{ n: number }>(sql`select count(*)::int as n from outbox where dedupe_key like ${`${tag}:%`} and status <> 'sent'`);
    return rows.rows[0]!.n;
  }

  /** Rows of a tag in one status. */
  async function inStatus(tag: string, status: string) {
    const rows = await db().execute<{ n: number }>(sql`select count(*)::int as n from outbox where dedupe_key like ${`${tag}:%`} and status = ${status}`);
    return rows.rows[0]!.n;
  }

  /** Every one of the tag's `n` messages reached LINE, each once. */
  function expectEachSentOnce(tag: string, n: number) {
    const texts = line.sentTexts().filter((x) => x.startsWith(`${tag} message`));
    expect(texts).toHaveLength(n);
    expect(new Set(texts).size).toBe(n);
  }

  it('delivers 200 messages exactly once while LINE fails 30% of calls', async () => {
    await queue(200, 'flaky');
    line.setFailureRate(0.3, [500, 429, 'timeout', 'lost-response'], 42, { hangMs: 300, retryAfterSeconds: 0 });
    const sender = createLineSender(createLineClients({ ...t.config.line! }), { timeoutMs: 150 });
    const dispatcher = createOutboxDispatcher({ db: db(), logger: t.app.log as never, render: renderNotice, senders: { line: sender }, backoffBaseMs: 10, maxAttempts: 30 });
    // Rounds until everything is out, bounded in minutes: on a loaded machine more calls time out.
    for (const deadline = Date.now() + WAIT_MS; (await pending('flaky')) > 0 && Date.now() < deadline; ) {
      await dispatcher.flush();
      await new Promise((r) => setTimeout(r, 30));
    }
    line.setFailureRate(0, []);
    expect(await pending('flaky')).toBe(0);
    expectEachSentOnce('flaky', 200);
  });

  it('spreads a burst of 1,000 Telegram messages within the rate limits and drops none', async () => {
    await withTransaction(db(), async (tx) => {
      for (let i = 0; i < 1000; i++) {
        await tellCustomer(
          tx,
          { channel: 'telegram', recipient: String(900_000 + (i % 50)), locale: 'th' },
          { kind: 'chat.messages', messages: [{ type: 'text', text: `burst message ${i}` }] },
          { key: `burst:${i}` },
        );
      }
    });
    // Telegram's limits scaled up tenfold so the test takes seconds, not a minute; the shape is the same.
    const limits = { overall: { perSecond: 300, burst: 30 }, perKey: { perSecond: 10, burst: 3 } };
    const bot = t.app.chat.telegramBot!;
    // When the limiter lets each message go, per chat: measured where the decision is made, not where a
    // busy event loop later delivers it.
    const limiter = createRateLimiter(limits);
    const grants: { key: string; at: number }[] = [];
    const recording = { take: async (key: string) => { await limiter.take(key); grants.push({ key, at: performance.now() }); } };
    const dispatcher = createOutboxDispatcher({
      db: db(),
      logger: t.app.log as never,
      render: renderNotice,
      senders: { telegram: createTelegramSender(bot, recording) },
      batchSize: 200,
    });
    const started = Date.now();
    while ((await pending('burst')) > 0) await dispatcher.flush();
    const calls = tg.calls.filter((c) => c.method === 'sendMessage' && c.ok && c.time >= started && String(c.params.text).startsWith('burst message'));
    expect(calls).toHaveLength(1000);
    expect(new Set(calls.map((c) => c.params.text)).size).toBe(1000);
    // No one-second window lets through more than the overall rate plus its burst, nor more than the per-chat rate to one chat.
    const times = grants.map((g) => g.at).sort((a, b) => a - b);
    let maxWindow = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 1000) j++;
      maxWindow = Math.max(maxWindow, i - j + 1);
    }
    expect(maxWindow).toBeLessThanOrEqual(limits.overall.perSecond + limits.overall.burst);
    const oneChat = grants.filter((g) => g.key === '900000').map((g) => g.at).sort((a, b) => a - b);
    expect(oneChat.length).toBe(20);
    for (let i = limits.perKey.burst + limits.perKey.perSecond; i < oneChat.length; i++) {
      expect(oneChat[i]! - oneChat[i - limits.perKey.perSecond - limits.perKey.burst]!).toBeGreaterThanOrEqual(990);
    }
  });

  it('marks a message dead after its last attempt, and sends it once when resent', async () => {
    const userId = lineUserId('dead-letter');
    await withTransaction(db(), (tx) =>
      tellCustomer(tx, { channel: 'line', recipient: userId, locale: 'th' }, { kind: 'chat.messages', messages: [{ type: 'text', text: 'dead letter' }] }, { key: 'dead:1' }),
    );
    line.failNext(3, 500);
    const sender = createLineSender(createLineClients({ ...t.config.line! }));
    const dispatcher = createOutboxDispatcher({ db: db(), logger: t.app.log as never, render: renderNotice, senders: { line: sender }, maxAttempts: 3, backoffBaseMs: 1 });
    for (let i = 0; i < 10 && (await pending('dead')) > 0; i++) {
      await dispatcher.flush();
      const [row] = await db().select().from(outbox).where(eq(outbox.dedupeKey, 'dead:1'));
      if (row!.status === 'dead') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const [dead] = await deadMessages(db());
    expect(dead).toMatchObject({ dedupeKey: 'dead:1', attempts: 3 });
    expect(dead!.lastError).toContain('500');
    expect(await resendDeadMessage(db(), dead!.id)).toBe(true);
    expect(await resendDeadMessage(db(), dead!.id)).toBe(false);
    await dispatcher.flush();
    expect(line.sentTexts(userId)).toEqual(['dead letter']);
  });

  it('does not send a reply again when the worker that delivered it died before recording it', async () => {
    const userId = lineUserId('reply-crash');
    const replyToken = line.issueReplyToken(userId);
    await withTransaction(db(), (tx) =>
      tellCustomer(
        tx,
        { channel: 'line', recipient: userId, locale: 'th' },
        { kind: 'chat.messages', messages: [{ type: 'text', text: 'reply-crash answer' }] },
        { key: 'reply-crash:1', replyToken, replyTokenExpiresAt: new Date(Date.now() + 50_000) },
      ),
    );
    // The worker's reply reaches LINE, then the process dies before it writes "sent".
    const real = createLineSender(createLineClients({ ...t.config.line! }));
    const dying = createOutboxDispatcher({
      db: db(),
      logger: t.app.log as never,
      render: renderNotice,
      senders: { line: { send: async (delivery) => { await real.send(delivery); await new Promise(() => undefined); } } },
      leaseMs: 300,
    });
    void dying.kick();
    await expect.poll(() => line.sentTexts(userId)).toEqual(['reply-crash answer']);
    await new Promise((r) => setTimeout(r, 400));
    const restarted = createOutboxDispatcher({ db: db(), logger: t.app.log as never, render: renderNotice, senders: { line: real } });
    await restarted.flush();
    expect(await pending('reply-crash')).toBe(0);
    // The retry tried the same reply token, LINE refused it as used: delivered once, never pushed.
    expect(line.sentTexts(userId)).toEqual(['reply-crash answer']);
    expect(line.pushes().filter((p) => p.to === userId)).toHaveLength(0);
  });

  it('picks up what a crashed worker had claimed, and sends it once', async () => {
    await queue(10, 'crash');
    // A worker that claims and then dies mid-send: its sender never returns.
    const crashed = createOutboxDispatcher({
      db: db(),
      logger: t.app.log as never,
      render: renderNotice,
      senders: { line: { send: () => new Promise(() => undefined) } },
      leaseMs: 300,
    });
    void crashed.kick();
    await expect.poll(() => inStatus('crash', 'sending')).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 400));
    const sender = createLineSender(createLineClients({ ...t.config.line! }));
    const restarted = createOutboxDispatcher({ db: db(), logger: t.app.log as never, render: renderNotice, senders: { line: sender } });
    await restarted.flush();
    expect(await pending('crash')).toBe(0);
    expectEachSentOnce('crash', 10);
  });

  it('records the deliveries of a batch while one send in it hangs: their leases running out sends nothing twice', async () => {
    await queue(20, 'hang');
    const stuck = lineUserId('hang-0');
    const real = createLineSender(createLineClients({ ...t.config.line! }));
    // One person's send never returns (until its timeout, in life); the other 19 people's go out at once.
    const first = createOutboxDispatcher({
      db: db(),
      logger: t.app.log as never,
      render: renderNotice,
      senders: { line: { send: (delivery) => (delivery.recipient === stuck ? new Promise(() => undefined) : real.send(delivery)) } },
      leaseMs: 2000,
    });
    void first.kick();
    // Recorded sent while the hanging send is still out, not when the batch ends.
    await expect.poll(() => inStatus('hang', 'sent'), { timeout: WAIT_MS, interval: 100 }).toBe(19);
    // Every lease of the batch has run out: another dispatcher takes over what is left, the hanging one.
    await new Promise((r) => setTimeout(r, 2100));
    const second = createOutboxDispatcher({ db: db(), logger: t.app.log as never, render: renderNotice, senders: { line: real } });
    await second.flush();
    expect(await pending('hang')).toBe(0);
    expectEachSentOnce('hang', 20);
  });
});
