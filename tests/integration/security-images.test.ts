import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhotoIntake } from '#bots/photo-intake.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Database } from '#src/db/client.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import type { SlipReader, SlipReading } from '#src/modules/payments/slips/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { testConfig } from '../helpers/app.ts';
import { createTestDatabase, testLogger } from '../helpers/db.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';

// Issue 23, finding 1: slip reads take turns per customer within one budget, so one customer's
// 20 photos cannot hold every worker while another customer's slip waits behind all of them.

let database: Database;
let dataDir: string;
let sku: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'talad-images-'));
  database = await createTestDatabase();
  sku = (await makeProduct(database.db, { price: 35_000, stock: { MAIN: 100 } })).sku;
});
afterAll(async () => {
  await database?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A LINE customer with an order awaiting payment: their photos are read as slips. */
async function customerAwaitingPayment(userId: string, name: string) {
  const { customer } = await withTransaction(database.db, (tx) => ensureChatIdentity(tx, { channel: 'line', externalId: userId, language: 'th', displayName: name }));
  await placeOrder(database.db, { ...orderInput(customer, [{ sku, qty: 1 }]), channel: 'line' });
  return { channel: 'line' as const, userId, language: 'th' as const };
}

/** A reader whose reads finish only when the test says so; it records which photo started when. */
function heldReader() {
  const started: string[] = [];
  const finishers: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const reading = (sha256: string): SlipReading => ({
    bank: null, amount: null, datetime: null, transRef: null, receiver: null, sender: null, qr: null, confidence: 0,
    fieldConfidence: { bank: 0, amount: 0, datetime: 0, transRef: 0, receiver: 0 }, review: [], disagreements: [], rawText: '', sha256, isSlip: false,
  });
  const reader: SlipReader = {
    ready: async () => undefined,
    close: async () => undefined,
    read: (bytes) =>
      new Promise((resolve) => {
        const tag = bytes.subarray(bytes.length - 16).toString('latin1').replace(/[^A-Za-z0-9]/g, '');
        started.push(tag);
        running++;
        most = Math.max(most, running);
        finishers.push(() => {
          running--;
          resolve(reading(`${tag}-sha`));
        });
      }),
  };
  return {
    reader,
    started,
    get most() {
      return most;
    },
    /** Lets the oldest running read finish. */
    finishOne: async () => {
      finishers.shift()?.();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

/** A photo whose last bytes name it (the held reader records the name). */
const photo = (name: string) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(64), Buffer.from(name.padStart(16, '-'), 'latin1')]);

describe('slip reads take turns per customer', () => {
  it('one customer sending 20 photos delays another customer\'s photo by one read at most', async () => {
    const held = heldReader();
    const intake = createPhotoIntake({ db: database.db, config: testConfig({ DATA_DIR: dataDir }), logger: testLogger, reader: () => held.reader, readSlots: 1 });
    const flood = await customerAwaitingPayment('U' + 'a'.repeat(32), 'ลูกค้า ส่งรูปรัว');
    const other = await customerAwaitingPayment('U' + 'b'.repeat(32), 'ลูกค้า รอคิว');
    const sent = Array.from({ length: 20 }, (_, i) => intake.prepare(flood, { kind: 'image', reference: `flood-${i}`, fetch: async () => photo(`A${i}`) }));
    // The flood is queued first: one read running, 19 waiting.
    await expect.poll(() => intake.reads).toEqual({ active: 1, waiting: 19 });
    const theirs = intake.prepare(other, { kind: 'image', reference: 'other-1', fetch: async () => photo('B0') });
    await expect.poll(() => intake.reads.waiting).toBe(20);
    expect(held.started).toHaveLength(1);
    expect(held.started[0]).toMatch(/^A/);
    await held.finishOne();
    // The other customer's slip goes next, not after the whole flood.
    await expect.poll(() => held.started.length).toBe(2);
    expect(held.started[1]).toBe('B0');
    await held.finishOne();
    expect((await theirs).kind).toBe('read');
    for (let i = 0; i < 19; i++) {
      await expect.poll(() => held.started.length).toBe(3 + i);
      await held.finishOne();
    }
    expect((await Promise.all(sent)).map((p) => p.kind)).toEqual(Array(20).fill('read'));
    // Every photo of the flood was read once (in whatever order its checks finished).
    expect(held.started.filter((s) => s.startsWith('A')).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `A${i}`).sort());
    expect(held.most).toBe(1);
    await intake.close();
  });

  it('runs as many reads at once as there are slots, one per customer', async () => {
    const held = heldReader();
    const intake = createPhotoIntake({ db: database.db, config: testConfig({ DATA_DIR: dataDir }), logger: testLogger, reader: () => held.reader, readSlots: 2 });
    const a = await customerAwaitingPayment('U' + 'c'.repeat(32), 'สมปอง ส่งสลิป');
    const b = await customerAwaitingPayment('U' + 'd'.repeat(32), 'มาลี ส่งสลิป');
    const all = [
      ...Array.from({ length: 5 }, (_, i) => intake.prepare(a, { kind: 'image', reference: `a-${i}`, fetch: async () => photo(`C${i}`) })),
      intake.prepare(b, { kind: 'image', reference: 'b-0', fetch: async () => photo('D0') }),
    ];
    // Two slots: one read of each customer, the other four of the first customer's waiting behind.
    await expect.poll(() => intake.reads).toEqual({ active: 2, waiting: 4 });
    expect(held.started.map((s) => s[0]).sort()).toEqual(['C', 'D']);
    for (let finished = 0; finished < 6; finished++) {
      await expect.poll(() => held.started.length).toBeGreaterThan(finished);
      await held.finishOne();
    }
    await Promise.all(all);
    expect(held.most).toBe(2);
    await intake.close();
  });
});
