import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction, type Database } from '#src/db/client.ts';
import { orders } from '#src/db/schema/index.ts';
import { expireUnpaidOrders } from '#src/jobs/orders.expire-unpaid.job.ts';
import { findSellablesBySku } from '#src/modules/catalog/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { availableByVariant } from '#src/modules/inventory/index.ts';
import { sectionSchemas } from '#src/modules/settings/settings.schemas.ts';
import { checkoutCart, type Delivery } from '#src/workflows/orders/customer-orders.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { messages } from '#templates/messages/index.ts';
import { testConfig } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeProduct, makeWarehouse } from '../helpers/factories.ts';

// Issue 23, finding 7: one anonymous chat identity reserved all 45 units of a product for 24 hours.
// Unpaid orders and their units are capped per chat identity and per address, and a customer who never
// paid before has their stock held for a shorter time.

let database: Database;
const db = () => database.db;
const config = testConfig({ PROMPTPAY_ID: '0812223333' });
let n = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  await makeWarehouse(db(), { code: 'MAIN' });
  // Customers first, so chat customers' ids never line up with their orders' ids.
  for (let i = 0; i < 3; i++) await makeCustomer(db());
});
afterAll(() => database?.close());

async function webVisitor(name: string) {
  n += 1;
  const { customer } = await withTransaction(db(), (tx) =>
    ensureChatIdentity(tx, { channel: 'webchat', externalId: `0000000${n}-aaaa-4bbb-8ccc-dddddddddddd`.slice(-36), displayName: name, language: 'th' }),
  );
  return customer;
}

async function checkout(customer: Awaited<ReturnType<typeof webVisitor>>, sku: string, qty: number, delivery: Delivery) {
  const found = await findSellablesBySku(db(), [sku]);
  const lines = [{ item: found.get(sku.toLowerCase())!, qty }];
  return withTransaction(db(), (tx) => checkoutCart(tx, { channel: 'webchat', customer, lines, delivery, language: 'th', config }));
}

const home = (name: string): Delivery => ({ name, phone: '0891234567', address: '12/3 ซอยอารีย์ พหลโยธิน กรุงเทพฯ', postcode: '10400' });

