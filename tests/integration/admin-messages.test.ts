import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { orders, outbox } from '#src/db/schema/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, settle } from '../helpers/chat.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';
import { makeUser, signIn } from '../helpers/admin.ts';
import { lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';

let line: FakeLineApi;
let t: TestApp;

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  t = await buildTestApp({ ...lineEnv(line) });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
});

describe('the messages desk', () => {
  it('shows a dead message with its error and sends it once when staff press "send again"', async () => {
    const userId = lineUserId('desk-dead');
    await withTransaction(t.database.db, (tx) =>
      tellCustomer(tx, { channel: 'line', recipient: userId, locale: 'th' }, { kind: 'chat.messages', messages: [{ type: 'text', text: 'สินค้าพร้อมส่งแล้ว' }] }, { key: 'desk-dead:1' }),
    );
    await t.database.db.update(outbox).set({ status: 'dead', attempts: 8, lastError: 'LINE answered 500 Internal Server Error' }).where(eq(outbox.dedupeKey, 'desk-dead:1'));
    const staff = await signIn(t.app, (await makeUser(t.database.db, 'staff', { language: 'en' })).email);
    const page = await staff.get('/admin/messages');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('LINE answered 500 Internal Server Error');
    const [row] = await t.database.db.select().from(outbox).where(eq(outbox.dedupeKey, 'desk-dead:1'));
    expect((await staff.post(`/admin/messages/${row!.id}/resend`, {}, { csrf: false })).statusCode).toBe(403);
    const resent = await staff.post(`/admin/messages/${row!.id}/resend`);
    expect(resent.statusCode).toBe(303);
    await staff.post(`/admin/messages/${row!.id}/resend`);
    await settle(t.app);
    expect(line.sentTexts(userId)).toEqual(['สินค้าพร้อมส่งแล้ว']);
  });

  it('shows the reorder reminders coming up, per customer, and keeps packers out', async () => {
    const { sku } = await makeProduct(t.database.db, { nameTh: 'น้ำปลาแท้', stock: { MAIN: 20 } });
    const { customer } = await withTransaction(t.database.db, (tx) =>
      ensureChatIdentity(tx, { channel: 'line', externalId: lineUserId('desk-regular'), displayName: 'ลูกค้าประจำ' }),
    );
    for (const daysAgo of [20, 10]) {
      const { order } = await placeOrder(t.database.db, { ...orderInput(customer, [{ sku, qty: 1 }]), channel: 'line' });
      await transitionOrder(t.database.db, { number: order.number, to: 'paid', actor: 't', notify: false, billing: t.config.shop });
      await t.database.db.update(orders).set({ createdAt: new Date(Date.now() - daysAgo * 86_400_000) }).where(eq(orders.id, order.id));
    }
    const owner = await signIn(t.app, (await makeUser(t.database.db, 'owner', { language: 'th' })).email);
    const page = await owner.get('/admin/messages');
    expect(page.body).toContain('น้ำปลาแท้');
    expect(page.body).toContain('รอบการสั่งของลูกค้า');
    const packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
    expect((await packer.get('/admin/messages')).statusCode).toBe(403);
  });
});
