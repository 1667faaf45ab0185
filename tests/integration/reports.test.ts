import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '#src/db/client.ts';
import { orders, payments } from '#src/db/schema/index.ts';
import { salesByChannel, salesByPeriod, salesByProduct, salesSummary, slowMovers, toCsv, topCustomers } from '#src/modules/reports/index.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeProduct, makeWarehouse, orderInput } from '../helpers/factories.ts';

let database: Database;
const tz = 'Asia/Bangkok';
const range = { from: new Date('2026-11-01T00:00:00+07:00'), to: new Date('2026-12-01T00:00:00+07:00'), timeZone: tz };

beforeAll(async () => {
  database = await createTestDatabase();
  await makeWarehouse(database.db, { code: 'MAIN', priority: 10 });
});
afterAll(() => database?.close());

async function sale(customer: { id: number; name: string }, lines: { sku: string; qty: number }[], at: string, channel: 'line' | 'shopee' = 'line', paid = true) {
  const { order } = await placeOrder(database.db, { ...orderInput(customer, lines), channel });
  await database.db.update(orders).set({ createdAt: new Date(at) }).where(eq(orders.id, order.id));
  if (paid) await transitionOrder(database.db, { number: order.number, to: 'paid', actor: 't', notify: false, billing: { vatRegistered: false, timeZone: 'Asia/Bangkok' } });
  // Paid when placed: net sales count money on the day it moved.
  await database.db.update(payments).set({ confirmedAt: new Date(at) }).where(eq(payments.orderId, order.id));
  return order;
}

describe('sales reports', () => {
  it('add up to exactly the money received for the orders they cover, per day, channel and product', async () => {
    const a = await makeProduct(database.db, { sku: 'R-A', price: 10_000, stock: { MAIN: 100 } });
    const b = await makeProduct(database.db, { sku: 'R-B', price: 2_550, stock: { MAIN: 100 } });
    const c1 = await makeCustomer(database.db);
    const c2 = await makeCustomer(database.db);
    const o1 = await sale(c1, [{ sku: a.sku, qty: 2 }], '2026-11-03T23:30:00+07:00');
    const o2 = await sale(c1, [{ sku: b.sku, qty: 3 }], '2026-11-04T00:30:00+07:00', 'shopee');
    const o3 = await sale(c2, [{ sku: a.sku, qty: 1 }, { sku: b.sku, qty: 1 }], '2026-11-04T10:00:00+07:00');
    await sale(c2, [{ sku: a.sku, qty: 5 }], '2026-11-05T10:00:00+07:00', 'line', false); // unpaid: not a sale
    await sale(c2, [{ sku: a.sku, qty: 9 }], '2026-10-31T10:00:00+07:00'); // before the range

    const total = o1.total + o2.total + o3.total;
    const days = await salesByPeriod(database.db, range, 'day');
    expect(days).toEqual([
      { period: '2026-11-03', orders: 1, revenue: o1.total },
      { period: '2026-11-04', orders: 2, revenue: o2.total + o3.total },
    ]);
    const channels = await salesByChannel(database.db, range);
    expect(channels.reduce((n, c) => n + c.revenue, 0)).toBe(total);
    expect(channels.find((c) => c.channel === 'shopee')).toEqual({ channel: 'shopee', orders: 1, revenue: o2.total });
    const products = await salesByProduct(database.db, range);
    expect(products).toEqual([
      { sku: 'R-A', name: expect.any(String), units: 3, revenue: 30_000 },
      { sku: 'R-B', name: expect.any(String), units: 4, revenue: 10_200 },
    ]);
    const summary = await salesSummary(database.db, range);
    expect(summary).toMatchObject({ orders: 3, revenue: total, averageOrderValue: Math.round(total / 3), customers: 2 });
    // c2 bought before the range (31 Oct): returning; c1's first sale is in it: new.
    expect(summary).toMatchObject({ newCustomers: 1, returningCustomers: 1 });
    const top = await topCustomers(database.db, range);
    expect(top.map((t) => t.customerId)).toEqual([c1.id, c2.id]);
  });

  it('lists slow movers: in stock, on sale, unsold for N days', async () => {
    const idle = await makeProduct(database.db, { sku: 'R-IDLE', stock: { MAIN: 4 } });
    const slow = await slowMovers(database.db, new Date('2026-11-30T00:00:00+07:00'), 30);
    expect(slow.map((s) => s.sku)).toContain(idle.sku);
    expect(slow.map((s) => s.sku)).not.toContain('R-A');
  });

  it('exports CSV that Excel opens with Thai text, quoting commas and defusing formulas', () => {
    const csv = toCsv([{ name: 'กาแฟ, คั่วกลาง', note: '=HYPERLINK("x")', n: -5 }], [
      { key: 'name', header: 'สินค้า' },
      { key: 'note', header: 'note' },
      { key: 'n', header: 'n' },
    ]);
    expect(csv).toBe('\uFEFFสินค้า,note,n\r\n"กาแฟ, คั่วกลาง","\'=HYPERLINK(""x"")",-5\r\n');
  });
});
