import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, productVariants, stockLevels } from '#src/db/schema/index.ts';
import { linesOf } from '#src/modules/orders/index.ts';
import { splitOrder } from '#src/workflows/orders/split-order.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '#tests/helpers/admin.ts';
import { auth } from '#tests/helpers/app.ts';
import { settle } from '#tests/helpers/chat.ts';
import { startCarrierBed, type CarrierBed } from '#tests/helpers/carriers.ts';
import { makeProduct } from '#tests/helpers/factories.ts';

// Issue 17: a split order's parcels booked one by one; a booking cancelled before pickup; a courier asked
// to come; an order with a booked parcel not edited behind the carrier's back.
let bed: CarrierBed;
let packer: AdminClient;
let staff: AdminClient;
const db = () => bed.db();

beforeAll(async () => {
  bed = await startCarrierBed({ name: 'carriers-parcels' });
  packer = await signIn(bed.t.app, (await makeUser(db(), 'packer', { language: 'th' })).email);
  staff = await signIn(bed.t.app, (await makeUser(db(), 'staff', { language: 'th' })).email);
});
afterAll(async () => bed?.close());

async function weighed(grams: number, price: number) {
  const { sku } = await makeProduct(db(), { price, stock: { MAIN: 100 } });
  await db().update(productVariants).set({ weightGrams: grams }).where(eq(productVariants.sku, sku));
  return sku;
}

const onHand = async (sku: string) => {
  const [v] = await db().select().from(productVariants).where(eq(productVariants.sku, sku));
  const rows = await db().select().from(stockLevels).where(eq(stockLevels.variantId, v!.id));
  return rows.reduce((n, r) => n + r.onHand, 0);
};

/** A COD order of two products (a 1.2 kg rice cooker and 3 × 300 g coffee) split into two parcels. */
async function splitCodOrder() {
  const cooker = await weighed(1_200, 89_000);
  const coffee = await weighed(300, 25_000);
  const ctx = await bed.confirmedLineOrder({ lines: [{ sku: cooker, qty: 1 }, { sku: coffee, qty: 3 }] });
  const lines = await linesOf(db(), ctx.order.id);
  const parcels = await splitOrder(db(), {
    number: ctx.order.number,
    actor: 'staff',
    parcels: lines.map((l) => ({ lines: [{ orderLineId: l.id, qty: l.qty }] })),
  });
  return { ...ctx, parcels, cooker, coffee };
}

