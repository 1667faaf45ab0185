import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CarrierError,
  createFlashCarrier,
  isCarrierError,
  type BookingResult,
  type CarrierEvent,
  type FlashCarrier,
  type ParcelBooking,
} from '#src/modules/shipping/carriers/index.ts';
import { startFakeFlashApi, type FakeFlashApi } from '#tests/fakes/flash-api.ts';
import { carrierErrorOf, makeParcelBooking, makeParty } from '#tests/helpers/carriers.ts';

const run = promisify(execFile);
const setting = { code: 'flash', name: 'Flash Express', trackingUrl: 'https://www.flashexpress.co.th/fle/tracking?se={tracking}' };

/** What a job does with a booking: try again while the failure says it may pass. */
async function bookWithRetries(carrier: FlashCarrier, parcel: ParcelBooking, attempts = 15): Promise<BookingResult> {
  for (let i = 1; ; i++) {
    try {
      return await carrier.book(parcel);
    } catch (err) {
      if (!isCarrierError(err) || !err.retryable || i >= attempts) throw err;
    }
  }
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'talad-label-'));
  try {
    const file = path.join(dir, 'label.pdf');
    await writeFile(file, bytes);
    return (await run('pdftotext', [file, '-'])).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('Flash Express adapter against the fake Flash API', () => {
  let fake: FakeFlashApi;
  let flash: FlashCarrier;
  const adapter = (overrides: { secretKey?: string; mchId?: string; timeoutMs?: number } = {}) =>
    createFlashCarrier({
      mchId: overrides.mchId ?? fake.mchId,
      secretKey: overrides.secretKey ?? fake.secretKey,
      baseUrl: fake.baseUrl,
      setting,
      timeoutMs: overrides.timeoutMs ?? 60_000,
      rate: { perSecond: 200, burst: 20 },
    });

  beforeAll(async () => {
    fake = await startFakeFlashApi();
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => {
    fake.reset();
  });
  beforeAll(() => {
    flash = adapter();
  });

  describe('booking', () => {
    it("books a parcel and answers with the fake's tracking number and sort code", async () => {
      const parcel = makeParcelBooking();
      const booked = await flash.book(parcel);
      const [held] = fake.parcels();
      expect(fake.parcels()).toHaveLength(1);
      expect(booked).toMatchObject({
        trackingNumber: held!.pno,
        outTradeNo: parcel.outTradeNo,
        sortCode: held!.sortCode,
        sortingLineCode: held!.sortingLineCode,
        destinationStore: held!.dstStoreName,
        alreadyBooked: false,
      });
      expect(booked.trackingNumber).toMatch(/^TH\d{9}[A-Z]$/);
      expect(flash.trackingUrl(booked.trackingNumber)).toBe(`https://www.flashexpress.co.th/fle/tracking?se=${booked.trackingNumber}`);
    });

    it('sends sender, receiver, weight and category in Flash fields, signed', async () => {
      const parcel = makeParcelBooking({ weightGrams: 1250, itemCategory: 'clothing' });
      await flash.book(parcel);
      const call = fake.calls.find((c) => c.path === '/open/v3/orders')!;
      expect(call.signValid).toBe(true);
      expect(call.params).toMatchObject({
        mchId: fake.mchId,
        outTradeNo: parcel.outTradeNo,
        srcName: 'ร้านทดสอบ',
        srcPhone: '0812345678',
        srcProvinceName: 'กรุงเทพมหานคร',
        srcCityName: 'วัฒนา',
        srcDistrictName: 'คลองเตยเหนือ',
        srcPostalCode: '10110',
        srcDetailAddress: '99/1 ซอยสุขุมวิท 21',
        dstName: 'สมหญิง ใจดี',
        dstProvinceName: 'เชียงใหม่',
        dstCityName: 'เมืองเชียงใหม่',
        dstDistrictName: 'สุเทพ',
        dstPostalCode: '50200',
        weight: '1250',
        articleCategory: '4',
        expressCategory: '1',
        codEnabled: '0',
        insured: '0',
        remark: 'ระวังแตก',
      });
      expect(call.params.codAmount).toBeUndefined();
      expect(call.params.nonceStr).toMatch(/^[0-9a-f]{32}$/);
    });

    it('sends the COD amount in satang for a cash-on-delivery parcel', async () => {
      await flash.book(makeParcelBooking({ codAmount: 45_900 }));
      expect(fake.parcels()[0]!.order).toMatchObject({ codEnabled: '1', codAmount: '45900' });
    });

    it('gives each call a fresh nonce', async () => {
      await flash.book(makeParcelBooking());
      await flash.book(makeParcelBooking());
      const nonces = fake.calls.map((c) => c.params.nonceStr);
      expect(new Set(nonces).size).toBe(2);
    });

    it('refuses a parcel it cannot send before calling Flash', async () => {
      const err = await carrierErrorOf(flash.book(makeParcelBooking({ receiver: makeParty({ postcode: '5020' }) })));
      expect(err).toMatchObject({ code: 'INVALID_PARCEL', retryable: false });
      expect(err.message).toContain('receiver.postcode');
      expect(fake.calls).toHaveLength(0);
    });

    it('returns the same parcel when a booking that timed out is retried, and Flash holds one parcel', async () => {
      const parcel = makeParcelBooking();
      fake.failNext(1, 'late-response', { only: '/open/v3/orders' });
      const err = await carrierErrorOf(adapter({ timeoutMs: 1_000 }).book(parcel));
      expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true });
      // Flash made the parcel although the answer never came.
      expect(fake.parcels()).toHaveLength(1);

      const retried = await flash.book(parcel);
      expect(retried.trackingNumber).toBe(fake.parcels()[0]!.pno);
      expect(retried.sortCode).toBe(fake.parcels()[0]!.sortCode);
      expect(retried.alreadyBooked).toBe(true);
      expect(fake.parcels()).toHaveLength(1);
      expect(fake.calls.filter((c) => c.path === '/open/v3/orders').map((c) => c.code)).toEqual([undefined, 1010]);
    });

    it('returns the same parcel when the answer was lost on the way back', async () => {
      const parcel = makeParcelBooking();
      fake.failNext(1, 'lost-response', { only: '/open/v3/orders' });
      expect(await carrierErrorOf(flash.book(parcel))).toMatchObject({ code: 'NETWORK', retryable: true });
      const retried = await flash.book(parcel);
      expect(retried).toMatchObject({ trackingNumber: fake.parcels()[0]!.pno, alreadyBooked: true });
      expect(fake.parcels()).toHaveLength(1);
    });

    it('calls code 0 and HTTP 500 retryable, with nothing booked, and books on the next try', async () => {
      const parcel = makeParcelBooking();
      fake.failNext(1, 'code0');
      fake.failNext(1, 500);
      expect(await carrierErrorOf(flash.book(parcel))).toMatchObject({ code: '0', retryable: true, message: 'system error, please try again later' });
      expect(await carrierErrorOf(flash.book(parcel))).toMatchObject({ code: 'HTTP_500', retryable: true });
      expect(fake.parcels()).toHaveLength(0);
      expect((await flash.book(parcel)).alreadyBooked).toBe(false);
      expect(fake.parcels()).toHaveLength(1);
    });

    it("reports Flash's refusal of a wrong secret key as not retryable, with Flash's reason", async () => {
      const err = await carrierErrorOf(adapter({ secretKey: 'not-the-key-at-all' }).book(makeParcelBooking()));
      expect(err).toMatchObject({ code: '1002', retryable: false, message: 'invalid signature' });
      expect(fake.calls[0]!.signValid).toBe(false);
      expect(fake.parcels()).toHaveLength(0);
    });

    it('does not retry an address that is not the Flash API', async () => {
      const lost = createFlashCarrier({ mchId: fake.mchId, secretKey: fake.secretKey, baseUrl: `${fake.baseUrl}/wrong`, setting });
      expect(await carrierErrorOf(lost.book(makeParcelBooking()))).toMatchObject({ code: 'HTTP_404', retryable: false });
    });

    it('books 50 parcels through 20% failed calls with exactly 50 parcels and no duplicate', async () => {
      const hasty = adapter({ timeoutMs: 1_500 });
      fake.setFailureRate(0.2, ['code0', 500, 'reset', 'lost-response', 'late-response'], 17);
      const parcels = Array.from({ length: 50 }, () => makeParcelBooking());
      const results: BookingResult[] = [];
      for (let i = 0; i < parcels.length; i += 5) {
        results.push(...(await Promise.all(parcels.slice(i, i + 5).map((p) => bookWithRetries(hasty, p)))));
      }
      fake.setFailureRate(0, []);
      const held = fake.parcels();
      expect(held).toHaveLength(50);
      expect(new Set(held.map((p) => p.outTradeNo)).size).toBe(50);
      expect(new Set(results.map((r) => r.trackingNumber)).size).toBe(50);
      for (const [i, r] of results.entries()) expect(fake.parcel(r.trackingNumber)?.outTradeNo).toBe(parcels[i]!.outTradeNo);
      // The failures really happened, and some bookings came back as the parcel made before.
      expect(fake.calls.filter((c) => c.failure !== undefined).length).toBeGreaterThan(5);
      expect(results.some((r) => r.alreadyBooked)).toBe(true);
    });
  });

  describe('labels, cancelling and pickups', () => {
    it('fetches the label PDF, which carries the tracking number and sort code', async () => {
      const booked = await flash.book(makeParcelBooking());
      expect(booked.label && 'fetch' in booked.label).toBe(true);
      const bytes = await (booked.label as { fetch: () => Promise<Uint8Array> }).fetch();
      expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
      const text = await pdfText(bytes);
      expect(text).toContain(booked.trackingNumber);
      expect(text).toContain(booked.sortCode!);
      // A reprint later asks again by number.
      expect(await pdfText(await flash.fetchLabel(booked.trackingNumber))).toContain(booked.trackingNumber);
      expect(fake.calls.filter((c) => c.path === `/open/v1/orders/${booked.trackingNumber}/pre_print`)).toHaveLength(2);
    });

    it("refuses a label for a number Flash does not know, with Flash's reason", async () => {
      expect(await carrierErrorOf(flash.fetchLabel('TH999999999Z'))).toMatchObject({ code: '1011', retryable: false, message: 'parcel not found' });
    });

    it('cancels a parcel before pickup and not after', async () => {
      const waiting = await flash.book(makeParcelBooking());
      await flash.cancel(waiting.trackingNumber);
      expect(fake.parcel(waiting.trackingNumber)!.state).toBe(9);

      const picked = await flash.book(makeParcelBooking());
      fake.advance(picked.trackingNumber, 1);
      const err = await carrierErrorOf(flash.cancel(picked.trackingNumber));
      expect(err.retryable).toBe(false);
      expect(err.message).toContain('cannot be cancelled');
      expect(fake.parcel(picked.trackingNumber)!.state).toBe(1);
    });

    it('asks for a pickup from the warehouse', async () => {
      const result = await flash.requestPickup({ from: makeParty(), estimatedParcels: 12, remark: 'ประตูหลัง' });
      expect(result.reference).toBe(fake.pickups()[0]!.ticketPickupId);
      expect(result.courierPhone).toMatch(/^0\d{9}$/);
      expect(fake.pickups()[0]!.params).toMatchObject({ srcName: 'ร้านทดสอบ', srcPostalCode: '10110', estimateParcelNumber: '12', remark: 'ประตูหลัง' });
    });
  });

  describe('tracking', () => {
    it("maps a parcel's routes to our statuses, oldest first", async () => {
      const a = await flash.book(makeParcelBooking());
      const b = await flash.book(makeParcelBooking());
      const t0 = Date.parse('2025-03-01T02:00:00Z');
      const at = (h: number) => new Date(t0 + h * 3_600_000);
      fake.advance(a.trackingNumber, 1, { at: at(0) });
      fake.advance(a.trackingNumber, 2, { at: at(5) });
      fake.advance(a.trackingNumber, 2, { at: at(9), routeAction: 'SHIPMENT_WAREHOUSE_SCAN' });
      fake.advance(a.trackingNumber, 3, { at: at(20) });
      fake.advance(a.trackingNumber, 5, { at: at(23), message: 'ผู้รับเซ็นรับแล้ว' });
      fake.advance(b.trackingNumber, 1, { at: at(1) });
      fake.advance(b.trackingNumber, 4, { at: at(26) });

      const events = await flash.track([a.trackingNumber, b.trackingNumber, 'TH000000000X']);
      const of = (pno: string) => events.filter((e) => e.trackingNumber === pno);
      expect(of(a.trackingNumber).map((e) => e.status)).toEqual(['picked_up', 'in_transit', 'in_transit', 'out_for_delivery', 'delivered']);
      expect(of(a.trackingNumber).map((e) => e.at.getTime())).toEqual([0, 5, 9, 20, 23].map((h) => at(h).getTime()));
      expect(of(a.trackingNumber).at(-1)).toMatchObject({ rawCode: 'DELIVERY_CONFIRM', description: 'ผู้รับเซ็นรับแล้ว' });
      expect(of(b.trackingNumber).map((e) => e.status)).toEqual(['picked_up', 'failed_attempt']);
      // A number Flash does not know gives no events and does not stop the others.
      expect(of('TH000000000X')).toEqual([]);
    });

    it('reports a refusal of every number as an error, not as parcels without news', async () => {
      const a = await flash.book(makeParcelBooking());
      const b = await flash.book(makeParcelBooking());
      const err = await carrierErrorOf(adapter({ mchId: 'ZZ9999' }).track([a.trackingNumber, b.trackingNumber]));
      expect(err).toMatchObject({ code: '1001', retryable: false });
    });

    it('stops with a retryable error when Flash has a server error', async () => {
      const a = await flash.book(makeParcelBooking());
      fake.failNext(1, 'code0', { only: /\/routes$/ });
      expect(await carrierErrorOf(flash.track([a.trackingNumber]))).toMatchObject({ code: '0', retryable: true });
    });
  });

  describe('status webhooks', () => {
    it('accepts a correctly signed webhook and reads its status and our reference', async () => {
      const booked = await flash.book(makeParcelBooking());
      fake.advance(booked.trackingNumber, 3, { at: new Date('2025-03-02T01:30:00Z') });
      const rawBody = fake.webhookBody(booked.trackingNumber);
      expect(flash.verifyWebhook({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, rawBody })).toBe(true);
      const events = flash.parseWebhook(rawBody);
      expect(events).toEqual<CarrierEvent[]>([
        {
          trackingNumber: booked.trackingNumber,
          status: 'out_for_delivery',
          at: new Date('2025-03-02T01:30:00Z'),
          description: 'ระหว่างการจัดส่ง',
          rawCode: 'state:3',
          reference: booked.outTradeNo,
        },
      ]);
      expect(flash.webhookAck).toEqual({ status: 200, contentType: 'application/json', body: '{"errorCode":"1","state":"success"}' });
    });

    it('refuses a wrong sign, another merchant and a changed nonce', async () => {
      const booked = await flash.book(makeParcelBooking());
      fake.advance(booked.trackingNumber, 5);
      const verify = (rawBody: string) => flash.verifyWebhook({ headers: {}, rawBody });
      expect(verify(fake.webhookBody(booked.trackingNumber, { sign: 'A'.repeat(64) }))).toBe(false);
      const good = new URLSearchParams(fake.webhookBody(booked.trackingNumber));
      const otherMerchant = new URLSearchParams(good);
      otherMerchant.set('mchId', 'ZZ9999');
      expect(verify(otherMerchant.toString())).toBe(false);
      const changedNonce = new URLSearchParams(good);
      changedNonce.set('nonceStr', `${good.get('nonceStr')}x`);
      expect(verify(changedNonce.toString())).toBe(false);
      expect(verify('')).toBe(false);
      expect(verify(good.toString())).toBe(true);
    });

    it('throws BAD_WEBHOOK on a body without usable data', () => {
      expect(() => flash.parseWebhook('mchId=AA0001')).toThrow(CarrierError);
      expect(() => flash.parseWebhook('data=%7Bnot-json')).toThrow(/not JSON/);
      expect(() => flash.parseWebhook(`data=${encodeURIComponent('{"state":5}')}`)).toThrow(/pno/);
    });

    describe('pushed to a receiver over HTTP', () => {
      let receiver: FastifyInstance;
      let url: string;
      const received: CarrierEvent[] = [];

      beforeAll(async () => {
        // The shape of the phase-2 route: verify, parse, record, then answer what Flash expects.
        receiver = Fastify();
        receiver.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, body));
        receiver.post('/webhooks/carriers/flash', async (request, reply) => {
          const rawBody = request.body as string;
          if (!flash.verifyWebhook({ headers: request.headers, rawBody })) return reply.code(401).send({ error: 'bad signature' });
          received.push(...flash.parseWebhook(rawBody));
          const ack = flash.webhookAck;
          return reply.code(ack.status).type(ack.contentType).send(ack.body);
        });
        url = `${await receiver.listen({ host: '127.0.0.1', port: 0 })}/webhooks/carriers/flash`;
      });
      afterAll(async () => {
        await receiver.close();
      });

      it('gets the documented success answer for a signed push and a 401 for a forged one', async () => {
        const booked = await flash.book(makeParcelBooking());
        fake.advance(booked.trackingNumber, 5);
        const push = await fake.pushWebhook(url, booked.trackingNumber);
        expect(push).toMatchObject({ status: 200, body: '{"errorCode":"1","state":"success"}' });
        expect(received.at(-1)).toMatchObject({ trackingNumber: booked.trackingNumber, status: 'delivered', reference: booked.outTradeNo });
        const count = received.length;
        const forged = await fake.pushWebhook(url, booked.trackingNumber, { sign: 'F'.repeat(64) });
        expect(forged.status).toBe(401);
        expect(received).toHaveLength(count);
      });
    });
  });
});
