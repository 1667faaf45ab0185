import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { orders, shipments } from '#src/db/schema/index.ts';
import { listWarehouses } from '#src/modules/inventory/index.ts';
import { builtInCarriers } from '#src/modules/shipping/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { startFakeFlashApi, type FakeFlashApi } from '#tests/fakes/flash-api.ts';
import { lineUserId, startFakeLineApi, type FakeLineApi } from '#tests/fakes/line-api.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '#tests/helpers/admin.ts';
import { auth, buildTestApp, type TestApp } from '#tests/helpers/app.ts';
import { lineEnv, settle } from '#tests/helpers/chat.ts';
import { makeCustomer, makeProduct, orderInput } from '#tests/helpers/factories.ts';

let flash: FakeFlashApi;
let line: FakeLineApi;
let t: TestApp;
let dataDir: string;
let packer: AdminClient;
let staff: AdminClient;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'talad-carriers-desk-'));
  flash = await startFakeFlashApi();
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  t = await buildTestApp({
    ...lineEnv(line),
    DATA_DIR: dataDir,
    SHOP_NAME: 'ร้านบ้านขนม',
    SHOP_ADDRESS: '99/1 ซอยสุขุมวิท 21 แขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพมหานคร 10110',
    SHOP_PHONE: '021234567',
    FLASH_MCH_ID: flash.mchId,
    FLASH_SECRET_KEY: flash.secretKey,
    FLASH_API_BASE_URL: flash.baseUrl,
  });
  for (const name of ['ลูกค้าเก่า หนึ่ง', 'ลูกค้าเก่า สอง']) await makeCustomer(t.database.db, { name });
  packer = await signIn(t.app, (await makeUser(db(), 'packer', { language: 'th' })).email);
  staff = await signIn(t.app, (await makeUser(db(), 'staff', { language: 'th' })).email);
});
afterAll(async () => {
  await t?.close();
  await flash?.close();
  await line?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const db = () => t.database.db;
const addresses = [
  { name: 'สมหญิง ใจดี', address: '12 ถ.นิมมานเหมินท์ ต.สุเทพ อ.เมืองเชียงใหม่ จ.เชียงใหม่', postcode: '50200' },
  { name: 'ประยุทธ์ มั่นคง', address: '45/6 หมู่ 3 ต.บ้านใหม่ อ.ปากเกร็ด จ.นนทบุรี', postcode: '11120' },
];
let seq = 0;

async function confirmedLineOrder() {
  seq += 1;
  const { sku } = await makeProduct(db(), { price: 19_000, stock: { MAIN: 100 } });
  const userId = lineUserId(`desk-${seq}`);
  const { customer } = await withTransaction(db(), (tx) => ensureChatIdentity(tx, { channel: 'line', externalId: userId, language: 'th' }));
  const to = addresses[seq % addresses.length]!;
  const { order } = await placeOrder(db(), {
    ...orderInput(customer, [{ sku, qty: 1 }]),
    channel: 'line',
    paymentMethod: 'cod',
    shippingAddress: { name: to.name, phone: '0897654321', address: to.address, postcode: to.postcode },
  });
  await transitionOrder(db(), { number: order.number, to: 'confirmed', actor: 'staff' });
  return { order, userId, customer };
}

const flashOf = (number: string) => flash.parcels().filter((p) => p.outTradeNo.startsWith(`${number}-`));
const statusOf = async (number: string) => (await db().select().from(orders).where(eq(orders.number, number)))[0]!.status;

describe('booking with Flash from the order page', () => {
  it('offers the button, books, shows the number, and shows the timeline in Thai after a webhook', async () => {
    const { order, customer, userId } = await confirmedLineOrder();
    expect(customer.id).not.toBe(order.id);
    const page = await packer.get(`/admin/orders/${order.number}`);
    expect(page.statusCode).toBe(200);
    expect(decodeEntities(page.body)).toContain('จองขนส่งกับ Flash Express');
    expect(page.body).toContain('data-book="flash"');

    // Without the CSRF token nothing is booked.
    const forged = await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' }, { csrf: false });
    expect(forged.statusCode).toBe(403);
    expect(flashOf(order.number)).toHaveLength(0);

    const res = await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/orders/${order.number}?done=booked`);
    const [parcel] = flashOf(order.number);
    expect(flashOf(order.number)).toHaveLength(1);
    expect(await statusOf(order.number)).toBe('shipped');

    const after = decodeEntities((await staff.get(res.headers.location as string)).body);
    expect(after).toContain(parcel!.pno);
    expect(after).toContain('จองขนส่งแล้ว');
    expect(after).not.toContain('data-book="flash"');
    expect(after).toMatch(/data-event="booked"><span class="badge">จองแล้ว/);

    // A second click (a resent form, by a colleague who still has the page) makes no second parcel.
    const again = await staff.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' });
    expect([303, 409]).toContain(again.statusCode);
    expect(flashOf(order.number)).toHaveLength(1);

    flash.advance(parcel!.pno, 3, { at: new Date(Date.now() - 60_000) });
    const hook = await t.app.inject({
      method: 'POST',
      url: '/webhooks/carriers/flash',
      payload: flash.webhookBody(parcel!.pno),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(hook.statusCode).toBe(200);
    const tracked = decodeEntities((await staff.get(`/admin/orders/${order.number}`)).body);
    const timeline = /<ol class="timeline[^>]*>([\s\S]*?)<\/ol>/.exec(tracked)?.[1] ?? '';
    expect([...timeline.matchAll(/data-event="([a-z_]+)"/g)].map((m) => m[1])).toEqual(['booked', 'out_for_delivery']);
    expect(timeline).toContain('กำลังนำส่ง');
    await settle(t.app);
    // The customer heard the number once at booking, and "out for delivery" once.
    const told = line.pushes().filter((p) => p.to === userId).map((p) => JSON.stringify(p.messages));
    expect(told.filter((m) => m.includes(parcel!.pno) && !m.includes('กำลังนำส่ง'))).toHaveLength(1);
    expect(told.filter((m) => m.includes('กำลังนำส่ง'))).toHaveLength(1);
  });

  it("shows the carrier's reason when the booking fails, and the retry books the same parcel", async () => {
    const { order } = await confirmedLineOrder();
    flash.failNext(3, 'code0', { only: '/open/v3/orders' });
    const failed = await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' });
    expect(failed.statusCode).toBe(409);
    const body = decodeEntities(failed.body);
    expect(body).toContain('ขนส่งไม่รับจองพัสดุ');
    expect(body).toMatch(/system error/);
    expect(body).toContain('ลองจองกับ Flash Express อีกครั้ง');
    expect(await statusOf(order.number)).toBe('confirmed');
    const [reserved] = await db().select().from(shipments).where(eq(shipments.orderId, order.id));
    expect(reserved!.status).toBe('booking');

    const retry = await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' });
    expect(retry.statusCode).toBe(303);
    expect(flashOf(order.number)).toHaveLength(1);
    expect(flashOf(order.number)[0]!.outTradeNo).toBe(reserved!.outTradeNo);
    expect(await statusOf(order.number)).toBe('shipped');
  });

  it('refuses a carrier that does not book, in Thai, and books nothing', async () => {
    const { order } = await confirmedLineOrder();
    const res = await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'kerry' });
    expect(res.statusCode).toBe(400);
    expect(decodeEntities(res.body)).toContain('เลือกขนส่งที่จองพัสดุได้');
    expect(flashOf(order.number)).toHaveLength(0);
  });
});

describe('booking with Flash in bulk from the orders desk', () => {
  it('lists each of 10 orders with its number or the reason, and the retry books the rest with no duplicates', async () => {
    const placed = [];
    for (let i = 0; i < 10; i++) placed.push((await confirmedLineOrder()).order);
    const numbers = placed.map((o) => o.number);
    const desk = decodeEntities((await packer.get('/admin/orders?status=confirmed')).body);
    expect(desk).toContain('จองขนส่งที่เลือกกับ Flash Express');

    // Every call the first 12 times fails: with three tries each, some orders end unbooked.
    flash.failNext(12, 'code0', { only: '/open/v3/orders' });
    const first = await packer.post('/admin/orders/bulk/book', { numbers, carrier: 'flash' });
    expect(first.statusCode).toBe(200);
    const page = decodeEntities(first.body);
    for (const n of numbers) expect(page).toContain(`data-result="${n}"`);
    const failed = [...page.matchAll(/class="result-failed" data-result="([^"]+)"/g)].map((m) => m[1]!);
    const booked = [...page.matchAll(/class="result-done" data-result="([^"]+)"/g)].map((m) => m[1]!);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length + booked.length).toBe(10);
    expect(page).toMatch(/data-reason>Flash Express: [^<]*system error/);
    for (const n of booked) {
      expect(flashOf(n)).toHaveLength(1);
      expect(page).toContain(flashOf(n)[0]!.pno);
    }
    // The retry form sends exactly the failed ones.
    const retryForm = /<form method="post" action="\/admin\/orders\/bulk\/book"[\s\S]*?<\/form>/.exec(page)![0];
    expect([...retryForm.matchAll(/name="numbers" value="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual([...failed].sort());
    expect(page).toContain(`ลองจอง ${failed.length} รายการที่ไม่สำเร็จอีกครั้ง`);

    const retry = await packer.post('/admin/orders/bulk/book', { numbers: failed, carrier: 'flash' });
    const again = decodeEntities(retry.body);
    expect(again).toContain(`จองแล้ว ${failed.length} ไม่สำเร็จ 0`);
    expect(again).not.toContain('data-retry');
    for (const o of placed) {
      expect(flashOf(o.number)).toHaveLength(1);
      const parcels = await db().select().from(shipments).where(eq(shipments.orderId, o.id));
      expect(parcels).toHaveLength(1);
      expect(parcels[0]!.status).toBe('booked');
      expect(await statusOf(o.number)).toBe('shipped');
    }

    // The whole selection sent once more (a reloaded page) books nothing new.
    await packer.post('/admin/orders/bulk/book', { numbers, carrier: 'flash' });
    for (const n of numbers) expect(flashOf(n)).toHaveLength(1);
  });
});

describe('default carrier per warehouse', () => {
  it('is chosen in Settings and books the API call and the bulk booking that name no carrier', async () => {
    const owner = await signIn(t.app, (await makeUser(db(), 'owner', { language: 'th' })).email);
    const { order } = await confirmedLineOrder();
    // No default yet: the API asks for a carrier and nothing is booked.
    const refused = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/shipments`, headers: auth, payload: {} });
    expect(refused.statusCode).toBe(400);
    expect(flashOf(order.number)).toHaveLength(0);

    const main = (await listWarehouses(db())).find((w) => w.code === 'MAIN')!;
    const form = await owner.get('/admin/settings/carriers');
    expect(decodeEntities(form.body)).toContain('ขนส่งหลักของแต่ละคลัง');
    expect(form.body).toContain(`name="warehouseCarrier_${main.id}"`);
    const saved = await owner.post('/admin/settings/carriers', {
      carrierIndex: builtInCarriers.map((_, i) => String(i)),
      carrierCode: builtInCarriers.map((c) => c.code),
      carrierName: builtInCarriers.map((c) => c.name),
      carrierUrl: builtInCarriers.map((c) => c.trackingUrl),
      carrierEnabled: builtInCarriers.map((_, i) => String(i)),
      defaultWeightGrams: '500',
      msgBooked: '1',
      msgOutForDelivery: '1',
      msgDelivered: '1',
      [`warehouseCarrier_${main.id}`]: 'flash',
    });
    expect(saved.statusCode).toBe(303);
    await t.app.deps.settings.load();
    expect(t.config.shop.parcels.warehouseCarriers).toEqual({ [String(main.id)]: 'flash' });
    expect((await owner.get('/admin/settings/carriers')).body).toMatch(new RegExp(`name="warehouseCarrier_${main.id}">[\\s\\S]*?<option value="flash" selected`));

    const api = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/shipments`, headers: auth, payload: {} });
    expect(api.statusCode).toBe(201);
    expect(api.json()).toMatchObject({ carrier: 'Flash Express', trackingNumber: flashOf(order.number)[0]!.pno });

    const more = [(await confirmedLineOrder()).order, (await confirmedLineOrder()).order];
    const bulk = decodeEntities((await packer.post('/admin/orders/bulk/book', { numbers: more.map((o) => o.number) })).body);
    expect(bulk).toContain('จองแล้ว 2 ไม่สำเร็จ 0');
    for (const o of more) expect(flashOf(o.number)).toHaveLength(1);
  });
});
