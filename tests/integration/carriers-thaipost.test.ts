import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createThaiPostCarrier,
  s10CheckDigit,
  type ThaiPostOptions,
  type ThaiPostToken,
  type ThaiPostTokenStore,
} from '#src/modules/shipping/carriers/index.ts';
import { startFakeThaiPostApi, type FakeThaiPostApi } from '#tests/fakes/thaipost-api.ts';
import { carrierErrorOf } from '#tests/helpers/carriers.ts';

const setting = { code: 'thaipost', name: 'Thailand Post', trackingUrl: 'https://track.thailandpost.co.th/?trackNumber={tracking}' };
const DAY = 86_400_000;

/** A valid EMS barcode for a serial number. */
const ems = (n: number) => {
  const serial = String(n).padStart(8, '0');
  return `EF${serial}${s10CheckDigit(serial)}TH`;
};

function memoryStore(): ThaiPostTokenStore & { saved: ThaiPostToken[] } {
  const saved: ThaiPostToken[] = [];
  return {
    saved,
    load: async () => saved.at(-1),
    save: async (t) => void saved.push(t),
  };
}

describe('Thailand Post adapter against the fake tracking API', () => {
  let fake: FakeThaiPostApi;
  // One clock for the fake and the adapter, so a test can let a month pass.
  let clock = Date.parse('2025-06-01T03:00:00Z');
  const now = () => new Date(clock);
  const adapter = (opts: Partial<ThaiPostOptions> = {}) =>
    createThaiPostCarrier({ setting, api: { apiKey: fake.apiKey, baseUrl: fake.baseUrl }, now, timeoutMs: 60_000, ...opts });

  beforeAll(async () => {
    fake = await startFakeThaiPostApi({ now, tokenTtlMs: 30 * DAY });
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => {
    fake.reset();
    fake.setTokenTtl(30 * DAY);
    clock = Date.parse('2025-06-01T03:00:00Z');
  });

  describe('token', () => {
    it('asks for a token with the API key once and tracks with it', async () => {
      const post = adapter();
      await post.track!([ems(1)]);
      await post.track!([ems(2)]);
      expect(fake.tokenCalls()).toBe(1);
      const tokenCall = fake.calls.find((c) => c.path === '/post/api/v1/authenticate/token')!;
      expect(tokenCall.authorization).toBe(`Token ${fake.apiKey}`);
      const tracks = fake.trackCalls();
      expect(tracks).toHaveLength(2);
      expect(tracks[0]!.authorization).toMatch(/^Token [0-9a-f]{48}$/);
      expect(tracks[1]!.authorization).toBe(tracks[0]!.authorization);
    });

    it('renews the token before it expires, not after', async () => {
      fake.setTokenTtl(10 * DAY);
      const store = memoryStore();
      const post = adapter({ tokenStore: store, renewBeforeMs: 3 * DAY });
      await post.track!([ems(1)]);
      clock += 6 * DAY; // 4 days left: still kept
      await post.track!([ems(1)]);
      expect(fake.tokenCalls()).toBe(1);
      clock += 2 * DAY; // 2 days left: renewed before use
      await post.track!([ems(1)]);
      expect(fake.tokenCalls()).toBe(2);
      expect(fake.trackCalls().every((c) => c.status === 200)).toBe(true);
      expect(store.saved).toHaveLength(2);
      expect(store.saved[1]!.expiresAt.getTime()).toBe(clock + 10 * DAY);
    });

    it('keeps the token across a restart through the store', async () => {
      const store = memoryStore();
      await adapter({ tokenStore: store }).track!([ems(1)]);
      // A new process: same store, no token call.
      await adapter({ tokenStore: store }).track!([ems(1)]);
      expect(fake.tokenCalls()).toBe(1);
      expect(fake.trackCalls()[1]!.authorization).toBe(`Token ${store.saved[0]!.token}`);
    });

    it('does not use a stored token close to its expiry', async () => {
      const store = memoryStore();
      await store.save({ token: 'old-token', expiresAt: new Date(clock + DAY) });
      await adapter({ tokenStore: store, renewBeforeMs: 3 * DAY }).track!([ems(1)]);
      expect(fake.tokenCalls()).toBe(1);
      expect(fake.trackCalls()[0]!.authorization).not.toBe('Token old-token');
    });

    it('shares one token request between calls made at once', async () => {
      const post = adapter();
      await Promise.all([post.track!([ems(1)]), post.track!([ems(2)]), post.track!([ems(3)])]);
      expect(fake.tokenCalls()).toBe(1);
    });

    it('asks again once when the API refuses a token it gave', async () => {
      const post = adapter();
      await post.track!([ems(1)]);
      fake.revokeTokens();
      await post.track!([ems(1)]);
      expect(fake.tokenCalls()).toBe(2);
      expect(fake.trackCalls().map((c) => c.status)).toEqual([200, 401, 200]);
    });

    it('reports a wrong API key as not retryable', async () => {
      const err = await carrierErrorOf(createThaiPostCarrier({ setting, api: { apiKey: 'wrong-key-000', baseUrl: fake.baseUrl } }).track!([ems(1)]));
      expect(err).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
      expect(fake.trackCalls()).toHaveLength(0);
    });
  });

  describe('tracking', () => {
    it('maps the status codes of a delivered parcel to our statuses, oldest first', async () => {
      const barcode = ems(852942);
      const t = (h: number) => new Date(Date.parse('2025-05-30T02:00:00Z') + h * 3_600_000);
      fake.addEvent(barcode, { status: '103', description: 'รับฝาก', at: t(0), location: 'บางรัก', postcode: '10500' });
      fake.addEvent(barcode, { status: '201', description: 'อยู่ระหว่างการขนส่ง', at: t(6) });
      fake.addEvent(barcode, { status: '301', description: 'อยู่ระหว่างการนำจ่าย', at: t(24) });
      fake.addEvent(barcode, { status: '401', description: 'นำจ่ายไม่สำเร็จ', at: t(27) });
      fake.addEvent(barcode, { status: '301', description: 'อยู่ระหว่างการนำจ่าย', at: t(48) });
      fake.addEvent(barcode, { status: '501', description: 'นำจ่ายสำเร็จ', at: t(50), receiverName: 'สมหญิง' });

      const events = await adapter().track!([barcode]);
      expect(events.map((e) => e.status)).toEqual(['picked_up', 'in_transit', 'out_for_delivery', 'failed_attempt', 'out_for_delivery', 'delivered']);
      expect(events.map((e) => e.rawCode)).toEqual(['103', '201', '301', '401', '301', '501']);
      expect(events.map((e) => e.at.getTime())).toEqual([0, 6, 24, 27, 48, 50].map((h) => t(h).getTime()));
      expect(events[0]).toMatchObject({ trackingNumber: barcode, location: 'บางรัก 10500', description: 'รับฝาก' });
      expect(events[5]!.description).toContain('สมหญิง');
    });

    it('reads a parcel sent back as returning, then returned when the sender has it', async () => {
      const barcode = ems(4242);
      fake.addEvent(barcode, { status: '103', at: new Date(clock - 5 * DAY) });
      fake.addEvent(barcode, { status: '401', at: new Date(clock - 4 * DAY) });
      fake.addEvent(barcode, { status: '203', at: new Date(clock - 3 * DAY) });
      fake.addEvent(barcode, { status: '301', at: new Date(clock - 2 * DAY) });
      fake.addEvent(barcode, { status: '501', at: new Date(clock - DAY) });
      const events = await adapter().track!([barcode]);
      expect(events.map((e) => e.status)).toEqual(['picked_up', 'failed_attempt', 'returning', 'returning', 'returned']);
    });

    it('tracks 2,500 barcodes in calls of at most 1,000 and finds events in every batch', async () => {
      const barcodes = Array.from({ length: 2500 }, (_, i) => ems(10_000 + i));
      for (const i of [0, 999, 1000, 2499]) fake.addEvent(barcodes[i]!, { status: '501', at: new Date(clock - DAY) });
      const events = await adapter().track!([...barcodes, barcodes[0]!.toLowerCase()]);
      expect(fake.trackCalls().map((c) => c.barcodes.length)).toEqual([1000, 1000, 500]);
      expect(new Set(fake.trackCalls().flatMap((c) => c.barcodes)).size).toBe(2500);
      expect(events.map((e) => e.trackingNumber).sort()).toEqual([0, 999, 1000, 2499].map((i) => barcodes[i]).sort());
      expect(events.every((e) => e.status === 'delivered')).toBe(true);
    });

    it('asks in the language given, and the fake refuses more than 1,000 barcodes', async () => {
      await adapter({ language: 'EN' }).track!([ems(1)]);
      expect(fake.trackCalls()[0]!.body).toEqual({ status: 'all', language: 'EN', barcode: [ems(1)] });
      const token = fake.trackCalls()[0]!.authorization!;
      const res = await fetch(`${fake.baseUrl}/post/api/v1/track`, {
        method: 'POST',
        headers: { authorization: token, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'all', language: 'TH', barcode: Array.from({ length: 1001 }, (_, i) => ems(i)) }),
      });
      expect(res.status).toBe(400);
    });

    it('gives a number with no history no events', async () => {
      expect(await adapter().track!([ems(77)])).toEqual([]);
    });

    it('reports an outage and a timeout as retryable', async () => {
      const store = memoryStore();
      const post = adapter({ tokenStore: store });
      await post.track!([ems(1)]);
      fake.failNext(1, 500, { only: '/post/api/v1/track' });
      expect(await carrierErrorOf(post.track!([ems(1)]))).toMatchObject({ code: 'HTTP_500', retryable: true });
      fake.failNext(1, 'timeout', { only: '/post/api/v1/track' });
      expect(await carrierErrorOf(adapter({ tokenStore: store, timeoutMs: 1_000 }).track!([ems(1)]))).toMatchObject({ code: 'TIMEOUT', retryable: true });
      // Nothing lost: the next call works with the token kept.
      await post.track!([ems(1)]);
      expect(fake.tokenCalls()).toBe(1);
    });
  });

  it('checks barcodes and links them without an API key', () => {
    const post = createThaiPostCarrier({ setting });
    expect(post.track).toBeUndefined();
    expect(post.validateTrackingNumber('ED852942182TH')).toEqual({ valid: true, trackingNumber: 'ED852942182TH' });
    expect(post.trackingUrl('ED852942182TH')).toBe('https://track.thailandpost.co.th/?trackNumber=ED852942182TH');
  });
});