describe('a split order booked parcel by parcel', () => {
  it('books each parcel with its own number and weight, COD with the first, tells each number once, ships with the last', async () => {
    const { order, userId, parcels, cooker, coffee } = await splitCodOrder();
    const page = decodeEntities((await packer.get(`/admin/orders/${order.number}`)).body);
    // No whole-order booking: each waiting parcel has its own button.
    expect(page).not.toContain('data-book="flash"');
    for (const p of parcels) expect(page).toContain(`data-book-parcel="${p.id}"`);

    const first = await packer.post(`/admin/orders/${order.number}/parcels/${parcels[1]!.id}/book`, { carrier: 'flash' });
    expect(first.statusCode).toBe(303);
    expect(await bed.orderStatus(order.number)).toBe('confirmed');
    expect(await onHand(coffee)).toBe(97);
    expect(await onHand(cooker)).toBe(100);

    const second = await packer.post(`/admin/orders/${order.number}/parcels/${parcels[0]!.id}/book`, { carrier: 'flash' });
    expect(second.statusCode).toBe(303);
    expect(await bed.orderStatus(order.number)).toBe('shipped');
    expect(await onHand(cooker)).toBe(99);

    const atFlash = bed.flashOf(order.number);
    expect(atFlash).toHaveLength(2);
    const coffeeParcel = atFlash.find((p) => p.outTradeNo === `${order.number}-${parcels[1]!.id}`)!;
    const cookerParcel = atFlash.find((p) => p.outTradeNo === `${order.number}-${parcels[0]!.id}`)!;
    expect(coffeeParcel.order.weight).toBe('900');
    expect(cookerParcel.order.weight).toBe('1200');
    // The whole amount owed is collected with the first parcel booked; the second carries none.
    expect(coffeeParcel.order).toMatchObject({ codEnabled: '1', codAmount: String(order.total) });
    expect(cookerParcel.order.codEnabled).toBe('0');
    expect(coffeeParcel.pno).not.toBe(cookerParcel.pno);

    // A second click on a booked parcel makes nothing new.
    await packer.post(`/admin/orders/${order.number}/parcels/${parcels[1]!.id}/book`, { carrier: 'flash' });
    expect(bed.flashOf(order.number)).toHaveLength(2);

    await settle(bed.t.app);
    const told = bed.pushesTo(userId);
    for (const pno of [coffeeParcel.pno, cookerParcel.pno]) expect(told.filter((m) => m.includes(pno))).toHaveLength(1);
    const after = decodeEntities((await staff.get(`/admin/orders/${order.number}`)).body);
    expect(after).toContain(coffeeParcel.pno);
    expect(after).toContain(cookerParcel.pno);
  });

  it('books a parcel of a split order through the API by its parcelId, and refuses the whole order', async () => {
    const { order, parcels } = await splitCodOrder();
    const url = `/api/v1/orders/${order.number}/shipments`;
    const whole = await bed.t.app.inject({ method: 'POST', url, headers: auth, payload: { carrier: 'flash' } });
    expect(whole.statusCode).toBe(409);
    expect(whole.json().error.code).toBe('SHIP_BY_PARCEL');
    const one = await bed.t.app.inject({ method: 'POST', url, headers: auth, payload: { carrier: 'flash', parcelId: parcels[1]!.id } });
    expect(one.statusCode).toBe(201);
    expect(one.json().trackingNumber).toBe(bed.flashOf(order.number)[0]!.pno);
    expect(bed.flashOf(order.number)[0]!.outTradeNo).toBe(`${order.number}-${parcels[1]!.id}`);
  });

  it('refuses to cancel the order while one of its parcels is booked, in Thai, and leaves the booking alone', async () => {
    const { order, parcels } = await splitCodOrder();
    expect((await packer.post(`/admin/orders/${order.number}/parcels/${parcels[0]!.id}/book`, { carrier: 'flash' })).statusCode).toBe(303);
    const res = await staff.post(`/admin/orders/${order.number}/status`, { to: 'cancelled', note: 'ลูกค้าขอยกเลิก' });
    expect(res.statusCode).toBe(409);
    expect(decodeEntities(res.body)).toContain('กรุณายกเลิกการจองขนส่งในหน้าออเดอร์ก่อน');
    expect(await bed.orderStatus(order.number)).toBe('confirmed');
    const [atFlash] = bed.flashOf(order.number);
    expect(bed.flash.parcel(atFlash!.pno)!.state).toBe(0);
    // Its booking cancelled, the order can be cancelled.
    expect((await staff.post(`/admin/orders/${order.number}/parcels/${parcels[0]!.id}/cancel`, {})).statusCode).toBe(303);
    expect((await staff.post(`/admin/orders/${order.number}/status`, { to: 'cancelled', note: 'ลูกค้าขอยกเลิก' })).statusCode).toBe(303);
    expect(await bed.orderStatus(order.number)).toBe('cancelled');
  });

  it("keeps a parcel's failed booking with the carrier's reason, and its retry books the same reference", async () => {
    const { order, parcels } = await splitCodOrder();
    bed.flash.failNext(3, 'code0', { only: '/open/v3/orders' });
    const failed = await packer.post(`/admin/orders/${order.number}/parcels/${parcels[0]!.id}/book`, { carrier: 'flash' });
    expect(failed.statusCode).toBe(409);
    expect(decodeEntities(failed.body)).toContain('ขนส่งไม่รับจองพัสดุ');
    const [reserved] = (await bed.parcelsOf(order.id)).filter((p) => p.id === parcels[0]!.id);
    expect(reserved!.status).toBe('booking');
    expect(decodeEntities(failed.body)).toContain(`data-booking-error="${parcels[0]!.id}"`);

    // The other parcel is booked meanwhile; the order waits for the failed one.
    expect((await packer.post(`/admin/orders/${order.number}/parcels/${parcels[1]!.id}/book`, { carrier: 'flash' })).statusCode).toBe(303);
    expect(await bed.orderStatus(order.number)).toBe('confirmed');
    expect((await packer.post(`/admin/orders/${order.number}/parcels/${parcels[0]!.id}/book`, { carrier: 'flash' })).statusCode).toBe(303);
    expect(await bed.orderStatus(order.number)).toBe('shipped');
    const atFlash = bed.flashOf(order.number);
    expect(atFlash.map((p) => p.outTradeNo).sort()).toEqual([reserved!.outTradeNo, `${order.number}-${parcels[1]!.id}`].sort());
  });
});

