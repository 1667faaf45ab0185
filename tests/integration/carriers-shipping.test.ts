import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shipmentEvents, shopSettings } from '#src/db/schema/index.ts';
import { s10CheckDigit, shipmentTimeline } from '#src/modules/shipping/index.ts';
import { code128Svg } from '#src/modules/printing/index.ts';
import { trackOpenParcels } from '#src/jobs/shipping.track-parcels.job.ts';
import { bookParcel } from '#src/workflows/shipping/book-parcel.ts';
import { bookParcels } from '#src/workflows/shipping/bulk-booking.ts';
import { makeUser, signIn } from '#tests/helpers/admin.ts';
import { auth } from '#tests/helpers/app.ts';
import { settle } from '#tests/helpers/chat.ts';
import { carriersForm, startCarrierBed, type CarrierBed } from '#tests/helpers/carriers.ts';

const MERCHANT_GROUP = `C${'0123456789abcdef'.repeat(2)}`;
let bed: CarrierBed;

beforeAll(async () => {
  bed = await startCarrierBed({ name: 'carriers-shipping', thaiPost: true, env: { MERCHANT_LINE_TO: MERCHANT_GROUP } });
});
afterAll(async () => bed?.close());

// Short names for what every case uses.
const db = () => bed.db();
const deps = () => ({ config: bed.t.config, carriers: bed.t.app.deps.carriers.registry(), attempts: 4, backoffMs: 10 });
const confirmedLineOrder = (opts?: { qty?: number }) => bed.confirmedLineOrder(opts);
const pushesTo = (userId: string) => bed.pushesTo(userId);
const orderStatus = (number: string) => bed.orderStatus(number);
const parcelsOf = (orderId: number) => bed.parcelsOf(orderId);

