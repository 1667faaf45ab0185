import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shipments } from '#src/db/schema/index.ts';
import { listWarehouses } from '#src/modules/inventory/index.ts';
import { linesOf } from '#src/modules/orders/index.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '#tests/helpers/admin.ts';
import { auth } from '#tests/helpers/app.ts';
import { settle } from '#tests/helpers/chat.ts';
import { carriersForm, startCarrierBed, type CarrierBed } from '#tests/helpers/carriers.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';
import { makeProduct } from '#tests/helpers/factories.ts';
import { splitOrder } from '#src/workflows/orders/split-order.ts';

let bed: CarrierBed;
let packer: AdminClient;
let staff: AdminClient;

beforeAll(async () => {
  bed = await startCarrierBed({ name: 'carriers-desk' });
  packer = await signIn(bed.t.app, (await makeUser(db(), 'packer', { language: 'th' })).email);
  staff = await signIn(bed.t.app, (await makeUser(db(), 'staff', { language: 'th' })).email);
});
afterAll(async () => bed?.close());

const db = () => bed.db();
const confirmedLineOrder = () => bed.confirmedLineOrder({ qty: 1, price: 19_000 });
const flashOf = (number: string) => bed.flashOf(number);
const statusOf = (number: string) => bed.orderStatus(number);

