import { eq } from 'drizzle-orm';
import jsQRModule from 'jsqr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatEngine } from '#bots/engine/engine.ts';
import { withTransaction } from '#src/db/client.ts';
import { adminAuditLog, orders, outbox, productVariants, shopSettings } from '#src/db/schema/index.ts';
import { payQrUrl } from '#src/modules/payments/pay-qr.ts';
import { createSettingsService } from '#src/modules/settings/index.ts';
import { testLogger } from '../helpers/db.ts';
import { auth, buildTestApp, testConfig, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { apiOrderBody, makeProduct } from '../helpers/factories.ts';

type JsQr = (typeof jsQRModule)['default'];
const jsQR: JsQr = (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr);

const ENV = {
  SHOP_NAME: 'ร้านจาก env',
  TELEGRAM_BOT_TOKEN: '123456:TEST-token',
  TELEGRAM_WEBHOOK_SECRET: 'test-secret-0123456789abcdef0123456',
  // No chat workers: queued messages stay in the outbox for the test to read.
  WORKERS: 'false',
};

let t: TestApp;
let owner: AdminClient;

beforeAll(async () => {
  t = await buildTestApp(ENV);
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
});
afterAll(() => t?.close());

const rowOf = async (section: string) => (await t.database.db.select().from(shopSettings).where(eq(shopSettings.section, section)))[0];

const flat = (fee: string, extra: Record<string, string> = {}) => owner.post('/admin/settings/shipping', { mode: 'flat', flatFee: fee, freeOver: '', ...extra });

/** A chat customer going through checkout with the real engine and the app's live config. */
async function chatCheckout(sku: string, qty: number, userId: string) {
  const engine = createChatEngine({ config: t.app.deps.config, logger: testLogger });
  const person = { channel: 'webchat' as const, userId, language: 'th' as const };
  const say = (text: string) => withTransaction(t.database.db, (tx) => engine.handle(tx, person, { kind: 'text', text }));
  await say(`${sku} x${qty}`);
  await say('checkout');
  const summary = await say('สมชาย ใจดี\n0812345678\n99 ถนนพหลโยธิน กรุงเทพฯ 10400');
  await say('confirm');
  const summaryText = summary.messages.map((m) => ('text' in m ? m.text : '')).join('\n');
  return summaryText;
}

async function lastOrderOf(name: string) {
  const rows = await t.database.db.select().from(orders).where(eq(orders.customerName, name));
  return rows.at(-1)!;
}

describe('settings pages', () => {
  it('open for the owner and admins on every section, and are refused to staff and packers', async () => {
    for (const path of ['/admin/settings', '/admin/settings/profile', '/admin/settings/payments', '/admin/settings/shipping', '/admin/settings/carriers', '/admin/settings/notifications', '/admin/settings/reminders', '/admin/settings/returns', '/admin/settings/locale', '/admin/settings/payments/preview', '/admin/settings/logo']) {
      expect((await owner.get(path)).statusCode, path).toBe(200);
    }
    const page = await owner.get('/admin/settings/profile');
    expect(page.body).toContain('ตั้งค่าร้าน');
    expect(page.body).toContain('value="ร้านจาก env"');
    const admin = await signIn(t.app, (await makeUser(t.database.db, 'admin')).email);
    expect((await admin.get('/admin/settings/carriers')).statusCode).toBe(200);
    for (const role of ['staff', 'packer'] as const) {
      const client = await signIn(t.app, (await makeUser(t.database.db, role)).email);
      expect((await client.get('/admin/settings')).statusCode).toBe(403);
      expect((await client.get('/admin/settings/payments')).statusCode).toBe(403);
      const res = await client.post('/admin/settings/returns', { returnWindowDays: '30' });
      expect(res.statusCode).toBe(403);
    }
    expect(await rowOf('returns')).toBeUndefined();
  });

  it('refuse a save without the CSRF token and change nothing', async () => {
    const res = await owner.post('/admin/settings/returns', { returnWindowDays: '30' }, { csrf: false });
    expect(res.statusCode).toBe(403);
    expect(await rowOf('returns')).toBeUndefined();
    expect(t.app.deps.config.shop.returnWindowDays).toBe(7);
  });

  it('show bad input beside its field in the user\'s language and save nothing', async () => {
    const taxId = await owner.post('/admin/settings/profile', { name: 'ร้านใหม่', address: '', phone: '', taxId: '0105536112018' });
    expect(taxId.statusCode).toBe(400);
    expect(decodeEntities(taxId.body)).toContain('หลักตรวจสอบไม่ถูกต้อง');
    expect(taxId.body).toContain('value="0105536112018"');
    expect(await rowOf('profile')).toBeUndefined();
    expect(t.app.deps.config.shop.name).toBe('ร้านจาก env');

    const negative = await flat('-50');
    expect(negative.statusCode).toBe(400);
    expect(negative.body).toContain('ติดลบไม่ได้');
    expect(negative.body).toContain('value="-50"');
    expect(await rowOf('shipping')).toBeUndefined();

    const http = await owner.post('/admin/settings/carriers', {
      carrierIndex: ['0', '1'],
      carrierCode: ['kerry', 'mine'],
      carrierName: ['Kerry Express', 'My bike'],
      carrierUrl: ['https://th.kerryexpress.com/th/track/?track={tracking}', 'http://bike.example/{tracking}'],
      carrierEnabled: ['0', '1'],
    });
    expect(http.statusCode).toBe(400);
    expect(http.body).toContain('ลิงก์ต้องขึ้นต้นด้วย https://');
    expect(await rowOf('carriers')).toBeUndefined();

    const tiers = await owner.post('/admin/settings/shipping', { mode: 'weight', flatFee: '0', weightLimit: ['5000', '1000'], weightFee: ['80', '40'] });
    expect(tiers.statusCode).toBe(400);
    expect(tiers.body).toContain('แต่ละขั้นต้องมากกว่าขั้นก่อนหน้า');
    expect(await rowOf('shipping')).toBeUndefined();
  });
});

describe('saved settings apply at once', () => {
  it('a flat fee of 50 baht is what a chat checkout charges; free above the amount set', async () => {
    const { sku } = await makeProduct(t.database.db, { price: 20_000, stock: { MAIN: 50 } });
    const res = await flat('50', { freeOver: '1000' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/settings/shipping?done=settingsSaved');
    const saved = await owner.get(res.headers.location as string);
    expect(saved.body.match(/alert-ok/g), 'the success banner shows once').toHaveLength(1);
    expect(t.app.deps.config.shop.shipping).toMatchObject({ mode: 'flat', flatFee: 5000, freeOver: 100_000 });

    const summary = await chatCheckout(sku, 2, 'fee-buyer-1');
    expect(summary).toContain('50');
    const order = await lastOrderOf('สมชาย ใจดี');
    expect(order).toMatchObject({ subtotal: 40_000, shippingFee: 5000, total: 45_000 });

    await chatCheckout(sku, 5, 'fee-buyer-2');
    expect(await lastOrderOf('สมชาย ใจดี')).toMatchObject({ subtotal: 100_000, shippingFee: 0 });

    // An order from the API without a fee gets the shop's rule; a fee the caller sends is kept.
    const viaApi = async (extra: Record<string, unknown>) => {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/orders', headers: auth, payload: apiOrderBody([{ sku, qty: 1 }], extra) });
      expect(r.statusCode).toBe(201);
      return (await t.database.db.select().from(orders).where(eq(orders.number, r.json().number as string)))[0]!;
    };
    expect((await viaApi({})).shippingFee).toBe(5000);
    expect((await viaApi({ shippingFee: { amount: 1234, currency: 'THB' } })).shippingFee).toBe(1234);

    const [audit] = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.action, 'settings.shipping'));
    expect(audit).toMatchObject({ actor: 'owner@example.com', target: 'settings:shipping' });
    expect((audit!.details as { after: { flatFee: number } }).after.flatFee).toBe(5000);
  });

  it('a weight rule charges by the cart\'s weight (unit weight × qty)', async () => {
    const { sku, variant } = await makeProduct(t.database.db, { price: 10_000, stock: { MAIN: 50 } });
    await t.database.db.update(productVariants).set({ weightGrams: 600 }).where(eq(productVariants.id, variant.id));
    const res = await owner.post('/admin/settings/shipping', { mode: 'weight', flatFee: '0', freeOver: '', weightLimit: ['1000', '3000', ''], weightFee: ['40', '70', ''] });
    expect(res.statusCode).toBe(303);
    await chatCheckout(sku, 1, 'weight-buyer-1');
    expect((await lastOrderOf('สมชาย ใจดี')).shippingFee).toBe(4000);
    await chatCheckout(sku, 3, 'weight-buyer-2');
    expect((await lastOrderOf('สมชาย ใจดี')).shippingFee).toBe(7000);
    await flat('0');
  });

  it('a carrier\'s tracking template is used for the tracking link on the order page and in the customer\'s message', async () => {
    const { sku } = await makeProduct(t.database.db, { stock: { MAIN: 10 } });
    const page = await owner.get('/admin/settings/carriers');
    expect(page.body).toContain('Kerry Express');
    const builtIns = ['kerry', 'flash', 'jt', 'thaipost', 'ninjavan', 'scg', 'dhl'];
    const res = await owner.post('/admin/settings/carriers', {
      carrierIndex: [...builtIns.map((_, i) => String(i)), '7'],
      carrierCode: [...builtIns, 'speedy'],
      carrierName: [...builtIns, 'Speedy Bike'],
      carrierUrl: [
        'https://kerry.example/parcel/{tracking}',
        ...builtIns.slice(1).map((c) => `https://${c}.example/t/{tracking}`),
        'https://speedy.example/track/{tracking}',
      ],
      // DHL switched off.
      carrierEnabled: ['0', '1', '2', '3', '4', '5', '7'],
    });
    expect(res.statusCode).toBe(303);
    expect(t.app.deps.config.shop.carriers.find((c) => c.code === 'dhl')?.enabled).toBe(false);

    const number = await makeApiOrder(t.app, sku, { status: 'packed' });
    const orderPage = await owner.get(`/admin/orders/${number}`);
    expect(orderPage.body).toContain('value="speedy"');
    expect(orderPage.body).not.toContain('value="dhl"');
    const shipped = await owner.post(`/admin/orders/${number}/ship`, { carrier: 'kerry', trackingNumber: 'KEX-123456' });
    expect(shipped.statusCode).toBe(303);
    const after = await owner.get(`/admin/orders/${number}`);
    expect(after.body).toContain('href="https://kerry.example/parcel/KEX-123456"');
    const told = (await t.database.db.select().from(outbox)).filter((m) => JSON.stringify(m.payload).includes('KEX-123456'));
    expect(JSON.stringify(told[0]!.payload)).toContain('https://kerry.example/parcel/KEX-123456');

    const refused = await owner.post(`/admin/orders/${await makeApiOrder(t.app, sku, { status: 'packed' })}/ship`, { carrier: 'dhl', trackingNumber: 'DHL-12345' });
    expect(refused.statusCode).toBe(400);
  });

  it('a new PromptPay id is in the payment QR at once; the preview shows a QR for a typed id', async () => {
    const res = await owner.post('/admin/settings/payments', {
      promptPayId: '089-999-8888',
      accountBank: ['004', ''],
      accountNumber: ['123-4-56789-0', ''],
      accountName: ['บจก. ร้านใหม่', ''],
    });
    expect(res.statusCode).toBe(303);
    expect(t.app.deps.config.promptPayId).toBe('0899998888');
    expect(t.app.deps.config.receivers).toEqual({
      accounts: ['1234567890'],
      names: ['บจก. ร้านใหม่'],
      payTo: [{ bank: '004', number: '1234567890', name: 'บจก. ร้านใหม่' }],
    });

    const { sku } = await makeProduct(t.database.db, { price: 15_000, stock: { MAIN: 5 } });
    const number = await makeApiOrder(t.app, sku);
    const url = payQrUrl('', t.app.deps.secret, number);
    const png = await t.app.inject({ method: 'GET', url });
    expect(png.statusCode).toBe(200);
    const { data, info } = await sharp(png.rawPayload).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const payload = jsQR(new Uint8ClampedArray(data), info.width, info.height)?.data;
    expect(payload).toContain('0113006689999888');
    expect(payload).toContain('5406150.00');

    const preview = await owner.get('/admin/settings/payments/preview?promptPayId=0812223333');
    expect(preview.body).toContain('data:image/png;base64,');
    const bad = await owner.get('/admin/settings/payments/preview?promptPayId=123');
    expect(bad.body).toContain('กรุณากรอกเบอร์มือถือ');
  });

  it('the test message is queued to the merchant Telegram chat saved', async () => {
    const none = await owner.post('/admin/settings/notifications/test');
    expect(none.statusCode).toBe(400);
    const saved = await owner.post('/admin/settings/notifications', { lineTo: '', telegramChatId: '-1009876' });
    expect(saved.statusCode).toBe(303);
    expect(t.app.deps.config.merchant.telegramChatId).toBe('-1009876');
    const res = await owner.post('/admin/settings/notifications/test');
    expect(res.statusCode).toBe(303);
    const queued = await t.database.db.select().from(outbox).where(eq(outbox.recipient, '-1009876'));
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ channel: 'telegram', status: 'pending' });
    expect(JSON.stringify(queued[0]!.payload)).toContain('ข้อความทดสอบ');
    const badLine = await owner.post('/admin/settings/notifications', { lineTo: 'U123', telegramChatId: '' });
    expect(badLine.statusCode).toBe(400);
    expect(t.app.deps.config.merchant.telegramChatId).toBe('-1009876');
  });

  it('reminders, returns and language apply onto config.jobs and config.shop', async () => {
    expect(
      (await owner.post('/admin/settings/reminders', { unpaidReminderHours: '3', unpaidCancelHours: '48', quietFrom: '22', quietTo: '8', dailySummaryHour: '19' })).statusCode,
    ).toBe(303);
    expect(t.app.deps.config.jobs).toMatchObject({ unpaidReminderMs: 3 * 3_600_000, unpaidCancelMs: 48 * 3_600_000, quietHours: { from: 22, to: 8 }, dailySummaryHour: 19, reorderReminders: false });
    expect((await owner.post('/admin/settings/returns', { returnWindowDays: '14' })).statusCode).toBe(303);
    expect(t.app.deps.config.shop.returnWindowDays).toBe(14);
    const badZone = await owner.post('/admin/settings/locale', { locale: 'en', timeZone: 'Mars/Olympus' });
    expect(badZone.statusCode).toBe(400);
    expect((await owner.post('/admin/settings/locale', { locale: 'th', timeZone: 'Asia/Ho_Chi_Minh' })).statusCode).toBe(303);
    expect(t.app.deps.config.shop.timeZone).toBe('Asia/Ho_Chi_Minh');
  });

  it('a profile with a valid tax id is saved; a logo is checked by content, resized and served', async () => {
    const res = await owner.post('/admin/settings/profile', { name: 'ร้านใหม่', address: '1 ถนนสุขุมวิท', phone: '021234567', taxId: '0105536112014', vatRegistered: 'on' });
    expect(res.statusCode).toBe(303);
    expect(t.app.deps.config.shop).toMatchObject({ name: 'ร้านใหม่', taxId: '0105536112014', vatRegistered: true });

    const image = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#c33' } }).jpeg().toBuffer();
    const upload = await postFile('/admin/settings/logo', 'logo', 'logo.jpg', 'image/jpeg', image, owner.csrf);
    expect(upload.statusCode).toBe(303);
    expect(t.app.deps.config.shop.logoPath).toMatch(/^media\/shop\/logo-[0-9a-f]+\.png$/);
    expect(t.app.deps.config.shop.name).toBe('ร้านใหม่');
    const served = await owner.get('/admin/settings/logo');
    expect(served.headers['content-type']).toBe('image/png');
    expect(await sharp(served.rawPayload).metadata()).toMatchObject({ format: 'png', width: 600, height: 400 });

    const before = t.app.deps.config.shop.logoPath;
    const fake = await postFile('/admin/settings/logo', 'logo', 'logo.png', 'image/png', Buffer.from('<svg onload=alert(1)>'), owner.csrf);
    expect(fake.statusCode).toBe(400);
    expect(fake.body).toContain('ไฟล์นี้ไม่ใช่รูป');
    expect(t.app.deps.config.shop.logoPath).toBe(before);
    const noToken = await postFile('/admin/settings/logo', 'logo', 'logo.jpg', 'image/jpeg', image, 'wrong');
    expect(noToken.statusCode).toBe(403);
  });

  it('resetting a section brings back the environment value', async () => {
    expect(t.app.deps.config.shop.name).toBe('ร้านใหม่');
    const res = await owner.post('/admin/settings/profile/reset');
    expect(res.statusCode).toBe(303);
    expect(t.app.deps.config.shop.name).toBe('ร้านจาก env');
    expect(await rowOf('profile')).toBeUndefined();
  });

  it('another process sees a save after its poll', async () => {
    const config = testConfig(ENV);
    const other = createSettingsService({ db: t.database.db, config, logger: testLogger });
    await other.load();
    expect(config.shop.returnWindowDays).toBe(14);
    expect(await other.refresh()).toBe(false);
    expect((await owner.post('/admin/settings/returns', { returnWindowDays: '30' })).statusCode).toBe(303);
    expect(config.shop.returnWindowDays).toBe(14);
    expect(await other.refresh()).toBe(true);
    expect(config.shop.returnWindowDays).toBe(30);
    expect((await rowOf('returns'))!.version).toBe(2);
  });
});

async function postFile(url: string, field: string, filename: string, type: string, bytes: Buffer, csrf: string) {
  const boundary = '----talad-test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.app.inject({ method: 'POST', url, headers: { cookie: owner.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
}
