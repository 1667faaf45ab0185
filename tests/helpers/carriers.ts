import { CarrierError, type ParcelBooking, type ParcelParty } from '#src/modules/shipping/carriers/port.ts';

let seq = 0;

export function makeParty(overrides: Partial<ParcelParty> = {}): ParcelParty {
  return {
    name: 'ร้านทดสอบ',
    phone: '081-234-5678',
    address: '99/1 ซอยสุขุมวิท 21',
    province: 'กรุงเทพมหานคร',
    district: 'วัฒนา',
    subdistrict: 'คลองเตยเหนือ',
    postcode: '10110',
    ...overrides,
  };
}

/** A parcel from the shop in Bangkok to a customer in Chiang Mai, with a fresh outTradeNo. */
export function makeParcelBooking(overrides: Partial<ParcelBooking> = {}): ParcelBooking {
  seq += 1;
  return {
    outTradeNo: `TL-${24000 + seq}-P1`,
    sender: makeParty(),
    receiver: makeParty({
      name: 'สมหญิง ใจดี',
      phone: '0898765432',
      address: '12 ถนนนิมมานเหมินท์',
      province: 'เชียงใหม่',
      district: 'เมืองเชียงใหม่',
      subdistrict: 'สุเทพ',
      postcode: '50200',
    }),
    weightGrams: 750,
    codAmount: 0,
    remark: 'ระวังแตก',
    itemCategory: 'daily',
    ...overrides,
  };
}

/** The CarrierError a call fails with (the test fails when it succeeds or fails otherwise). */
export async function carrierErrorOf(promise: Promise<unknown>): Promise<CarrierError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CarrierError) return err;
    throw err;
  }
  throw new Error('expected a CarrierError');
}