describe('booking with Flash', () => {
  it("books through the API, answers with the fake's number and tells the LINE chat the number and link once", async () => {
    const { order, userId, customer } = await confirmedLineOrder();
    expect(customer.id).not.toBe(order.id);
    const res = await bed.t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/shipments`, headers: auth, payload: { carrier: 'flash' } });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    const parcel = bed.flash.parcels().find((p) => p.outTradeNo.startsWith(`${order.number}-`))!;
    expect(body.trackingNumber).toBe(parcel.pno);
    expect(body.carrier).toBe('Flash Express');
    expect(body.order.status).toBe('shipped');
    // Sender from the shop profile, receiver from the order's address, COD in satang, weight defaulted.
    expect(parcel.order).toMatchObject({
      srcName: 'ร้านบ้านขนม',
      srcProvinceName: 'กรุงเทพมหานคร',
      srcCityName: 'วัฒนา',
      srcPostalCode: '10110',
      dstPhone: '0891234567',
      codEnabled: '1',
      codAmount: String(order.total),
      weight: '500',
    });
    expect(parcel.order.dstPostalCode).toMatch(/^\d{5}$/);
    // The label PDF is kept.
    const [row] = await parcelsOf(order.id);
    expect(row!.labelPath).toBe(`media/labels/${parcel.pno}.pdf`);
    expect((await readFile(path.join(bed.dataDir, row!.labelPath!))).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // Asked again (a double click, a client retry): the same parcel, nothing new told.
    const again = await bed.t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/shipments`, headers: auth, payload: { carrier: 'flash' } });
    expect(again.statusCode).toBe(201);
    expect(again.json().trackingNumber).toBe(parcel.pno);
    await settle(bed.t.app);
    const told = pushesTo(userId).filter((m) => m.includes(parcel.pno));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain(`flashexpress.co.th/fle/tracking?se=${parcel.pno}`);
    expect(bed.flash.parcels().filter((p) => p.outTradeNo.startsWith(`${order.number}-`))).toHaveLength(1);

    // The printed label carries Flash's number as its barcode, and the sort code.
    const owner = await signIn(bed.t.app, (await makeUser(db(), 'owner')).email);
    const label = await owner.get(`/admin/print/labels?order=${order.number}`);
    expect(label.statusCode).toBe(200);
    expect(label.body).toContain(await code128Svg(parcel.pno, { height: 14 }));
    expect(label.body).not.toContain(await code128Svg(order.number, { height: 14 }));
    expect(label.body).toContain(parcel.sortCode);
  });

  it('retries a booking whose answer never came and ends with one parcel', async () => {
    const { order } = await confirmedLineOrder();
    bed.flash.failNext(1, 'late-response', { only: '/open/v3/orders', hangMs: 300 });
    const booked = await bookParcel(db(), deps(), { number: order.number, carrier: 'flash', actor: 'staff' });
    const made = bed.flash.parcels().filter((p) => p.outTradeNo === booked.shipment.outTradeNo);
    expect(made).toHaveLength(1);
    expect(booked.shipment.trackingNumber).toBe(made[0]!.pno);
    expect(booked.alreadyBooked).toBe(true);
    expect(bed.flash.calls.filter((c) => c.path === '/open/v3/orders' && c.params.outTradeNo === booked.shipment.outTradeNo).length).toBeGreaterThanOrEqual(2);
    expect(await parcelsOf(order.id)).toHaveLength(1);
  });

  it('keeps the carrier reason of a refused booking on the parcel and books it on a retry with the same reference', async () => {
    const { order } = await confirmedLineOrder();
    bed.flash.failNext(4, 'code0', { only: '/open/v3/orders' });
    await expect(bookParcel(db(), deps(), { number: order.number, carrier: 'flash', actor: 'staff' })).rejects.toMatchObject({ code: 'CARRIER_UNAVAILABLE' });
    const [reserved] = await parcelsOf(order.id);
    expect(reserved).toMatchObject({ status: 'booking', trackingNumber: null });
    expect(reserved!.bookingError).toMatch(/system error/);
    expect(await orderStatus(order.number)).toBe('confirmed');
    const booked = await bookParcel(db(), deps(), { number: order.number, carrier: 'flash', actor: 'staff' });
    expect(booked.shipment.outTradeNo).toBe(reserved!.outTradeNo);
    expect(booked.shipment.bookingError).toBeNull();
    expect(await orderStatus(order.number)).toBe('shipped');
  });

  it('books 50 orders in bulk through 20% failed calls: 50 parcels, no duplicates, each result listed', async () => {
    const placed = [];
    for (let i = 0; i < 50; i++) placed.push((await confirmedLineOrder({ qty: 1 })).order);
    const numbers = placed.map((o) => o.number);
    bed.flash.setFailureRate(0.2, ['code0', 500, 'reset', 'lost-response', 'late-response'], 17, { only: '/open/v3/orders', hangMs: 200 });
    try {
      let results = await bookParcels(db(), { ...deps(), attempts: 1 }, { numbers, carrier: 'flash', actor: 'staff' });
      expect(results).toHaveLength(50);
      const failed = results.filter((r) => !r.ok);
      expect(failed.length).toBeGreaterThan(0);
      for (const f of failed) {
        expect(['CARRIER_UNAVAILABLE', 'CARRIER_REFUSED']).toContain(f.code);
        expect(f.reason).toMatch(/^Flash Express: /);
      }
      // Retry the failures until none is left, as the desk's "retry" does.
      for (let round = 0; round < 20 && results.some((r) => !r.ok); round++) {
        const retry = await bookParcels(db(), { ...deps(), attempts: 1 }, { numbers: results.filter((r) => !r.ok).map((r) => r.number), carrier: 'flash', actor: 'staff' });
        results = results.map((r) => retry.find((x) => x.number === r.number) ?? r);
      }
      expect(results.every((r) => r.ok)).toBe(true);
    } finally {
      bed.flash.setFailureRate(0, []);
    }
    const refs = bed.flash.parcels().filter((p) => numbers.some((n) => p.outTradeNo.startsWith(`${n}-`)));
    expect(refs).toHaveLength(50);
    expect(new Set(refs.map((p) => p.outTradeNo.replace(/-\d+$/, ''))).size).toBe(50);
    for (const o of placed) {
      const parcels = await parcelsOf(o.id);
      expect(parcels).toHaveLength(1);
      expect(parcels[0]!.status).toBe('booked');
    }
  });

  it('goes on with every order when what follows one result fails (its audit row), and ends only when all are booked', async () => {
    const placed = [];
    for (let i = 0; i < 6; i++) placed.push((await confirmedLineOrder({ qty: 1 })).order);
    const numbers = placed.map((o) => o.number);
    const seen: string[] = [];
    const results = await bookParcels(db(), deps(), { numbers, carrier: 'flash', actor: 'staff', concurrency: 3 }, (r) => {
      seen.push(r.number);
      if (seen.length === 1) throw new Error('the audit row could not be written');
    });
    expect(results.map((r) => r.number)).toEqual(numbers);
    expect(results.every((r) => r.ok)).toBe(true);
    expect([...seen].sort()).toEqual([...numbers].sort());
    for (const o of placed) expect(await orderStatus(o.number)).toBe('shipped');
  });
});

