import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatRuntime, type ChatRuntime } from '#bots/chat-runtime.ts';
import { insideTransaction, withTransaction, type Database } from '#src/db/client.ts';
import { orders, paymentSlips } from '#src/db/schema/index.ts';
import { recordInbound } from '#src/modules/conversations/index.ts';
import type { SlipReader, SlipReading } from '#src/modules/payments/slips/index.ts';
import { testConfig } from '../helpers/app.ts';
import { lineEnv } from '../helpers/chat.ts';
import { createTestDatabase, testLogger } from '../helpers/db.ts';
import { makeCustomer, unpaidChatOrder } from '../helpers/factories.ts';
import { startFakeEasySlip } from '../fakes/easyslip-api.ts';
import { lineImageEvent, lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { startFakeTelegramApi, tgCallbackUpdate, tgPhotoUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';
import { slipFixturesDir } from '../fixtures/slips/fixtures.ts';
import { WAIT_MS } from '../helpers/wait.ts';

// The rule under test: no slip is read, and no channel or bank API called, while a database
// transaction is open (on the embedded database one open transaction holds its only connection).

let database: Database;
let runtime: ChatRuntime;
let line: FakeLineApi;
let tg: FakeTelegramApi;
let bank: Awaited<ReturnType<typeof startFakeEasySlip>>;

/** Everything slow that started inside a transaction: must stay empty. */
const violations: string[] = [];
const reads: string[] = [];
let updateId = 7000;
let unwatch: (() => void) | undefined;

/**
 * Fails the test later when `what` starts inside a transaction. Asked where the call starts, in the
 * caller's flow (insideTransaction), so another flow's transaction open at that moment (the outbox,
 * another worker) is not taken for the caller's.
 */
function mustBeOutsideTransactions(what: string) {
  if (insideTransaction()) violations.push(`${what} inside a transaction`);
}

/**
 * Every HTTP call the app makes, checked where it starts: fetch (the LINE SDK, EasySlip) and
 * http(s).request (grammY's node-fetch). Undone after the file.
 */
function watchOutgoingCalls(): () => void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    mustBeOutsideTransactions(`fetch ${input instanceof Request ? input.url : String(input)}`);
    return realFetch(input, init);
  }) as typeof fetch;
  const restore: (() => void)[] = [() => (globalThis.fetch = realFetch)];
  for (const mod of [http, https]) {
    const real = mod.request;
    mod.request = ((...args: unknown[]) => {
      const target = args[0];
      mustBeOutsideTransactions(`request ${typeof target === 'string' || target instanceof URL ? String(target) : String((target as { path?: string }).path)}`);
      return (real as (...a: unknown[]) => http.ClientRequest).apply(mod, args);
    }) as typeof mod.request;
    restore.push(() => (mod.request = real));
  }
  return () => restore.forEach((undo) => undo());
}

/** What the spy reader "reads" from each image (by its SHA-256): the slip the test means it to be. */
const slips = new Map<string, Omit<SlipReading, 'sha256'>>();

function slipReading(amount: number, transRef: string, at: string): Omit<SlipReading, 'sha256'> {
  return {
    isSlip: true,
    bank: '002',
    amount,
    datetime: new Date(at),
    transRef,
    receiver: { name: 'ร้านตลาดทดสอบ', account: 'xxx-x-x1234-x' },
    sender: { name: 'นาย สมชาย ใจดี', account: 'xxx-x-x5678-x' },
    qr: { payload: `0046000600000101030020225${transRef}5102TH9104ABCD`, crcValid: true },
    confidence: 0.97,
    fieldConfidence: { bank: 1, amount: 1, datetime: 1, transRef: 1, receiver: 1 },
    review: [],
    disagreements: [],
    rawText: '',
  };
}

const spyReader: SlipReader = {
  async ready() {},
  async read(bytes: Buffer) {
    mustBeOutsideTransactions('slip reading');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    reads.push(sha256);
    const known = slips.get(sha256);
    if (!known) throw new Error('the test registered no slip for this image');
    return { ...known, sha256 };
  },
  async close() {},
} as unknown as SlipReader;

const fixture = (file: string) => readFile(path.join(slipFixturesDir, file));
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const statusOf = async (id: number) => (await database.db.select({ status: orders.status }).from(orders).where(eq(orders.id, id)))[0]!.status;

async function deliver(channel: 'line' | 'telegram', eventId: string, userKey: string, payload: object) {
  await recordInbound(database.db, [{ channel, eventId, userKey, payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown> }]);
  for (let i = 0; i < 3; i++) {
    await runtime.processor.drain();
    await runtime.dispatcher.flush();
  }
}

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  tg = await startFakeTelegramApi();
  bank = await startFakeEasySlip();
  database = await createTestDatabase();
  const config = testConfig({
    ...lineEnv(line),
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    TELEGRAM_WEBHOOK_SECRET: 'telegram-webhook-secret-0123456789abcdef',
    SLIP_VERIFIER: 'easyslip',
    SLIP_VERIFIER_URL: bank.url,
    SLIP_VERIFIER_API_KEY: bank.apiKey,
    DATA_DIR: '/tmp/talad-test-no-slow-work',
  });
  runtime = await createChatRuntime({ config, database, logger: testLogger, secret: 'no-slow-work-secret-0123456789abcdef', slipReader: () => spyReader });
  unwatch = watchOutgoingCalls();
  // Customers made first, so chat customers' ids differ from their orders' ids.
  for (let i = 0; i < 3; i++) await makeCustomer(database.db);
});
afterAll(async () => {
  unwatch?.();
  await runtime?.stop();
  await database?.close();
  await line?.close();
  await tg?.close();
  await bank?.close();
});

