import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction, type Database } from '#src/db/client.ts';
import { customerAddresses, customers, orders, outbox } from '#src/db/schema/index.ts';
import { findSellablesBySku } from '#src/modules/catalog/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { availableByVariant } from '#src/modules/inventory/index.ts';
import { cancelByCustomer, checkoutCart, reorderLast } from '#src/workflows/orders/customer-orders.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { testConfig } from '../helpers/app.ts';
import { createTestDatabase, onRealPostgres } from '../helpers/db.ts';
import { makeCustomer, makeProduct, makeWarehouse } from '../helpers/factories.ts';

let database: Database;
const db = () => database.db;
// The merchant hears of new orders in a LINE group.
const config = testConfig({ LINE_CHANNEL_SECRET: 'line-secret', LINE_CHANNEL_ACCESS_TOKEN: 'line-token', MERCHANT_LINE_TO: 'C0123456789abcdef0123456789abcdef' });
const delivery = { name: 'สมศรี มีสุข', phone: '0891234567', address: '45/6 หมู่ 3 ต.สุเทพ อ.เมือง เชียงใหม่', postcode: '50200' };

beforeAll(async () => {
  database = await createTestDatabase();
  await makeWarehouse(db(), { code: 'MAIN' });
  // Customers made first, so the chat customers' ids never line up with their orders' ids.
  for (let i = 0; i < 3; i++) await makeCustomer(db());
});
afterAll(() => database?.close());

async function chatCustomer(externalId: string) {
  const { customer } = await withTransaction(db(), (tx) => ensureChatIdentity(tx, { channel: 'line', externalId, displayName: 'ลูกค้าไลน์', language: 'th' }));
  return customer;
}

async function cartOf(items: { sku: string; qty: number }[]) {
  const found = await findSellablesBySku(db(), items.map((i) => i.sku));
  return items.map((i) => ({ item: found.get(i.sku.toLowerCase())!, qty: i.qty }));
}

/** A cart as the chat keeps one: quantities per variant. */
function memoryCart(initial: [number, number][] = []) {
  const items = new Map(initial);
  return { qty: (id: number) => items.get(id) ?? 0, set: (id: number, qty: number) => void (qty > 0 ? items.set(id, qty) : items.delete(id)), items };
}