/** Starts a bulk booking from the desk and waits for its page to say it is done, as the polling page does. */
async function bulkBook(client: AdminClient, body: Record<string, string | string[]>) {
  const started = await client.post('/admin/orders/bulk/book', body);
  expect(started.statusCode).toBe(303);
  const url = started.headers.location as string;
  expect(url).toMatch(/^\/admin\/orders\/bulk\/book\/[0-9a-f-]{36}$/);
  const seen = new Set<string>();
  for (const until = Date.now() + WAIT_MS; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    const page = decodeEntities((await client.get(url)).body);
    seen.add(page.includes('data-status="running"') ? 'running' : 'done');
    if (page.includes('data-status="done"')) return { page, seen };
  }
  throw new Error(`bulk booking ${url} did not end`);
}

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

    bed.flash.advance(parcel!.pno, 3, { at: new Date(Date.now() - 60_000) });
    const hook = await bed.t.app.inject({
      method: 'POST',
      url: '/webhooks/carriers/flash',
      payload: bed.flash.webhookBody(parcel!.pno),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(hook.statusCode).toBe(200);
    const tracked = decodeEntities((await staff.get(`/admin/orders/${order.number}`)).body);
    const timeline = /<ol class="timeline[^>]*>([\s\S]*?)<\/ol>/.exec(tracked)?.[1] ?? '';
    expect([...timeline.matchAll(/data-event="([a-z_]+)"/g)].map((m) => m[1])).toEqual(['booked', 'out_for_delivery']);
    expect(timeline).toContain('กำลังนำส่ง');
    await settle(bed.t.app);
    // The customer heard the number once at booking, and "out for delivery" once.
    const told = bed.line.pushes().filter((p) => p.to === userId).map((p) => JSON.stringify(p.messages));
    expect(told.filter((m) => m.includes(parcel!.pno) && !m.includes('กำลังนำส่ง'))).toHaveLength(1);
    expect(told.filter((m) => m.includes('กำลังนำส่ง'))).toHaveLength(1);
  });

  it("shows the carrier's reason when the booking fails, and the retry books the same parcel", async () => {
    const { order } = await confirmedLineOrder();
    bed.flash.failNext(3, 'code0', { only: '/open/v3/orders' });
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
    bed.flash.failNext(12, 'code0', { only: '/open/v3/orders' });
    const { page, seen } = await bulkBook(packer, { numbers, carrier: 'flash' });
    // The page polled while it ran, and says it is done with each result.
    expect(seen.has('running')).toBe(true);
    expect(page).not.toContain('hx-trigger="every 1s"');
    for (const n of numbers) expect(page).toContain(`data-result="${n}"`);
    const failed = [...page.matchAll(/class="result-failed" data-result="([^"]+)"/g)].map((m) => m[1]!);
    const booked = [...page.matchAll(/class="result-done" data-result="([^"]+)"/g)].map((m) => m[1]!);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length + booked.length).toBe(10);
    // The reason in Thai, with the carrier's own words.
    expect(page).toMatch(/data-reason>ติดต่อขนส่งไม่ได้ ลองอีกครั้ง: Flash Express: [^<]*system error/);
    for (const n of booked) {
      expect(flashOf(n)).toHaveLength(1);
      expect(page).toContain(flashOf(n)[0]!.pno);
    }
    // The retry form sends exactly the failed ones.
    const retryForm = /<form method="post" action="\/admin\/orders\/bulk\/book"[\s\S]*?<\/form>/.exec(page)![0];
    expect([...retryForm.matchAll(/name="numbers" value="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual([...failed].sort());
    expect(page).toContain(`ลองจอง ${failed.length} รายการที่ไม่สำเร็จอีกครั้ง`);

    const calls = bed.flash.calls.filter((c) => c.path === '/open/v3/orders').length;
    const again = (await bulkBook(packer, { numbers: failed, carrier: 'flash' })).page;
    expect(again).toContain(`จองแล้ว ${failed.length} ไม่สำเร็จ 0`);
    expect(again).not.toContain('data-retry');
    // Only the failed ones were asked of Flash.
    expect(bed.flash.calls.filter((c) => c.path === '/open/v3/orders').length - calls).toBe(failed.length);
    for (const o of placed) {
      expect(flashOf(o.number)).toHaveLength(1);
      const parcels = await db().select().from(shipments).where(eq(shipments.orderId, o.id));
      expect(parcels).toHaveLength(1);
      expect(parcels[0]!.status).toBe('booked');
      expect(await statusOf(o.number)).toBe('shipped');
    }

    // The whole selection sent once more (a reloaded page) books nothing new, each shown as booked before.
    const callsBefore = bed.flash.calls.length;
    const reloaded = (await bulkBook(packer, { numbers, carrier: 'flash' })).page;
    expect(bed.flash.calls.length).toBe(callsBefore);
    // Every order shows as booked with its number and none failed; a failure names the order and what it read.
    const shown = [...reloaded.matchAll(/<li class="result-([^"]+)" data-result="([^"]+)">[\s\S]*?<\/li>/g)].map((m) => ({ kind: m[1], text: `${m[2]}: ${m[0].replace(/<[^>]+>/g, '')}` }));
    expect(shown.filter((x) => x.kind !== 'done').map((x) => x.text)).toEqual([]);
    expect(shown).toHaveLength(10);
    expect(reloaded.match(/จองไว้ก่อนแล้ว/g)!.length).toBeGreaterThan(0);
    for (const n of numbers) expect(flashOf(n)).toHaveLength(1);
  });

  it('books each parcel of a split order from the desk, and says in Thai why an order that left is not booked', async () => {
    const skus = [(await makeProduct(db(), { price: 12_000, stock: { MAIN: 10 } })).sku, (await makeProduct(db(), { price: 8_000, stock: { MAIN: 10 } })).sku];
    const { order } = await bed.confirmedLineOrder({ lines: skus.map((sku) => ({ sku, qty: 1 })) });
    const lines = await linesOf(db(), order.id);
    await splitOrder(db(), { number: order.number, actor: 'staff', parcels: lines.map((l) => ({ lines: [{ orderLineId: l.id, qty: 1 }] })) });
    const typed = (await confirmedLineOrder()).order;
    const shipped = await bed.t.app.inject({ method: 'POST', url: `/api/v1/orders/${typed.number}/shipments`, headers: auth, payload: { carrier: 'kerry', trackingNumber: 'KEX0123456789' } });
    expect(shipped.statusCode).toBe(201);

    const { page } = await bulkBook(packer, { numbers: [order.number, typed.number], carrier: 'flash' });
    const parcels = flashOf(order.number);
    expect(parcels).toHaveLength(2);
    expect(page).toContain(`${parcels[0]!.pno}, ${parcels[1]!.pno}`);
    expect(await statusOf(order.number)).toBe('shipped');
    expect(page).toMatch(new RegExp(`data-result="${typed.number}">[\\s\\S]*?data-reason>ออเดอร์นี้ส่งไปแล้ว<`));
    expect(flashOf(typed.number)).toHaveLength(0);
  });
});

describe('default carrier per warehouse', () => {
  it('is chosen in Settings and books the API call and the bulk booking that name no carrier', async () => {
    const owner = await signIn(bed.t.app, (await makeUser(db(), 'owner', { language: 'th' })).email);
    const { order } = await confirmedLineOrder();
    // No default yet: the API asks for a carrier and nothing is booked.
    const refused = await bed.t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/shipments`, headers: auth, payload: {} });
    expect(refused.statusCode).toBe(400);
    expect(flashOf(order.number)).toHaveLength(0);

    const main = (await listWarehouses(db())).find((w) => w.code === 'MAIN')!;
    const form = await owner.get('/admin/settings/carriers');
    expect(decodeEntities(form.body)).toContain('ขนส่งหลักของแต่ละคลัง');
    expect(form.body).toContain(`name="warehouseCarrier_${main.id}"`);
    const saved = await owner.post('/admin/settings/carriers', carriersForm({
      defaultWeightGrams: '500',
      msgBooked: '1',
      msgOutForDelivery: '1',
      msgDelivered: '1',
      [`warehouseCarrier_${main.id}`]: 'flash',
    }));
    expect(saved.statusCode).toBe(303);
    await bed.t.app.deps.settings.load();
    expect(bed.t.config.shop.parcels.warehouseCarriers).toEqual({ [String(main.id)]: 'flash' });
    expect((await owner.get('/admin/settings/carriers')).body).toMatch(new RegExp(`name="warehouseCarrier_${main.id}">[\\s\\S]*?<option value="flash" selected`));

    const api = await bed.t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/shipments`, headers: auth, payload: {} });
    expect(api.statusCode).toBe(201);
    expect(api.json()).toMatchObject({ carrier: 'Flash Express', trackingNumber: flashOf(order.number)[0]!.pno });

    const more = [(await confirmedLineOrder()).order, (await confirmedLineOrder()).order];
    const bulk = (await bulkBook(packer, { numbers: more.map((o) => o.number) })).page;
    expect(bulk).toContain('จองแล้ว 2 ไม่สำเร็จ 0');
    for (const o of more) expect(flashOf(o.number)).toHaveLength(1);
  });
});
