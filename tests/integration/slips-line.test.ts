import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { orders, paymentSlips } from '#src/db/schema/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { sendLine, settle, lineEnv } from '../helpers/chat.ts';
import { makeProduct, orderInput, unpaidChatOrder } from '../helpers/factories.ts';
import { startFakeEasySlip } from '../fakes/easyslip-api.ts';
import { lineImageEvent, lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';
import { loadSlipManifest, slipFixturesDir } from '../fixtures/slips/fixtures.ts';

// Throws when the fixtures are missing: a fresh clone runs these tests, never skips them.
loadSlipManifest();
const fixtures = slipFixturesDir;

let line: FakeLineApi;
let t: TestApp;

describe('payment slips sent in LINE', () => {
  beforeAll(async () => {
    line = await startFakeLineApi({ unknownProfiles: 'generate' });
    t = await buildTestApp({
      ...lineEnv(line),
      PROMPTPAY_ID: '0812223333',
      DATA_DIR: '/tmp/talad-test-slips',
      // LINE fetches images itself and only over HTTPS.
      PUBLIC_URL: 'https://shop.example.com',
    });
  });
  afterAll(async () => {
    await t?.close();
    await line?.close();
  });

  /** A LINE customer with an unpaid order of `amount` satang, placed just before `paidAt`. */
  async function orderFor(seed: string, amount: number, paidAt: string) {
    const userId = lineUserId(seed);
    line.setProfile(userId, { displayName: seed, language: 'en' });
    return { userId, order: await unpaidChatOrder(t.database.db, { channel: 'line', externalId: userId, amount, paidAt }) };
  }

  async function sendImage(userId: string, file: string) {
    const event = lineImageEvent({ userId });
    line.setContent(event.message.id, await readFile(path.join(fixtures, file)), file.endsWith('.png') ? 'image/png' : 'image/jpeg');
    const before = line.sentTexts(userId).length;
    expect((await sendLine(t.app, line.channelSecret, [event])).statusCode).toBe(200);
    await settle(t.app);
    return line.sentTexts(userId).slice(before).join('\n');
  }

  const orderStatus = async (number: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: auth })).json() as { status: string; payments: { amount: { amount: number }; status: string }[] };
  const slipsOf = async (orderId: number) => t.database.db.select().from(paymentSlips).where(eq(paymentSlips.orderId, orderId));

  it('marks an order paid when its exact amount arrives as a good slip, and tells the customer', async () => {
    const { userId, order } = await orderFor('bbl-payer', 5_826, '2026-01-22T07:04:00+07:00');
    const reply = await sendImage(userId, '02_bbl_clean.jpg');
    expect(reply).toContain('Slip checked');
    const after = await orderStatus(order.number);
    expect(after.status).toBe('paid');
    expect(after.payments).toMatchObject([{ status: 'confirmed', amount: { amount: 5_826 } }]);
    expect(await slipsOf(order.id)).toMatchObject([{ verdict: 'accepted', bank: 'BBL', transRef: '2601220704565456033', amount: 5_826 }]);
  });

  it('takes two slips for one order: the first is a part payment, the second pays the rest', async () => {
    const { userId, order } = await orderFor('two-slips', 5_975 + 10_000, '2026-04-21T02:24:00+07:00');
    const first = await sendImage(userId, '06_bbl_rotated_on_background.jpg');
    expect(first).toContain('is still to pay');
    expect((await orderStatus(order.number)).status).toBe('pending_payment');
    await sendImage(userId, '01_ttb_downscaled_recompressed.jpg');
    const after = await orderStatus(order.number);
    expect(after.status).toBe('paid');
    expect(after.payments.map((p) => p.amount.amount).sort()).toEqual([10_000, 5_975]);
  });

  it('sends the same slip on another order to review as a duplicate', async () => {
    const { userId, order } = await orderFor('reuser', 5_826, '2026-01-22T07:04:00+07:00');
    const reply = await sendImage(userId, '27_neg_duplicate_ref_bbl.jpg');
    expect(reply).toContain('checking it');
    expect((await orderStatus(order.number)).status).toBe('payment_review');
    const [slip] = await slipsOf(order.id);
    expect(slip!.verdict).toBe('review');
    expect(slip!.reasons).toContain('duplicate_ref');
  });

  it('sends a slip for a different amount to review with reason amount', async () => {
    const { userId, order } = await orderFor('wrong-amount', 5_000, '2026-11-17T08:31:00+07:00');
    await sendImage(userId, '01_ttb_downscaled_recompressed.jpg');
    expect((await orderStatus(order.number)).status).toBe('payment_review');
    expect((await slipsOf(order.id))[0]!.reasons).toContain('amount');
  });

  it('lets the merchant reject a slip under review through the API, telling the customer why', async () => {
    const { userId, order } = await orderFor('rejected', 5_000, '2026-11-17T08:31:00+07:00');
    await sendImage(userId, '01_ttb_downscaled_recompressed.jpg');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${order.number}/transitions`,
      headers: auth,
      payload: { to: 'pending_payment', note: 'amount does not match the order' },
    });
    expect(res.statusCode).toBe(200);
    await settle(t.app);
    expect(line.sentTexts(userId).at(-1)).toContain('amount does not match the order');
    expect((await slipsOf(order.id))[0]!.verdict).toBe('rejected');
  });

  it('refuses a 9000x9000 picture and a text file named .jpg with a message, leaving the order as it was', async () => {
    const { userId, order } = await orderFor('bad-files', 10_000, '2026-11-17T08:31:00+07:00');
    expect(await sendImage(userId, '25_neg_oversized_9000px.png')).toContain('too large');
    expect(await sendImage(userId, '23_neg_text_as_jpg.jpg')).toContain('not a picture');
    expect(await sendImage(userId, '21_neg_product_photo.jpg')).toContain('does not look like a transfer slip');
    expect((await orderStatus(order.number)).status).toBe('pending_payment');
    expect(await slipsOf(order.id)).toHaveLength(0);
  });

  it('sends the PromptPay QR with the order, for exactly what is owed', async () => {
    const userId = lineUserId('qr-buyer');
    line.setProfile(userId, { displayName: 'qr', language: 'en' });
    await makeProduct(t.database.db, { sku: 'QR-1', price: 15_000, stock: { MAIN: 5 } });
    for (const text of ['QR-1 x1', 'checkout', 'Q Buyer\n0812345678\n1 Rama I Road Bangkok 10330', 'confirm']) {
      await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text })]);
      await settle(t.app);
    }
    const image = line
      .replies()
      .filter((r) => r.userId === userId)
      .flatMap((r) => r.messages)
      .find((m) => m.type === 'image') as { originalContentUrl: string } | undefined;
    expect(image).toBeDefined();
    const url = new URL(image!.originalContentUrl);
    const png = await t.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const forged = await t.app.inject({ method: 'GET', url: `${url.pathname}?s=forged` });
    expect(forged.statusCode).toBe(404);
  });
});

describe('a bank-data slip API as a second opinion', () => {
  let fake: Awaited<ReturnType<typeof startFakeEasySlip>>;
  let app: TestApp;
  let lineApi: FakeLineApi;
  const manifest = async () =>
    JSON.parse(await readFile(path.join(fixtures, 'manifest.json'), 'utf8')) as { files: { file: string; qrPayload: string | null; transRef: string; amount: number; datetime: string }[] };

  beforeAll(async () => {
    fake = await startFakeEasySlip();
    lineApi = await startFakeLineApi({ unknownProfiles: 'generate' });
    app = await buildTestApp({
      ...lineEnv(lineApi),
      DATA_DIR: '/tmp/talad-test-slips-remote',
      SLIP_VERIFIER: 'easyslip',
      SLIP_VERIFIER_URL: fake.url,
      SLIP_VERIFIER_API_KEY: fake.apiKey,
    });
  });
  afterAll(async () => {
    await app?.close();
    await lineApi?.close();
    await fake?.close();
  });

  async function payWith(seed: string, file: string) {
    const entry = (await manifest()).files.find((f) => f.file === file)!;
    const userId = lineUserId(seed);
    const { sku } = await makeProduct(app.database.db, { price: Math.round(entry.amount * 100), stock: { MAIN: 5 } });
    const { customer } = await withTransaction(app.database.db, (tx) => ensureChatIdentity(tx, { channel: 'line', externalId: userId, language: 'en' }));
    const { order } = await placeOrder(app.database.db, { ...orderInput(customer, [{ sku, qty: 1 }]), channel: 'line' });
    await app.database.db.update(orders).set({ createdAt: new Date(new Date(entry.datetime).getTime() - 60_000) }).where(eq(orders.id, order.id));
    const event = lineImageEvent({ userId });
    lineApi.setContent(event.message.id, await readFile(path.join(fixtures, file)), 'image/jpeg');
    await sendLine(app.app, lineApi.channelSecret, [event]);
    await settle(app.app);
    const [row] = await app.database.db.select().from(orders).where(eq(orders.id, order.id));
    const slips = await app.database.db.select().from(paymentSlips).where(eq(paymentSlips.orderId, order.id));
    return { entry, status: row!.status, slip: slips[0] };
  }

  it('accepts a slip the bank confirms, asking once', async () => {
    const entry = (await manifest()).files.find((f) => f.file === '19_scb_clean.jpg')!;
    fake.register(entry.qrPayload!, { transRef: entry.transRef, amount: entry.amount, date: entry.datetime });
    const result = await payWith('remote-ok', '19_scb_clean.jpg');
    expect(result.status).toBe('paid');
    expect(fake.calls.filter((c) => c.payload === entry.qrPayload)).toHaveLength(1);
  });

  it('sends a slip the bank does not know to review', async () => {
    const result = await payWith('remote-unknown', '05_bay_clean.jpg');
    expect(result.status).toBe('payment_review');
    expect(result.slip!.reasons).toContain('remote_not_found');
  });

  it('never asks about a re-used slip: the local check catches it first', async () => {
    const entry = (await manifest()).files.find((f) => f.file === '19_scb_clean.jpg')!;
    const calls = fake.calls.length;
    const result = await payWith('remote-reuse', '19_scb_clean.jpg');
    expect(result.status).toBe('payment_review');
    expect(result.slip!.reasons).toContain('duplicate_ref');
    expect(fake.calls.length).toBe(calls);
    expect(entry.qrPayload).toBeTruthy();
  });
});
