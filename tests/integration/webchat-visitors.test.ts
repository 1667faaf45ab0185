import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { customers } from '#src/db/schema/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';

let t: TestApp;
let owner: AdminClient;
beforeAll(async () => {
  t = await buildTestApp();
  owner = await signIn(t.app, (await makeUser(t.database.db, 'owner', { language: 'th' })).email);
  await makeProduct(t.database.db, { sku: 'WEB-SOAP', nameTh: 'สบู่ขมิ้น', nameEn: 'Turmeric soap', price: 5_900, stock: { MAIN: 10 } });
});
afterAll(() => t?.close());

const visitor = (id: string, displayName?: string, channel: 'webchat' | 'line' = 'webchat') =>
  withTransaction(t.database.db, (tx) => ensureChatIdentity(tx, { channel, externalId: id, displayName, language: 'th' }));
const rowsOnList = async () => [...(await owner.get('/admin/customers')).body.matchAll(/href="\/admin\/customers\/(\d+)"/g)].map((m) => Number(m[1]));

describe('web-chat visitors on the customer list', () => {
  it('leaves out a visitor who only browsed, and lists them once they give details or order', async () => {
    const browsing = (await visitor('web-visitor-1')).customer;
    const detailed = (await visitor('web-visitor-2')).customer;
    const buyer = (await visitor('web-visitor-3')).customer;
    const lineFan = (await visitor('line-user-1', 'น้องนก', 'line')).customer;
    let listed = await rowsOnList();
    expect(listed).not.toContain(browsing.id);
    expect(listed).not.toContain(detailed.id);
    expect(listed).not.toContain(buyer.id);
    // Someone who follows on LINE is a chat customer already.
    expect(listed).toContain(lineFan.id);

    await t.database.db.update(customers).set({ name: 'มานี มีนา', phone: '66812345678' }).where(eq(customers.id, detailed.id));
    await placeOrder(t.database.db, { ...orderInput(buyer, [{ sku: 'WEB-SOAP', qty: 1 }]), channel: 'webchat' });
    listed = await rowsOnList();
    expect(listed).toContain(detailed.id);
    expect(listed).toContain(buyer.id);
    expect(listed).not.toContain(browsing.id);
    expect(listed).toHaveLength(3);
  });
});