describe('no slow work inside a transaction in chat', () => {
  it('the tracker sees a call made inside a transaction, and only there (so an empty list of violations means something)', async () => {
    await withTransaction(database.db, async () => {
      mustBeOutsideTransactions('probe');
      await fetch(`${bank.url}/probe`).catch(() => undefined);
    });
    mustBeOutsideTransactions('after the commit');
    // Another flow's open transaction is not this call's.
    let release: (() => void) | undefined;
    const held = withTransaction(database.db, () => new Promise<void>((resolve) => (release = resolve)));
    await expect.poll(() => release !== undefined, { timeout: WAIT_MS }).toBe(true);
    mustBeOutsideTransactions('beside another transaction');
    release!();
    await held;
    expect(violations.splice(0)).toEqual(['probe inside a transaction', `fetch ${bank.url}/probe inside a transaction`]);
  });

  it('a LINE slip: the profile, the download, the reading and the bank are all outside transactions, and the order is paid', async () => {
    const userId = lineUserId('no-tx-line-payer');
    const paidAt = '2026-03-14T10:20:00+07:00';
    const order = await unpaidChatOrder(database.db, { channel: 'line', externalId: userId, amount: 45_900, paidAt });
    const bytes = await fixture('02_bbl_clean.jpg');
    slips.set(sha(bytes), slipReading(45_900, 'NOTXLINE000001', paidAt));
    bank.register(slipReading(0, 'NOTXLINE000001', paidAt).qr!.payload, { transRef: 'NOTXLINE000001', amount: 459, date: paidAt });
    const event = lineImageEvent({ userId });
    line.setContent(event.message.id, bytes, 'image/jpeg');
    const callsBefore = line.calls.length;

    await deliver('line', event.webhookEventId, `line:${userId}`, event);

    // Read once, and the bank asked once for it.
    expect(reads.filter((r) => r === sha(bytes))).toHaveLength(1);
    expect(bank.calls.length).toBe(1);
    expect(line.calls.slice(callsBefore).some((c) => c.path.includes('/content'))).toBe(true);
    expect(line.calls.slice(callsBefore).some((c) => c.path.includes('/profile/'))).toBe(true);
    expect(await statusOf(order.id)).toBe('paid');
    const [slip] = await database.db.select().from(paymentSlips).where(eq(paymentSlips.orderId, order.id));
    expect(slip).toMatchObject({ verdict: 'accepted', transRef: 'NOTXLINE000001', imageSha256: sha(bytes) });
    expect(violations).toEqual([]);
  });

  it('a LINE photo from someone with no order awaiting payment is kept as a chat photo and never read', async () => {
    const userId = lineUserId('no-tx-no-order');
    const hello = lineTextEvent({ userId, text: 'สวัสดีค่ะ' });
    await deliver('line', hello.webhookEventId, `line:${userId}`, hello);
    const bytes = await fixture('05_bay_clean.jpg');
    const event = lineImageEvent({ userId });
    line.setContent(event.message.id, bytes, 'image/jpeg');
    const readsBefore = reads.length;

    await deliver('line', event.webhookEventId, `line:${userId}`, event);

    expect(reads.length).toBe(readsBefore);
    expect(line.calls.some((c) => c.path.includes(`/message/${event.message.id}/content`))).toBe(true);
    await readFile(path.join('/tmp/talad-test-no-slow-work', 'chat-photos', `${sha(bytes)}.jpeg`));
    expect(violations).toEqual([]);
  });

  it('a Telegram slip and a button press: getFile, the download, the reading and answerCallbackQuery are outside transactions', async () => {
    const chatId = 880_123;
    const paidAt = '2026-03-15T09:05:00+07:00';
    const order = await unpaidChatOrder(database.db, { channel: 'telegram', externalId: String(chatId), amount: 12_000, paidAt });
    const bytes = await fixture('10_ktb_clean.jpg');
    slips.set(sha(bytes), slipReading(12_000, 'NOTXTG0000001', paidAt));
    bank.register(slipReading(0, 'NOTXTG0000001', paidAt).qr!.payload, { transRef: 'NOTXTG0000001', amount: 120, date: paidAt });
    const photo = tgPhotoUpdate({ chatId, updateId: ++updateId });
    tg.setFile(photo.message!.photo!.at(-1)!.file_id, bytes);

    await deliver('telegram', String(photo.update_id), `telegram:${chatId}`, photo);

    expect(reads).toContain(sha(bytes));
    expect(tg.calls.some((c) => c.method === 'getFile')).toBe(true);
    expect(await statusOf(order.id)).toBe('paid');

    const press = tgCallbackUpdate({ chatId, data: 'status', updateId: ++updateId });
    await deliver('telegram', String(press.update_id), `telegram:${chatId}`, press);
    expect(tg.answeredCallbacks().map((a) => a.callbackQueryId)).toContain(press.callback_query!.id);
    expect(tg.sentTexts(chatId).join('\n')).toContain(order.number);
    expect(violations).toEqual([]);
  });
});
