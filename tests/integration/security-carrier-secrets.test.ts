import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '#src/app.ts';
import { bootstrap } from '#src/bootstrap.ts';
import { createCore } from '#src/core.ts';
import type { Database } from '#src/db/client.ts';
import { createLogger } from '#src/logger.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { startFakeFlashApi, type FakeFlashApi } from '../fakes/flash-api.ts';
import { makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { testConfig } from '../helpers/app.ts';
import { carriersForm } from '../helpers/carriers.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeProduct, orderInput } from '../helpers/factories.ts';

// Issue 23, finding 4 (carrier keys): a Flash secret key and a Thailand Post API key saved in Settings are
// unknown to the logger at start (the environment has none); each process cuts them out of its log from
// the moment it saves or opens them, as it does for the Facebook ones.
const FLASH_KEY = 'flash-saved-in-settings-5e6f7a8b9c0d';
const POST_KEY = 'thaipost-saved-in-settings-1a2b3c4d5e';
const ENV = {
  LOG_LEVEL: 'debug',
  SETTINGS_KEY: 'settings-key-aaaa1111bbbb2222cccc3333dddd',
  SHOP_NAME: 'ร้านขนส่งลับ',
  SHOP_ADDRESS: '99/1 ซอยสุขุมวิท 21 แขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพมหานคร 10110',
  SHOP_PHONE: '021234567',
};

let flash: FakeFlashApi;
let database: Database;
let app: FastifyInstance;
let owner: AdminClient;
const lines: string[] = [];
const capture = (into: string[]) => createLogger({ ...testConfig(ENV) }, new Writable({ write: (chunk, _enc, done) => (into.push(String(chunk)), done()) }));

beforeAll(async () => {
  flash = await startFakeFlashApi({ secretKey: FLASH_KEY });
  const config = testConfig({ ...ENV, FLASH_API_BASE_URL: flash.baseUrl });
  const logger = capture(lines);
  database = await createTestDatabase();
  await bootstrap(database.db, config, logger);
  app = await buildApp(config, { database, logger, skipBootstrap: true, scheduler: false });
  await app.ready();
  owner = await signIn(app, (await makeUser(database.db, 'owner', { language: 'th' })).email);
});
afterAll(async () => {
  await app?.close();
  await database?.close();
  await flash?.close();
});

/** A COD order confirmed and ready to book. */
async function confirmedOrder(): Promise<string> {
  const { sku } = await makeProduct(database.db, { price: 25_000, stock: { MAIN: 20 } });
  const customer = await makeCustomer(database.db, { name: 'วิไลวรรณ สุขใจ' });
  const { order } = await placeOrder(database.db, {
    ...orderInput(customer, [{ sku, qty: 1 }]),
    paymentMethod: 'cod',
    shippingAddress: { name: 'วิไลวรรณ สุขใจ', phone: '0861234567', address: '88/4 ถ.มิตรภาพ ต.ในเมือง อ.เมืองขอนแก่น จ.ขอนแก่น', postcode: '40000' },
  });
  await transitionOrder(database.db, { number: order.number, to: 'confirmed', actor: 'staff' });
  return order.number;
}

describe('carrier keys saved in Settings are never logged', () => {
  it('cuts the keys out of the log of a run where the Flash calls fail, in this process and in another that loads them', async () => {
    const saved = await owner.post('/admin/settings/carriers', carriersForm({
      defaultWeightGrams: '500',
      msgBooked: '1',
      msgOutForDelivery: '1',
      msgDelivered: '1',
      flashMchId: flash.mchId,
      flashSecretKey: FLASH_KEY,
      thaipostApiKey: POST_KEY,
    }));
    expect(saved.statusCode).toBe(303);
    await app.deps.settings.load();
    expect(app.deps.carriers.registry().choices().some((c) => c.code === 'flash')).toBe(true);

    // Flash fails every way it can while booking; the key signs every one of these calls.
    const number = await confirmedOrder();
    flash.failNext(3, 'code0', { only: '/open/v3/orders' });
    expect((await owner.post(`/admin/orders/${number}/book`, { carrier: 'flash' })).statusCode).toBe(409);
    expect(flash.calls.filter((c) => c.path === '/open/v3/orders' && c.signValid).length).toBeGreaterThanOrEqual(3);
    flash.failNext(3, 500, { only: '/open/v3/orders' });
    await owner.post(`/admin/orders/${number}/book`, { carrier: 'flash' });
    // An error that quotes what it signed (a library, a carrier's echo) is cut too.
    app.deps.logger.error({ err: new Error(`Flash refused mchId=${flash.mchId}&key=${FLASH_KEY}`), apiKey: POST_KEY }, 'carrier call failed');
    const here = lines.join('');
    expect(here).toContain('[redacted]');
    for (const secret of [FLASH_KEY, POST_KEY]) expect(here).not.toContain(secret);

    // Another process (the worker) with a logger that never saw the form: opening the keys hides them.
    const other: string[] = [];
    const core = await createCore(testConfig({ ...ENV, FLASH_API_BASE_URL: flash.baseUrl }), { database, logger: capture(other), skipBootstrap: true });
    try {
      expect(core.carriers.registry().choices().some((c) => c.code === 'flash')).toBe(true);
      core.logger.warn({ url: `${flash.baseUrl}/open/v3/orders?key=${FLASH_KEY}`, authorization: `Token ${POST_KEY}` }, `signed with ${FLASH_KEY}`);
    } finally {
      await core.close();
    }
    const there = other.join('');
    expect(there).toContain('[redacted]');
    for (const secret of [FLASH_KEY, POST_KEY]) expect(there).not.toContain(secret);
  });
});