describe(`customer orders in chat (${onRealPostgres ? 'PostgreSQL server' : 'embedded PGlite'})`, () => {
  it('checks out a cart: places the order, keeps contact and address, and tells the merchant once', async () => {
    const tea = await makeProduct(db(), { sku: 'CHA-THAI', nameTh: 'ชาไทย', nameEn: 'Thai tea', price: 4_500, stock: { MAIN: 10 } });
    const customer = await chatCustomer('U-somsri');
    const lines = await cartOf([{ sku: tea.sku, qty: 2 }]);
    const result = await withTransaction(db(), (tx) => checkoutCart(tx, { channel: 'line', customer, lines, delivery, language: 'th', config }));
    if (result.kind !== 'placed') throw new Error(`expected an order, got ${result.kind}`);
    expect(result.order.customerId).toBe(customer.id);
    expect(result.order.id).not.toBe(customer.id);
    expect(result.order.subtotal).toBe(9_000);
    expect(result.order.paymentMethod).toBe(config.promptPayId ? 'promptpay' : 'transfer');

    const [saved] = await db().select().from(customers).where(eq(customers.id, customer.id));
    expect(saved).toMatchObject({ phone: '66891234567' });
    const addresses = await db().select().from(customerAddresses).where(eq(customerAddresses.customerId, customer.id));
    expect(addresses).toMatchObject([{ name: 'สมศรี มีสุข', address: delivery.address, postcode: '50200' }]);
    const told = await db().select().from(outbox).where(like(outbox.dedupeKey, `merchant:new-order:${result.order.number}:%`));
    expect(told).toMatchObject([{ channel: 'line', recipient: 'C0123456789abcdef0123456789abcdef' }]);
    expect(JSON.stringify(told[0]!.payload)).toContain('ชาไทย x2');
  });

  it('answers stock_changed and writes nothing when stock ran short since the summary', async () => {
    const mango = await makeProduct(db(), { sku: 'MAMUANG', nameTh: 'ข้าวเหนียวมะม่วง', price: 8_000, stock: { MAIN: 1 } });
    const customer = await chatCustomer('U-prasert');
    const before = (await db().select().from(orders)).length;
    const lines = await cartOf([{ sku: mango.sku, qty: 3 }]);
    const result = await withTransaction(db(), async (tx) => {
      const answer = await checkoutCart(tx, { channel: 'line', customer, lines, delivery, language: 'th', config });
      // The conversation's transaction is still usable after the refusal.
      expect((await tx.select().from(customers).where(eq(customers.id, customer.id))).length).toBe(1);
      return answer;
    });
    expect(result).toMatchObject({ kind: 'stock_changed', shortages: [{ sku: 'MAMUANG', available: 1 }] });
    expect((await db().select().from(orders)).length).toBe(before);
    expect(await db().select().from(customerAddresses).where(eq(customerAddresses.customerId, customer.id))).toEqual([]);
  });

  it('cancels an unpaid order of the customer, and refuses someone else’s or a paid one', async () => {
    const noodles = await makeProduct(db(), { sku: 'KUAYTIEW', nameTh: 'ก๋วยเตี๋ยวเรือ', price: 6_000, stock: { MAIN: 10 } });
    const owner = await chatCustomer('U-wichai');
    const stranger = await chatCustomer('U-malee');
    const one = await cartOf([{ sku: noodles.sku, qty: 1 }]);
    const placed = await withTransaction(db(), (tx) => checkoutCart(tx, { channel: 'line', customer: owner, lines: one, delivery, language: 'th', config }));
    if (placed.kind !== 'placed') throw new Error('not placed');
    const number = placed.order.number;

    expect(await withTransaction(db(), (tx) => cancelByCustomer(tx, { customerId: stranger.id, number, channel: 'line' }))).toEqual({ kind: 'not_found' });
    expect(await withTransaction(db(), (tx) => cancelByCustomer(tx, { customerId: owner.id, number: 'TL-99999', channel: 'line' }))).toEqual({ kind: 'not_found' });
    const cancelled = await withTransaction(db(), (tx) => cancelByCustomer(tx, { customerId: owner.id, number, channel: 'line' }));
    expect(cancelled).toMatchObject({ kind: 'cancelled', order: { number, status: 'cancelled' } });
    expect((await availableByVariant(db(), [noodles.variant.id])).get(noodles.variant.id)).toBe(10);

    const again = await withTransaction(db(), (tx) => checkoutCart(tx, { channel: 'line', customer: owner, lines: one, delivery, language: 'th', config }));
    if (again.kind !== 'placed') throw new Error('not placed');
    await transitionOrder(db(), { number: again.order.number, to: 'paid', actor: 'test', billing: config.shop });
    expect(await withTransaction(db(), (tx) => cancelByCustomer(tx, { customerId: owner.id, number: again.order.number, channel: 'line' }))).toMatchObject({
      kind: 'not_cancellable',
      order: { status: 'paid' },
    });
  });

  it('puts the last order back in the cart as far as stock allows, naming what it skipped', async () => {
    const rice = await makeProduct(db(), { sku: 'KHAO-HOM', nameTh: 'ข้าวหอมมะลิ', price: 25_000, stock: { MAIN: 5 } });
    const sauce = await makeProduct(db(), { sku: 'NAMPLA', nameTh: 'น้ำปลา', price: 3_500, stock: { MAIN: 2 } });
    const customer = await chatCustomer('U-anong');
    const nobody = await chatCustomer('U-newcomer');
    const lines = await cartOf([{ sku: rice.sku, qty: 2 }, { sku: sauce.sku, qty: 2 }]);
    const placed = await withTransaction(db(), (tx) => checkoutCart(tx, { channel: 'line', customer, lines, delivery, language: 'th', config }));
    expect(placed.kind).toBe('placed');
    // Both units of fish sauce are now reserved by that order: none left to reorder.
    const cart = memoryCart([[rice.variant.id, 1]]);
    const result = await withTransaction(db(), (tx) => reorderLast(tx, { customerId: customer.id, cart, available: (ids) => availableByVariant(tx, ids) }));
    expect(result).toMatchObject({ kind: 'reordered', added: [{ item: { sku: 'KHAO-HOM' }, qty: 2 }], skipped: [{ kind: 'out_of_stock', item: { sku: 'NAMPLA' } }] });
    expect(cart.qty(rice.variant.id)).toBe(3);
    expect(cart.qty(sauce.variant.id)).toBe(0);
    expect(await withTransaction(db(), (tx) => reorderLast(tx, { customerId: nobody.id, cart: memoryCart(), available: (ids) => availableByVariant(tx, ids) }))).toEqual({
      kind: 'nothing_to_reorder',
    });
  });
});