describe('Flash status webhooks', () => {
  const url = '/webhooks/carriers/flash';
  const push = (body: string) => bed.t.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

  async function bookedOrder() {
    const ctx = await confirmedLineOrder();
    const booked = await bookParcel(db(), deps(), { number: ctx.order.number, carrier: 'flash', actor: 'staff' });
    return { ...ctx, pno: booked.shipment.trackingNumber!, shipmentId: booked.shipment.id };
  }

  it('goes 1 → 3 → 5 with a repeated 3 and a 5 before that repeat: delivered, told out for delivery once and delivered once, in order', async () => {
    const { order, userId, pno } = await bookedOrder();
    const base = Date.now() - 3_600_000;
    bed.flash.advance(pno, 1, { at: new Date(base) });
    const picked = bed.flash.webhookBody(pno);
    bed.flash.advance(pno, 3, { at: new Date(base + 60_000) });
    const out = bed.flash.webhookBody(pno);
    bed.flash.advance(pno, 5, { at: new Date(base + 120_000) });
    const delivered = bed.flash.webhookBody(pno);
    for (const body of [picked, out, out, delivered, out, delivered]) {
      const res = await push(body);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('{"errorCode":"1","state":"success"}');
    }
    expect(await orderStatus(order.number)).toBe('delivered');
    await settle(bed.t.app);
    const told = pushesTo(userId);
    const outTold = told.filter((m) => m.includes('กำลังนำส่ง'));
    const deliveredTold = told.filter((m) => m.includes('ส่งถึงแล้ว'));
    expect(outTold).toHaveLength(1);
    expect(deliveredTold).toHaveLength(1);
    expect(told.indexOf(outTold[0]!)).toBeLessThan(told.indexOf(deliveredTold[0]!));
    const timeline = (await shipmentTimeline(db(), order.id)).values().next().value!;
    expect(timeline.map((e) => e.status)).toEqual(['booked', 'picked_up', 'out_for_delivery', 'delivered']);
  });

  it('puts an out-for-delivery that arrives after delivered on the timeline and tells nobody of it', async () => {
    const { order, userId, pno } = await bookedOrder();
    const base = Date.now() - 3_600_000;
    bed.flash.advance(pno, 3, { at: new Date(base) });
    const out = bed.flash.webhookBody(pno);
    bed.flash.advance(pno, 5, { at: new Date(base + 60_000) });
    expect((await push(bed.flash.webhookBody(pno))).statusCode).toBe(200);
    expect((await push(out)).statusCode).toBe(200);
    expect(await orderStatus(order.number)).toBe('delivered');
    const [parcel] = await parcelsOf(order.id);
    expect(parcel!.status).toBe('delivered');
    await settle(bed.t.app);
    expect(pushesTo(userId).filter((m) => m.includes('กำลังนำส่ง'))).toHaveLength(0);
    expect(pushesTo(userId).filter((m) => m.includes('ส่งถึงแล้ว'))).toHaveLength(1);
  });

  it('alerts the merchant of a failed attempt once however often it is sent', async () => {
    const { order, pno } = await bookedOrder();
    bed.flash.advance(pno, 4, { at: new Date(Date.now() - 60_000) });
    const body = bed.flash.webhookBody(pno);
    await push(body);
    await push(body);
    await settle(bed.t.app);
    const alerts = bed.line.pushes().filter((p) => p.to === MERCHANT_GROUP && JSON.stringify(p.messages).includes(pno));
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0]!.messages)).toContain('ส่งพัสดุไม่สำเร็จ');
    expect(await orderStatus(order.number)).toBe('shipped');
  });

  it('answers a wrong signature with 401 and changes nothing', async () => {
    const { order, pno, shipmentId } = await bookedOrder();
    bed.flash.advance(pno, 5);
    const before = await db().select().from(shipmentEvents).where(eq(shipmentEvents.shipmentId, shipmentId));
    const res = await push(bed.flash.webhookBody(pno, { sign: 'A'.repeat(64) }));
    expect(res.statusCode).toBe(401);
    expect(await db().select().from(shipmentEvents).where(eq(shipmentEvents.shipmentId, shipmentId))).toEqual(before);
    expect(await orderStatus(order.number)).toBe('shipped');
    expect((await parcelsOf(order.id))[0]!.status).toBe('booked');
  });
  it('checks the signature before any limit: a burst of signed pushes is never 429, forgeries are limited per source', async () => {
    const { order, pno } = await bookedOrder();
    bed.flash.advance(pno, 1, { at: new Date(Date.now() - 60_000) });
    const signed = bed.flash.webhookBody(pno);
    const forged = bed.flash.webhookBody(pno, { sign: 'B'.repeat(64) });
    const PROXY = '10.0.0.9';
    const from = (body: string, remoteAddress: string) =>
      bed.t.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress });
    const genuine: number[] = [];
    const forgeries: number[] = [];
    // Flash's own pushes and forgeries through the same proxy address, interleaved.
    for (let i = 0; i < 150; i++) {
      genuine.push((await from(signed, PROXY)).statusCode);
      if (i % 3 === 0) forgeries.push((await from(forged, PROXY)).statusCode);
    }
    expect(genuine.every((c) => c === 200)).toBe(true);
    expect(forgeries.slice(0, 30).every((c) => c === 401)).toBe(true);
    expect(forgeries.slice(30).length).toBeGreaterThan(0);
    expect(forgeries.slice(30).every((c) => c === 429)).toBe(true);
    // Limited per source: a forgery from elsewhere is still judged (401), and nothing forged changed the parcel.
    expect((await from(forged, '198.51.100.23')).statusCode).toBe(401);
    expect((await from(signed, PROXY)).statusCode).toBe(200);
    expect((await parcelsOf(order.id))[0]!.status).toBe('picked_up');
  });
});