describe('cancelling a booking before pickup, and asking for a pickup', () => {
  it('cancels at Flash, puts the stock back, frees the order to book again; packers may not, CSRF is checked, audited', async () => {
    const { order, sku } = await bed.confirmedLineOrder({ qty: 2 });
    expect((await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' })).statusCode).toBe(303);
    const [booked] = await bed.parcelsOf(order.id);
    expect(await onHand(sku)).toBe(498);
    const page = decodeEntities((await staff.get(`/admin/orders/${order.number}`)).body);
    expect(page).toContain(`data-cancel-booking="${booked!.id}"`);
    expect(page).toContain('ยกเลิกการจองขนส่ง');
    expect(page).toContain(`data-pickup="${booked!.id}"`);

    const url = `/admin/orders/${order.number}/parcels/${booked!.id}/cancel`;
    expect((await packer.post(url, {})).statusCode).toBe(403);
    expect((await staff.post(url, {}, { csrf: false })).statusCode).toBe(403);
    expect(bed.flash.parcel(booked!.trackingNumber!)!.state).toBe(0);

    const res = await staff.post(url, {});
    expect(res.statusCode).toBe(303);
    expect(bed.flash.parcel(booked!.trackingNumber!)!.state).toBe(9);
    expect(await bed.orderStatus(order.number)).toBe('packed');
    expect(await onHand(sku)).toBe(500);
    expect((await bed.parcelsOf(order.id))[0]!.status).toBe('cancelled');
    const audit = await db().select().from(adminAuditLog).where(and(eq(adminAuditLog.orderNumber, order.number), eq(adminAuditLog.action, 'order.cancelBooking')));
    expect(audit).toHaveLength(1);
    const after = decodeEntities((await staff.get(`/admin/orders/${order.number}`)).body);
    expect(after).toContain('data-book="flash"');
    expect(after).toContain(`ยกเลิกการจอง Flash Express ${booked!.trackingNumber}`);

    // Booked again: a new parcel and number at Flash; the cancelled one stays cancelled.
    expect((await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' })).statusCode).toBe(303);
    const parcels = await bed.parcelsOf(order.id);
    expect(parcels.map((p) => p.status)).toEqual(['cancelled', 'booked']);
    expect(parcels[1]!.trackingNumber).not.toBe(booked!.trackingNumber);
    expect(await bed.orderStatus(order.number)).toBe('shipped');
    expect(await onHand(sku)).toBe(498);
  });

  it("undoes a booking the merchant cancelled in Flash's own app: the webhook frees the order once, however often it comes", async () => {
    const { order, sku } = await bed.confirmedLineOrder({ qty: 3 });
    await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' });
    const [booked] = await bed.parcelsOf(order.id);
    expect(await onHand(sku)).toBe(497);
    bed.flash.advance(booked!.trackingNumber!, 9, { at: new Date(Date.now() - 60_000) });
    const body = bed.flash.webhookBody(booked!.trackingNumber!);
    for (let i = 0; i < 2; i++) {
      const res = await bed.t.app.inject({ method: 'POST', url: '/webhooks/carriers/flash', payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.statusCode).toBe(200);
    }
    expect(await bed.orderStatus(order.number)).toBe('packed');
    expect(await onHand(sku)).toBe(500);
    expect((await bed.parcelsOf(order.id)).map((p) => p.status)).toEqual(['cancelled']);
    expect((await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' })).statusCode).toBe(303);
    expect(bed.flashOf(order.number)).toHaveLength(2);
    expect(await onHand(sku)).toBe(497);
  });

  it("refuses to cancel a parcel the courier picked up, with Flash's reason in Thai, and changes nothing", async () => {
    const { order } = await bed.confirmedLineOrder();
    await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' });
    const [booked] = await bed.parcelsOf(order.id);
    bed.flash.advance(booked!.trackingNumber!, 1);
    const res = await staff.post(`/admin/orders/${order.number}/parcels/${booked!.id}/cancel`, {});
    expect(res.statusCode).toBe(409);
    expect(decodeEntities(res.body)).toContain('ขนส่งไม่ยกเลิกพัสดุ');
    expect(bed.flash.parcel(booked!.trackingNumber!)!.state).toBe(1);
    expect(await bed.orderStatus(order.number)).toBe('shipped');
    expect((await bed.parcelsOf(order.id))[0]!.status).toBe('booked');
  });

  it('asks Flash for a pickup at the warehouse for every parcel waiting there, noted on the order; CSRF checked', async () => {
    const { order } = await bed.confirmedLineOrder();
    await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' });
    const [mine] = await bed.parcelsOf(order.id);
    const booked = await bed.db().query.shipments.findMany({ where: (s, { eq: is }) => is(s.status, 'booked') });
    const waiting = booked.filter((s) => s.warehouseId === mine!.warehouseId && s.carrier === 'Flash Express').length;
    expect(waiting).toBeGreaterThan(1);
    const before = bed.flash.pickups().length;
    // A booked order has shipped: the packer no longer sees it (packers see orders to pack), staff ask.
    expect((await packer.post(`/admin/orders/${order.number}/pickup`, {})).statusCode).toBe(404);
    expect((await staff.post(`/admin/orders/${order.number}/pickup`, {}, { csrf: false })).statusCode).toBe(403);
    const res = await staff.post(`/admin/orders/${order.number}/pickup`, {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain('done=pickupRequested');
    const pickups = bed.flash.pickups();
    expect(pickups).toHaveLength(before + 1);
    expect(pickups.at(-1)!.params).toMatchObject({ srcPostalCode: '10110', estimateParcelNumber: String(waiting) });
    const page = decodeEntities((await staff.get(`/admin/orders/${order.number}`)).body);
    expect(page).toContain(`เรียก Flash Express เข้ารับพัสดุ ${waiting} ชิ้น (เลขที่ ${pickups.at(-1)!.ticketPickupId})`);
  });
});

describe('editing an order with a booked parcel', () => {
  const editForm = (sku: string, qty: number) => ({
    sku: [sku],
    qty: [String(qty)],
    shippingFee: '0.00',
    discount: '0.00',
    name: 'สมหญิง ใจดี',
    phone: '0891234567',
    address: '12 ถ.นิมมานเหมินท์ ต.สุเทพ อ.เมืองเชียงใหม่ จ.เชียงใหม่',
    postcode: '50200',
    reason: 'ลูกค้าขอเพิ่มจำนวน',
  });

  it('is refused in Thai while the parcel waits for the courier or its booking failed; after a cancel it is edited and booked with the new weight and COD', async () => {
    const sku = await weighed(500, 30_000);
    const { order } = await bed.confirmedLineOrder({ lines: [{ sku, qty: 1 }] });
    // A failed booking holds the order too: the carrier may have its first weight and COD.
    bed.flash.failNext(3, 'code0', { only: '/open/v3/orders' });
    expect((await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' })).statusCode).toBe(409);
    const refused = await staff.post(`/admin/orders/${order.number}/edit`, editForm(sku, 3));
    expect(refused.statusCode).toBe(409);
    expect(decodeEntities(refused.body)).toContain('กรุณายกเลิกการจองขนส่งในหน้าออเดอร์ก่อน');
    const page = decodeEntities((await staff.get(`/admin/orders/${order.number}`)).body);
    expect(page).toContain('data-booked-hint');
    expect(page).not.toContain('data-amend="edit"');

    // Withdrawn (no carrier call), the order can be edited; then booked, it is held again.
    const [failed] = await bed.parcelsOf(order.id);
    expect((await staff.post(`/admin/orders/${order.number}/parcels/${failed!.id}/cancel`, {})).statusCode).toBe(303);
    expect((await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' })).statusCode).toBe(303);
    const held = await staff.post(`/admin/orders/${order.number}/edit`, editForm(sku, 3));
    expect(held.statusCode).toBe(409);
    expect(decodeEntities(held.body)).toContain('กรุณายกเลิกการจองขนส่งในหน้าออเดอร์ก่อน');
    const firstBooking = bed.flashOf(order.number).at(-1)!;
    expect(firstBooking.order.weight).toBe('500');

    const booked = (await bed.parcelsOf(order.id)).find((p) => p.status === 'booked')!;
    expect((await staff.post(`/admin/orders/${order.number}/parcels/${booked.id}/cancel`, {})).statusCode).toBe(303);
    const edited = await staff.post(`/admin/orders/${order.number}/edit`, editForm(sku, 3));
    expect(edited.statusCode).toBe(303);
    expect((await packer.post(`/admin/orders/${order.number}/book`, { carrier: 'flash' })).statusCode).toBe(303);
    const rebooked = bed.flashOf(order.number).at(-1)!;
    expect(rebooked.pno).not.toBe(firstBooking.pno);
    expect(rebooked.order.weight).toBe('1500');
    const [fresh] = await bed.db().query.orders.findMany({ where: (o, { eq: is }) => is(o.id, order.id) });
    expect(rebooked.order.codAmount).toBe(String(fresh!.total));
    expect(fresh!.total).not.toBe(order.total);
  });
});