describe('unpaid orders are capped per chat identity and per address', () => {
  it('keeps the defaults in Settings: 3 unpaid orders and 20 units per identity, 10 and 60 per address, 4 hours for a first order; older stored settings get them too', () => {
    expect(config.jobs.unpaidLimits).toEqual({ orders: 3, units: 20, addressOrders: 10, addressUnits: 60 });
    expect(config.jobs.firstOrderCancelMs).toBe(4 * 3_600_000);
    const stored = sectionSchemas.reminders.parse({ unpaidReminderHours: 2, unpaidCancelHours: 24, quietFrom: 21, quietTo: 9, dailySummaryHour: 20, reorderReminders: true });
    expect(stored).toMatchObject({ firstOrderCancelHours: 4, maxUnpaidOrders: 3, maxUnpaidUnits: 20, maxUnpaidOrdersPerAddress: 10, maxUnpaidUnitsPerAddress: 60 });
  });

  it('refuses one identity holding all 45 units, and a fourth unpaid order', async () => {
    const { sku, variant } = await makeProduct(db(), { sku: 'SOM-45', nameTh: 'ส้มโอ', price: 12_000, stock: { MAIN: 45 } });
    const hoarder = await webVisitor('ผู้กักตุน');
    expect(await checkout(hoarder, sku, 45, home('ผู้กักตุน'))).toEqual({ kind: 'limit', reason: 'units', max: 20 });
    expect((await availableByVariant(db(), [variant.id])).get(variant.id)).toBe(45);

    const buyer = await webVisitor('สมใจ รักดี');
    const addresses = ['1 ถนนพระราม 4', '2 ถนนพระราม 4', '3 ถนนพระราม 4', '4 ถนนพระราม 4'].map((a) => ({ ...home('สมใจ รักดี'), address: a }));
    for (const a of addresses.slice(0, 3)) expect((await checkout(buyer, sku, 1, a)).kind).toBe('placed');
    expect(await checkout(buyer, sku, 1, addresses[3]!)).toEqual({ kind: 'limit', reason: 'orders', max: 3 });
    // Paying one frees a place.
    const [first] = await db().select().from(orders).where(eq(orders.customerId, buyer.id));
    await transitionOrder(db(), { number: first!.number, to: 'paid', actor: 'test', notify: false, billing: config.shop });
    expect((await checkout(buyer, sku, 1, addresses[3]!)).kind).toBe('placed');
  });

  it('counts one address across new identities, however its spaces and punctuation are written', async () => {
    const { sku } = await makeProduct(db(), { sku: 'MANGO-A', nameTh: 'มะม่วง', price: 8_000, stock: { MAIN: 200 } });
    // Thai tone marks are letters, not punctuation: 'ลาดพร้าว' is not 'ลาดพราว'.
    const spellings = ['7 ซอยลาดพร้าว 101 แขวงคลองจั่น', '7  ซอย ลาดพร้าว, 101 แขวงคลองจั่น', '7ซอยลาดพร้าว101แขวงคลองจั่น.', '7 / ซอยลาดพร้าว 101 (แขวงคลองจั่น)'];
    const results = [];
    for (let i = 0; i < 11; i++) {
      const visitor = await webVisitor(`ผู้มาใหม่ ${i}`);
      const address = spellings[i % spellings.length]!;
      results.push((await checkout(visitor, sku, 1, { name: `ผู้มาใหม่ ${i}`, phone: `0890000${String(i).padStart(3, '0')}`, address, postcode: '10240' })).kind);
    }
    // Ten unpaid orders at one address, from ten identities: the eleventh is refused.
    expect(results).toEqual([...Array(10).fill('placed'), 'limit']);
    // The same postcode with another house, or another spelling of a tone mark, is another address.
    const next = await webVisitor('เพื่อนบ้าน');
    expect((await checkout(next, sku, 1, { name: 'เพื่อนบ้าน', phone: '0891112222', address: '9 ซอยลาดพร้าว 101 แขวงคลองจั่น', postcode: '10240' })).kind).toBe('placed');
    expect((await checkout(next, sku, 1, { name: 'เพื่อนบ้าน', phone: '0891112222', address: '7 ซอยลาดพราว 101 แขวงคลองจั่น', postcode: '10240' })).kind).toBe('placed');
    // Units count across identities at one address too: 60 at most.
    const office = { name: 'ฝ่ายจัดซื้อ', phone: '021234567', address: '1 อาคารสาทรธานี ถนนสาทรเหนือ', postcode: '10500' };
    for (let i = 0; i < 3; i++) expect((await checkout(await webVisitor(`พนักงาน ${i}`), sku, 20, office)).kind).toBe('placed');
    expect(await checkout(await webVisitor('พนักงาน 4'), sku, 1, office)).toEqual({ kind: 'limit', reason: 'units', max: 60 });
  });

  it('follows the limits set in Settings, and tells the customer in Thai', async () => {
    const { sku } = await makeProduct(db(), { sku: 'KHAO-1', nameTh: 'ข้าวหอมมะลิ', price: 25_000, stock: { MAIN: 100 } });
    const saved = { ...config.jobs.unpaidLimits };
    config.jobs.unpaidLimits = { orders: 1, units: 50, addressOrders: 10, addressUnits: 60 };
    try {
      const visitor = await webVisitor('ประภา ศรีสุข');
      const d = { ...home('ประภา ศรีสุข'), address: '55 ถนนนิมมานเหมินท์', postcode: '50200' };
      expect((await checkout(visitor, sku, 30, d)).kind).toBe('placed');
      expect(await checkout(visitor, sku, 1, d)).toEqual({ kind: 'limit', reason: 'orders', max: 1 });
    } finally {
      config.jobs.unpaidLimits = saved;
    }
    expect(messages.th.unpaidLimit.orders(3)).toContain('ยังไม่ได้ชำระเงิน');
    expect(messages.th.unpaidLimit.units(20)).toContain('20 ชิ้น');
    expect(messages.en.unpaidLimit.units(20)).toContain('at most 20 items');
  });
});

describe('a customer who never paid before has their stock held for a shorter time', () => {
  it('cancels their unpaid order after the first-order hours; a customer who paid before keeps the full time', async () => {
    const { sku, variant } = await makeProduct(db(), { sku: 'DURIAN-1', nameTh: 'ทุเรียนหมอนทอง', price: 50_000, stock: { MAIN: 10 } });
    const stranger = await webVisitor('คนแปลกหน้า');
    const regular = await webVisitor('ลูกค้าประจำ');
    const placed = async (who: Awaited<ReturnType<typeof webVisitor>>, address: string, hoursAgo: number) => {
      const r = await checkout(who, sku, 2, { ...home(who.name), address });
      if (r.kind !== 'placed') throw new Error(r.kind);
      await db().update(orders).set({ createdAt: new Date(Date.now() - hoursAgo * 3_600_000) }).where(eq(orders.id, r.order.id));
      return r.order.number;
    };
    // The regular paid an order once.
    const paidBefore = await placed(regular, '1 ถนนเจริญกรุง', 48);
    await transitionOrder(db(), { number: paidBefore, to: 'paid', actor: 'test', notify: false, billing: config.shop });
    const strangers = await placed(stranger, '2 ถนนเจริญกรุง', 5);
    const regulars = await placed(regular, '3 ถนนเจริญกรุง', 5);
    const freshStranger = await placed(stranger, '4 ถนนเจริญกรุง', 1);
    expect((await availableByVariant(db(), [variant.id])).get(variant.id)).toBe(2);

    const expired = await expireUnpaidOrders(db(), config, new Date());
    expect(expired).toContain(strangers);
    expect(expired).not.toContain(regulars);
    expect(expired).not.toContain(freshStranger);
    expect((await availableByVariant(db(), [variant.id])).get(variant.id)).toBe(4);
    // After the full time, every unpaid order goes.
    await db().update(orders).set({ createdAt: new Date(Date.now() - 25 * 3_600_000) }).where(eq(orders.number, regulars));
    expect(await expireUnpaidOrders(db(), config, new Date())).toContain(regulars);
  });
});
