import { describe, expect, it } from 'vitest';
import { builtInCarriers, canBook, createCarrierDirectory, createCarrierRegistry, parcelBookingSchema, type CarrierSetting } from '#src/modules/shipping/carriers/index.ts';
import { flashRouteStatus, flashStateStatus } from '#src/modules/shipping/carriers/flash.ts';
import { parseThaiPostDate, thaiPostStatus } from '#src/modules/shipping/carriers/thaipost.ts';
import { makeParcelBooking } from '#tests/helpers/carriers.ts';

const settings = (): CarrierSetting[] => builtInCarriers.map((c) => ({ ...c }));

describe('carrier registry', () => {
  it('gives every carrier of the settings a tracking link and books with none of them without credentials', () => {
    const registry = createCarrierRegistry({ settings: settings() });
    expect(registry.get('kerry')?.trackingUrl('KEX123')).toBe('https://th.kerryexpress.com/th/track/?track=KEX123');
    expect(registry.get('flash')?.trackingUrl('TH470000001B')).toBe('https://www.flashexpress.co.th/fle/tracking?se=TH470000001B');
    expect(registry.enabled().map((c) => c.code)).toEqual(builtInCarriers.map((c) => c.code));
    expect(registry.enabled().filter(canBook)).toEqual([]);
    expect(registry.get('thaipost')?.track).toBeUndefined();
  });

  it('checks Thailand Post barcodes even without an API key', () => {
    const thaipost = createCarrierRegistry({ settings: settings() }).get('thaipost')!;
    expect(thaipost.validateTrackingNumber?.('ed852942182th')).toEqual({ valid: true, trackingNumber: 'ED852942182TH' });
    expect(thaipost.validateTrackingNumber?.('ED852942183TH')).toMatchObject({ valid: false, reason: 'check_digit' });
  });

  it('builds the Flash and Thailand Post adapters when their credentials are given', () => {
    const registry = createCarrierRegistry({
      settings: settings(),
      credentials: {
        flash: { mchId: 'AA0001', secretKey: 'secret-key-123', baseUrl: 'http://127.0.0.1:9' },
        thaipost: { apiKey: 'api-key-123456', baseUrl: 'http://127.0.0.1:9' },
      },
    });
    const flash = registry.get('flash')!;
    expect(canBook(flash)).toBe(true);
    expect(flash.track).toBeTypeOf('function');
    expect(flash.verifyWebhook).toBeTypeOf('function');
    expect(flash.webhookAck?.body).toBe('{"errorCode":"1","state":"success"}');
    expect(registry.get('thaipost')!.track).toBeTypeOf('function');
    expect(canBook(registry.get('thaipost')!)).toBe(false);
  });

  it('resolves what staff type, keeps disabled carriers for old shipments and lists only the enabled ones', () => {
    const list = settings().map((c) => (c.code === 'dhl' ? { ...c, enabled: false } : c));
    list.push({ code: 'nim', name: 'Nim Express', trackingUrl: 'https://www.nimexpress.com/web/p/tracking?i={tracking}', enabled: true, builtIn: false });
    const registry = createCarrierRegistry({ settings: list });
    expect(registry.resolve('ไปรษณีย์ไทย')?.code).toBe('thaipost');
    expect(registry.resolve('J&T')?.code).toBe('jt');
    expect(registry.resolve('Nim Express')?.trackingUrl('N1')).toBe('https://www.nimexpress.com/web/p/tracking?i=N1');
    expect(registry.resolve('Pigeon Post')).toBeUndefined();
    expect(registry.get('dhl')?.name).toBe('DHL');
    expect(registry.enabled().map((c) => c.code)).not.toContain('dhl');
    expect(registry.enabled().map((c) => c.code)).toContain('nim');
  });

  it('uses the tracking link the shop set for a carrier with an API', () => {
    const list = settings().map((c) => (c.code === 'flash' ? { ...c, trackingUrl: 'https://example.test/t/{tracking}' } : c));
    const registry = createCarrierRegistry({ settings: list, credentials: { flash: { mchId: 'A', secretKey: 'secret-key-123', baseUrl: 'http://127.0.0.1:9' } } });
    expect(registry.get('flash')?.trackingUrl('TH1')).toBe('https://example.test/t/TH1');
  });

  it('names what staff typed: a carrier of the list with its link, an unknown one as typed without a link', () => {
    const registry = createCarrierRegistry({ settings: settings() });
    expect(registry.describe('kex')).toMatchObject({ code: 'kerry', name: 'Kerry Express' });
    expect(registry.describe('EMS').trackingUrl('ED852942182TH')).toBe('https://track.thailandpost.co.th/?trackNumber=ED852942182TH');
    expect(registry.describe(' Pigeon Post ')).toMatchObject({ code: null, name: 'Pigeon Post' });
    expect(registry.describe('Pigeon Post').trackingUrl('P1')).toBeNull();
    expect(registry.choices()).toEqual(builtInCarriers.map((c) => ({ code: c.code, name: c.name })));
  });

  it('keeps the same adapters until the carrier settings or credentials change', () => {
    let list = settings();
    let credentials = {};
    const directory = createCarrierDirectory({ settings: () => list, credentials: () => credentials });
    const first = directory.registry();
    expect(directory.registry()).toBe(first);
    list = list.map((c) => (c.code === 'dhl' ? { ...c, enabled: false } : c));
    const second = directory.registry();
    expect(second).not.toBe(first);
    expect(second.choices().map((c) => c.code)).not.toContain('dhl');
    credentials = { flash: { mchId: 'A', secretKey: 'secret-key-123', baseUrl: 'http://127.0.0.1:9' } };
    expect(canBook(directory.registry().get('flash')!)).toBe(true);
  });
});