describe('Thailand Post', () => {
  const barcode = (serial: string) => `EF${serial}${s10CheckDigit(serial)}TH`;

  it('refuses a typed barcode whose check digit is wrong, in Thai', async () => {
    const { order } = await confirmedLineOrder();
    const good = barcode('58204711');
    const bad = `${good.slice(0, 10)}${(Number(good[10]) + 1) % 10}TH`;
    const res = await bed.t.app.inject({ method: 'POST', url: `/api/v1/orders/${order.number}/shipments`, headers: auth, payload: { carrier: 'thaipost', trackingNumber: bad } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'TRACKING_INVALID' });
    expect(res.json().error.message).toContain('เลขตรวจสอบ');
    expect(await orderStatus(order.number)).toBe('confirmed');
  });

  it('follows a typed barcode with the tracking job to 501 and delivers the order', async () => {
    const { order, userId } = await confirmedLineOrder();
    const number = barcode('58204712');
    const res = await bed.t.app.inject({
      method: 'POST',
      url: `/api/v1/orders/${order.number}/shipments`,
      headers: auth,
      payload: { carrier: 'EMS', trackingNumber: number.toLowerCase() },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().trackingNumber).toBe(number);
    const day = Date.now() - 2 * 86_400_000;
    bed.post!.addEvent(number, { status: '103', description: 'รับฝาก', at: new Date(day) });
    bed.post!.addEvent(number, { status: '201', description: 'อยู่ระหว่างการขนส่ง', at: new Date(day + 3_600_000) });
    const first = await trackOpenParcels(db(), { config: bed.t.config, carriers: bed.t.app.deps.carriers.registry() });
    expect(first.asked).toBeGreaterThanOrEqual(1);
    expect((await parcelsOf(order.id))[0]!.status).toBe('in_transit');
    bed.post!.addEvent(number, { status: '301', description: 'อยู่ระหว่างการนำจ่าย', at: new Date(day + 86_400_000) });
    await trackOpenParcels(db(), { config: bed.t.config, carriers: bed.t.app.deps.carriers.registry() }, { outForDelivery: false });
    bed.post!.addEvent(number, { status: '501', description: 'นำจ่ายสำเร็จ', at: new Date(day + 90_000_000), receiverName: 'สมหญิง' });
    const before = bed.post!.trackCalls().length;
    await trackOpenParcels(db(), { config: bed.t.config, carriers: bed.t.app.deps.carriers.registry() }, { outForDelivery: true });
    expect(bed.post!.trackCalls().length).toBe(before + 1);
    expect(await orderStatus(order.number)).toBe('delivered');
    expect((await parcelsOf(order.id))[0]!.status).toBe('delivered');
    // A delivered parcel is no longer asked about.
    const calls = bed.post!.trackCalls().length;
    await trackOpenParcels(db(), { config: bed.t.config, carriers: bed.t.app.deps.carriers.registry() });
    expect(bed.post!.trackCalls().slice(calls).flatMap((c) => c.barcodes)).not.toContain(number);
    await settle(bed.t.app);
    expect(pushesTo(userId).filter((m) => m.includes('ส่งถึงแล้ว'))).toHaveLength(1);
  });
});

describe('carrier settings', () => {
  it('keeps Flash credentials sealed, never shows them back, books with them, and lets the shop turn the booking message off', async () => {
    const owner = await signIn(bed.t.app, (await makeUser(db(), 'owner')).email);
    const form = (extra: Record<string, string | string[]>) => carriersForm({
      defaultWeightGrams: '750',
      msgOutForDelivery: '1',
      msgDelivered: '1',
      ...extra,
    });
    const saved = await owner.post('/admin/settings/carriers', form({ flashMchId: bed.flash.mchId, flashSecretKey: bed.flash.secretKey }));
    expect(saved.statusCode).toBeLessThan(400);
    const [row] = await db().select().from(shopSettings).where(eq(shopSettings.section, 'carriers'));
    const stored = JSON.stringify(row!.data);
    expect(stored).not.toContain(bed.flash.secretKey);
    expect(stored).toMatch(/"secretKey":"sb1\./);
    const page = await owner.get('/admin/settings/carriers');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(bed.flash.secretKey);
    expect(page.body).not.toContain('sb1.');
    // Saved again without a secret: the saved one is kept.
    await owner.post('/admin/settings/carriers', form({ flashMchId: bed.flash.mchId }));
    await bed.t.app.deps.settings.load();
    expect(bed.t.config.shop.parcels).toMatchObject({ defaultWeightGrams: 750, messages: { booked: false, outForDelivery: true, delivered: true } });

    const { order, userId } = await confirmedLineOrder();
    const booked = await bookParcel(db(), deps(), { number: order.number, carrier: 'flash', actor: 'staff' });
    expect(bed.flash.parcel(booked.shipment.trackingNumber!)?.order.weight).toBe('750');
    await settle(bed.t.app);
    expect(pushesTo(userId).filter((m) => m.includes(booked.shipment.trackingNumber!))).toHaveLength(0);
  });
});
