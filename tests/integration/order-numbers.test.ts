import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '#src/db/client.ts';
import { runMigrations } from '#src/db/migrate.ts';
import { isAppError } from '#src/errors.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { createTestDatabase, testLogger } from '../helpers/db.ts';
import { makeCustomer, makeProduct, orderInput } from '../helpers/factories.ts';

const seqOf = (number: string) => Number(number.replace(/^TL-/, ''));

/** The numbers, sorted, are one run with no hole. */
function expectConsecutive(numbers: string[]) {
  const seqs = numbers.map(seqOf).sort((a, b) => a - b);
  expect(seqs.at(-1)! - seqs[0]!).toBe(seqs.length - 1);
  expect(new Set(seqs).size).toBe(seqs.length);
}

describe('order numbers without holes', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('stay consecutive after the embedded database is stopped and started again', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'talad-numbers-'));
    dirs.push(dataDir);
    const open = async () => {
      const database = await createDatabase({ dataDir, logger: testLogger });
      await runMigrations(database);
      return database;
    };
    const place = async (database: Database, sku: string, n: number) => {
      const customer = await makeCustomer(database.db, { name: 'นภา แสงทอง', phone: '0893334455' });
      const numbers: string[] = [];
      for (let i = 0; i < n; i++) numbers.push((await placeOrder(database.db, orderInput(customer, [{ sku, qty: 1 }]))).order.number);
      return numbers;
    };
    let database = await open();
    const { sku } = await makeProduct(database.db, { sku: 'RESTART-1', stock: { MAIN: 50 } });
    const before = await place(database, sku, 3);
    await database.close();
    database = await open();
    const after = await place(database, sku, 3);
    await database.close();
    // Once more, for a restart right after the first one.
    database = await open();
    const last = await place(database, sku, 1);
    await database.close();
    expect(before[0]).toBe('TL-10001');
    expectConsecutive([...before, ...after, ...last]);
  });

  it('stay consecutive across 200 concurrent placements of which 20 are refused for stock', async () => {
    const database = await createTestDatabase({ poolSize: 20 });
    try {
      const { sku } = await makeProduct(database.db, { sku: 'RUSH-1', stock: { MAIN: 180 } });
      const customers = await Promise.all(
        ['สมพร ใจดี', 'อรุณี พรมมา', 'ธนพล ศรีสุข', 'กนกพร วงศ์ใหญ่'].map((name, i) => makeCustomer(database.db, { name, phone: `08945600${i}0` })),
      );
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => placeOrder(database.db, orderInput(customers[i % customers.length]!, [{ sku, qty: 1 }]))),
      );
      const placed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.order.number] : []));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(placed).toHaveLength(180);
      expect(refused).toHaveLength(20);
      expect(refused.every((e) => isAppError(e, 'INSUFFICIENT_STOCK'))).toBe(true);
      expectConsecutive(placed);
      // The next order takes the number right after them.
      const next = await placeOrder(database.db, orderInput(customers[0]!, [{ sku: (await makeProduct(database.db, { stock: { MAIN: 1 } })).sku, qty: 1 }]));
      expect(seqOf(next.order.number)).toBe(Math.max(...placed.map(seqOf)) + 1);
    } finally {
      await database.close();
    }
  });
});
