import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { withTransaction } from '#src/db/client.ts';
import { orders, shipments, type Order, type Shipment } from '#src/db/schema/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { builtInCarriers } from '#src/modules/shipping/index.ts';
import { CarrierError, type ParcelBooking, type ParcelParty } from '#src/modules/shipping/carriers/port.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { startFakeFlashApi, type FakeFlashApi } from '#tests/fakes/flash-api.ts';
import { lineUserId, startFakeLineApi, type FakeLineApi } from '#tests/fakes/line-api.ts';
import { startFakeThaiPostApi, type FakeThaiPostApi } from '#tests/fakes/thaipost-api.ts';
import { buildTestApp, type TestApp } from './app.ts';
import { lineEnv } from './chat.ts';
import { makeCustomer, makeProduct, orderInput } from './factories.ts';

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

/** Customers' addresses a Flash booking can read (province, district, postcode). */
export const thaiAddresses = [
  { name: 'สมหญิง ใจดี', address: '12 ถ.นิมมานเหมินท์ ต.สุเทพ อ.เมืองเชียงใหม่ จ.เชียงใหม่', postcode: '50200' },
  { name: 'ประยุทธ์ มั่นคง', address: '45/6 หมู่ 3 ต.บ้านใหม่ อ.ปากเกร็ด จ.นนทบุรี', postcode: '11120' },
  { name: 'วิไลวรรณ ศรีสุข', address: '8 ซอยอารีย์ แขวงสามเสนใน เขตพญาไท กรุงเทพมหานคร', postcode: '10400' },
];

export interface CarrierBed {
  t: TestApp;
  flash: FakeFlashApi;
  line: FakeLineApi;
  /** Started only when asked (thaiPost: true). */
  post: FakeThaiPostApi | undefined;
  dataDir: string;
  db: () => TestApp['database']['db'];
  /** A LINE customer's confirmed order (COD unless told), its product in stock at MAIN; the customer's id differs from the order's. */
  confirmedLineOrder(opts?: { qty?: number; price?: number; paymentMethod?: 'cod' | 'promptpay'; lines?: { sku: string; qty: number }[] }): Promise<{ order: Order; userId: string; customer: { id: number; name: string }; sku: string }>;
  /** What the LINE chat of this user was sent, each push as JSON text. */
  pushesTo(userId: string): string[];
  orderStatus(number: string): Promise<string>;
  parcelsOf(orderId: number): Promise<Shipment[]>;
  /** The parcels the fake Flash holds for an order (outTradeNo = order number + parcel id). */
  flashOf(number: string): ReturnType<FakeFlashApi['parcels']>;
  close(): Promise<void>;
}

/**
 * A Talad app connected to a fake Flash (and Thailand Post when asked) and a fake LINE, with a shop
 * address in Bangkok and a data directory of its own; earlier customers exist so ids differ.
 */
export async function startCarrierBed(opts: { name: string; thaiPost?: boolean; env?: Record<string, string> }): Promise<CarrierBed> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `talad-${opts.name}-`));
  const flash = await startFakeFlashApi();
  const post = opts.thaiPost ? await startFakeThaiPostApi() : undefined;
  const line = await startFakeLineApi({ unknownProfiles: 'generate' });
  const t = await buildTestApp({
    ...lineEnv(line),
    DATA_DIR: dataDir,
    SHOP_NAME: 'ร้านบ้านขนม',
    SHOP_ADDRESS: '99/1 ซอยสุขุมวิท 21 แขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพมหานคร 10110',
    SHOP_PHONE: '021234567',
    FLASH_MCH_ID: flash.mchId,
    FLASH_SECRET_KEY: flash.secretKey,
    FLASH_API_BASE_URL: flash.baseUrl,
    ...(post ? { THAIPOST_API_KEY: post.apiKey, THAIPOST_API_BASE_URL: post.baseUrl } : {}),
    ...opts.env,
  });
  for (const name of ['ลูกค้าเก่า หนึ่ง', 'ลูกค้าเก่า สอง', 'ลูกค้าเก่า สาม']) await makeCustomer(t.database.db, { name });
  const db = () => t.database.db;
  let seq = 0;
  return {
    t,
    flash,
    line,
    post,
    dataDir,
    db,
    async confirmedLineOrder(o = {}) {
      seq += 1;
      const { sku } = await makeProduct(db(), { price: o.price ?? 25_000, stock: { MAIN: 500 } });
      const userId = lineUserId(`${opts.name}-${seq}`);
      const { customer } = await withTransaction(db(), (tx) => ensureChatIdentity(tx, { channel: 'line', externalId: userId, language: 'th' }));
      const to = thaiAddresses[seq % thaiAddresses.length]!;
      const { order } = await placeOrder(db(), {
        ...orderInput(customer, o.lines ?? [{ sku, qty: o.qty ?? 2 }]),
        channel: 'line',
        paymentMethod: o.paymentMethod ?? 'cod',
        shippingAddress: { name: to.name, phone: '0891234567', address: to.address, postcode: to.postcode },
      });
      const confirmed = await transitionOrder(db(), { number: order.number, to: 'confirmed', actor: 'staff' });
      return { order: confirmed, userId, customer, sku };
    },
    pushesTo: (userId) => line.pushes().filter((p) => p.to === userId).map((p) => JSON.stringify(p.messages)),
    orderStatus: async (number) => (await db().select().from(orders).where(eq(orders.number, number)))[0]!.status,
    parcelsOf: (orderId) => db().select().from(shipments).where(eq(shipments.orderId, orderId)).orderBy(asc(shipments.id)),
    flashOf: (number) => flash.parcels().filter((p) => p.outTradeNo.startsWith(`${number}-`)),
    async close() {
      await t?.close();
      await Promise.all([flash.close(), post?.close(), line.close()]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Settings → carriers as the form posts it: every built-in carrier's row, all switched on, then the rest. */
export function carriersForm(rest: Record<string, string | string[]>): Record<string, string | string[]> {
  return {
    carrierIndex: builtInCarriers.map((_, i) => String(i)),
    carrierCode: builtInCarriers.map((c) => c.code),
    carrierName: builtInCarriers.map((c) => c.name),
    carrierUrl: builtInCarriers.map((c) => c.trackingUrl),
    carrierEnabled: builtInCarriers.map((_, i) => String(i)),
    ...rest,
  };
}
