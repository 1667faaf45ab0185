// Issue 23, finding 5: packers see only orders to pack and ship (the order page, notes, printed
// documents answer 404 for any other) and no money anywhere.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '#src/db/schema/index.ts';
import { appendOrderNote, shippableStatuses } from '#src/modules/orders/index.ts';
import { withTransaction } from '#src/db/client.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let packer: AdminClient;
let staff: AdminClient;
const made: Record<string, string> = {};

beforeAll(async () => {
  t = await buildTestApp({ DATA_DIR: `/tmp/talad-sec-roles-${process.pid}` });
  packer = await signIn(t.app, (await makeUser(t.database.db, 'packer', { name: 'สมปอง แพ็คของ' })).email);
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  await makeProduct(t.database.db, { sku: 'PK-1', nameTh: 'ข้าวหอมมะลิ 5 กก.', price: 33_000, stock: { MAIN: 100 } });
  const customer = (name: string, phone: string) => ({ name, phone });
  made.pending = await makeApiOrder(t.app, 'PK-1', { customer: customer('มานี รักเรียน', '0811110001') });
  made.review = await makeApiOrder(t.app, 'PK-1', { status: 'payment_review', customer: customer('ปิติ ชูใจ', '0811110002') });
  made.paid = await makeApiOrder(t.app, 'PK-1', { status: 'paid', customer: customer('ชูใจ ใจดี', '0811110003') });
  made.confirmed = await makeApiOrder(t.app, 'PK-1', { status: 'confirmed', customer: customer('วีระ กล้าหาญ', '0811110004') });
  made.packed = await makeApiOrder(t.app, 'PK-1', { status: 'packed', customer: customer('สมศรี มีสุข', '0811110005') });
  made.cancelled = await makeApiOrder(t.app, 'PK-1', { status: 'paid', customer: customer('ดวงใจ ยกเลิก', '0811110006') });
  const moved = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${made.cancelled}/transitions`, headers: { authorization: `Bearer ${t.config.apiToken}` }, payload: { to: 'cancelled', note: 'ลูกค้าขอยกเลิก' } });
  expect(moved.statusCode).toBe(200);
  // A refund note with money on an order the packer works on.
  await withTransaction(t.database.db, async (tx) => {
    const [o] = await tx.select().from(orders).where(eq(orders.number, made.confirmed!));
    await appendOrderNote(tx, o!, 'owner', 'refund paid: 330.00 THB by transfer KB-77');
  });
});
afterAll(() => t?.close());

async function statusOf(number: string) {
  const [o] = await t.database.db.select({ status: orders.status }).from(orders).where(eq(orders.number, number));
  return o!.status;
}

describe('packers and orders', () => {
  it('open the page, add notes and print documents only for orders to pack and ship; 404 for the rest', async () => {
    let seen = 0;
    let hidden = 0;
    for (const number of Object.values(made)) {
      const status = await statusOf(number);
      const theirs = (shippableStatuses as readonly string[]).includes(status);
      const expected = theirs ? 200 : 404;
      theirs ? seen++ : hidden++;
      const page = await packer.get(`/admin/orders/${number}`);
      expect(page.statusCode, `${status} page`).toBe(expected);
      if (!theirs) expect(page.body).not.toContain('0811110');
      for (const kind of ['picking', 'packing', 'labels']) {
        const doc = await packer.get(`/admin/print/${kind}?orders=${number}`);
        expect(doc.statusCode, `${status} ${kind}`).toBe(expected);
        if (!theirs) expect(doc.body).not.toContain('0811110');
      }
      const note = await packer.post(`/admin/orders/${number}/notes`, { note: 'ตรวจของแล้ว' });
      expect(note.statusCode, `${status} note`).toBe(theirs ? 303 : 404);
      // Staff still see every order.
      expect((await staff.get(`/admin/orders/${number}`)).statusCode).toBe(200);
    }
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(hidden).toBeGreaterThanOrEqual(3);
    // A mixed batch is refused whole: the packer learns nothing of the order that is not theirs.
    const mixed = await packer.get(`/admin/print/labels?orders=${made.confirmed},${made.pending}`);
    expect(mixed.statusCode).toBe(404);
    expect(mixed.body).not.toContain('0811110001');
  });

  it('show a packer no money on an order they work on: no prices, no refund notes', async () => {
    const page = await packer.get(`/admin/orders/${made.confirmed}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('330.00');
    expect(page.body).not.toMatch(/refund paid/);
    expect(page.body).not.toMatch(/330\.00|฿\s*330/);
    const own = await staff.get(`/admin/orders/${made.confirmed}`);
    expect(own.body).toContain('refund paid: 330.00 THB');
  });
});