describe('parcel booking input', () => {
  it('accepts a complete booking and refuses a bad postcode, a float weight or a negative COD', () => {
    expect(parcelBookingSchema.safeParse(makeParcelBooking()).success).toBe(true);
    const bad = parcelBookingSchema.safeParse({
      ...makeParcelBooking(),
      receiver: { ...makeParcelBooking().receiver, postcode: '1011' },
      weightGrams: 1.5,
      codAmount: -1,
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['receiver.postcode', 'weightGrams', 'codAmount']));
  });
});

describe('Flash statuses in our words', () => {
  it('maps parcel states 1..9', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map(flashStateStatus)).toEqual([
      'picked_up',
      'in_transit',
      'out_for_delivery',
      'failed_attempt',
      'delivered',
      'exception',
      'returned',
      'exception',
      'cancelled',
    ]);
    expect(flashStateStatus(42)).toBe('exception');
  });

  it('maps route actions, and reads the route state for an action it does not know', () => {
    expect(flashRouteStatus('RECEIVED', 1)).toBe('picked_up');
    expect(flashRouteStatus('ARRIVAL_WAREHOUSE_SCAN', 2)).toBe('in_transit');
    expect(flashRouteStatus('DELIVERY_TICKET_CREATION_SCAN', 3)).toBe('out_for_delivery');
    expect(flashRouteStatus('DETAIN_WAREHOUSE', 4)).toBe('failed_attempt');
    expect(flashRouteStatus('DELIVERY_CONFIRM', 5)).toBe('delivered');
    expect(flashRouteStatus('SYSTEM_AUTO_RETURN', 2)).toBe('returning');
    expect(flashRouteStatus('CANCEL_PARCEL', 9)).toBe('cancelled');
    expect(flashRouteStatus('SOMETHING_NEW', 7)).toBe('returned');
    expect(flashRouteStatus('SOMETHING_NEW', undefined)).toBe('in_transit');
  });
});

describe('Thailand Post statuses in our words', () => {
  it('maps the documented codes and the others by family', () => {
    expect(['103', '201', '203', '301', '401', '501'].map(thaiPostStatus)).toEqual([
      'picked_up',
      'in_transit',
      'returning',
      'out_for_delivery',
      'failed_attempt',
      'delivered',
    ]);
    expect(thaiPostStatus('206')).toBe('in_transit');
    expect(thaiPostStatus('209')).toBe('exception');
    expect(thaiPostStatus('302')).toBe('out_for_delivery');
    expect(thaiPostStatus('402')).toBe('failed_attempt');
    expect(thaiPostStatus('999')).toBe('exception');
  });

  it('reads Buddhist-era day-first times and ISO times', () => {
    expect(parseThaiPostDate('19/07/2563 18:17:20+07:00')?.toISOString()).toBe('2020-07-19T11:17:20.000Z');
    expect(parseThaiPostDate('01/02/2024 08:00:00')?.toISOString()).toBe('2024-02-01T01:00:00.000Z');
    expect(parseThaiPostDate('2020-06-19 15:51:48+07:00')?.toISOString()).toBe('2020-06-19T08:51:48.000Z');
    expect(parseThaiPostDate('yesterday')).toBeUndefined();
    expect(parseThaiPostDate(null)).toBeUndefined();
  });
});
