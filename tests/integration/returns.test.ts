import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import {
  adminAuditLog,
  orderHistory,
  orders,
  refunds,
  returnLines,
  returnRequests,
  stockLedger,
  stockLevels,
  warehouses,
} from '#src/db/schema/index.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { availableByVariant, findWarehouseByCode } from '#src/modules/inventory/index.ts';
import { linesOf } from '#src/modules/orders/index.ts';
import { exchangeSettlement, parseReturnNumber, returnedValue, withinReturnWindow } from '#src/modules/returns/index.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { requestReturn } from '#src/workflows/returns/request-return.ts';
import { parseSkuLines } from '#admin/routes/returns.routes.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, settle } from '../helpers/chat.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';
import { alertText, decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';

let line: FakeLineApi;
let t: TestApp;
let owner: AdminClient;
let staff: AdminClient;
let packer: AdminClient;
let seq = 0;
const variants: Record<string, number> = {};

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  t = await buildTestApp({ ...lineEnv(line), DATA_DIR: '/tmp/talad-test-returns' });
  const db = t.database.db;
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  staff = await signIn(t.app, (await makeUser(db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(db, 'packer')).email);
  for (const [sku, price] of [
    ['RET-MUG', 25_000],
    ['RET-TEA', 9_000],
    ['RET-PAN', 60_000],
  ] as const) {
    variants[sku] = (await makeProduct(db, { sku, price, stock: { MAIN: 100 } })).variant.id;
  }
  await db.insert(warehouses).values({ code: 'DMG', name: 'Damaged goods', sellable: false });
});
afterAll(async () => {
  await t?.close();
  await line?.close();
});

/** A LINE customer's paid, delivered order of 2 mugs and 1 tea (placed on `channel`), with a return request for `lines`. */
async function deliveredWithReturn(returned: { sku: string; qty: number }[] = [{ sku: 'RET-MUG', qty: 1 }], channel: 'line' | 'shopee' = 'line') {
  const db = t.database.db;
  const userId = lineUserId(`returns-${++seq}`);
  const { customer } = await withTransaction(db, (tx) => ensureChatIdentity(tx, { channel: 'line', externalId: userId, language: 'en' }));
  const { order } = await placeOrder(db, {
    ...orderInput(customer, [
      { sku: 'RET-MUG', qty: 2 },
      { sku: 'RET-TEA', qty: 1 },
    ]),
    channel,
  });
  for (const to of ['paid', 'confirmed', 'shipped', 'delivered'] as const) await transitionOrder(db, { number: order.number, to, actor: 'test', notify: false, billing: t.config.shop });
  const ol = await linesOf(db, order.id);
  const { request } = await withTransaction(db, (tx) =>
    requestReturn(tx, {
      orderNumber: order.number,
      customerId: customer.id,
      lines: returned.map((r) => ({ orderLineId: ol.find((l) => l.sku === r.sku)!.id, qty: r.qty })),
      reason: 'damaged',
      photos: [],
      actor: 'customer:line',
      now: new Date(),
      config: t.config,
    }),
  );
  return { order, request, userId, customerId: customer.id };
}

const onHand = async (sku: string, code: string) => {
  const w = (await findWarehouseByCode(t.database.db, code))!;
  const [row] = await t.database.db
    .select()
    .from(stockLevels)
    .where(and(eq(stockLevels.variantId, variants[sku]!), eq(stockLevels.warehouseId, w.id)));
  return row?.onHand ?? 0;
};
const available = async (sku: string) => (await availableByVariant(t.database.db, [variants[sku]!])).get(variants[sku]!) ?? 0;
const ledgerOf = (id: number) =>
  t.database.db
    .select()
    .from(stockLedger)
    .where(and(eq(stockLedger.refType, 'return'), eq(stockLedger.refId, String(id))))
    .orderBy(stockLedger.id);
const returnOf = async (id: number) => (await t.database.db.select().from(returnRequests).where(eq(returnRequests.id, id)))[0]!;
const warehouseId = async (code: string) => String((await findWarehouseByCode(t.database.db, code))!.id);
const pushedTo = async (userId: string) => {
  await settle(t.app);
  return line.sentTexts(userId).join('\n');
};

describe('return rules', () => {
  it('values returned units pro rata, settles exchanges and reads return numbers', () => {
    expect(returnedValue([{ qty: 1, line: { qty: 3, lineTotal: 30_000 } }])).toBe(10_000);
    expect(returnedValue([{ qty: 2, line: { qty: 3, lineTotal: 10_000 } }])).toBe(6_666);
    expect(exchangeSettlement(25_000, 9_000)).toEqual({ discount: 9_000, toPay: 0, toRefund: 16_000 });
    expect(exchangeSettlement(25_000, 60_000)).toEqual({ discount: 25_000, toPay: 35_000, toRefund: 0 });
    expect(parseReturnNumber('R-12')).toBe(12);
    expect(parseReturnNumber('r12')).toBe(12);
    expect(parseReturnNumber('TL-1')).toBeNull();
    const now = new Date('2026-05-10T00:00:00Z');
    expect(withinReturnWindow(new Date('2026-05-03T00:00:00Z'), now, 7)).toBe(true);
    expect(withinReturnWindow(new Date('2026-05-02T23:59:00Z'), now, 7)).toBe(false);
    expect(parseSkuLines('RET-MUG\nRET-TEA x2\nRET-PAN 3')).toEqual([
      { sku: 'RET-MUG', qty: 1 },
      { sku: 'RET-TEA', qty: 2 },
      { sku: 'RET-PAN', qty: 3 },
    ]);
    expect(parseSkuLines('not a sku line!')).toBeNull();
  });
});

describe('handling a return in the back office', () => {
  it('approves, receives a sellable item back into stock, and refunds no more than was paid', async () => {
    const { order, request, userId } = await deliveredWithReturn();
    const list = await staff.get('/admin/returns?status=requested');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`R-${request.id}`);
    expect(list.body).toMatch(/data-status="requested">\d+</);

    const page = await staff.get(`/admin/returns/${request.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(order.number);
    expect(page.body).toContain('Damaged');

    expect((await staff.post(`/admin/returns/${request.id}/approve`, { note: 'Please use Kerry' })).statusCode).toBe(303);
    expect(await returnOf(request.id)).toMatchObject({ status: 'approved', decisionNote: 'Please use Kerry' });
    expect(await pushedTo(userId)).toContain(`Your return R-${request.id} for order ${order.number} was approved`);

    const before = { main: await onHand('RET-MUG', 'MAIN'), available: await available('RET-MUG') };
    const rl = await t.database.db.select().from(returnLines).where(eq(returnLines.returnId, request.id));
    const received = await staff.post(`/admin/returns/${request.id}/receive`, { [`choice_${rl[0]!.id}`]: 'sellable', [`warehouse_${rl[0]!.id}`]: await warehouseId('MAIN') });
    expect(received.statusCode).toBe(303);
    // The returned mug is on the shelf and for sale again.
    expect(await onHand('RET-MUG', 'MAIN')).toBe(before.main + 1);
    expect(await available('RET-MUG')).toBe(before.available + 1);
    const ledger = await ledgerOf(request.id);
    expect(ledger).toEqual([expect.objectContaining({ reason: 'return', onHandDelta: 1, variantId: variants['RET-MUG'], actor: expect.stringMatching(/^admin:staff-/) })]);
    expect(await t.database.db.select().from(returnLines).where(eq(returnLines.returnId, request.id))).toEqual([
      expect.objectContaining({ condition: 'sellable', warehouseId: Number(await warehouseId('MAIN')) }),
    ]);

    // Receiving twice is refused and moves nothing.
    const again = await staff.post(`/admin/returns/${request.id}/receive`, { [`choice_${rl[0]!.id}`]: 'sellable', [`warehouse_${rl[0]!.id}`]: await warehouseId('MAIN') });
    expect(again.statusCode).toBe(409);
    expect(await ledgerOf(request.id)).toHaveLength(1);

    // Paid 590.00 (2 × 250 + 90): asking 600 back is refused and writes nothing.
    const tooMuch = await staff.post(`/admin/returns/${request.id}/refund`, { amount: '600', method: 'transfer' });
    expect(tooMuch.statusCode).toBe(409);
    expect(alertText(tooMuch.body)).toContain('590.00');
    expect(await t.database.db.select().from(refunds).where(eq(refunds.orderId, order.id))).toHaveLength(0);

    const refunded = await staff.post(`/admin/returns/${request.id}/refund`, { amount: '250', method: 'promptpay', reference: 'PP-778' });
    expect(refunded.statusCode).toBe(303);
    expect(await t.database.db.select().from(refunds).where(eq(refunds.orderId, order.id))).toEqual([
      expect.objectContaining({ amount: 25_000, status: 'paid', returnId: request.id, method: 'promptpay', reference: 'PP-778' }),
    ]);
    expect((await returnOf(request.id)).status).toBe('refunded');
    expect(await pushedTo(userId)).toMatch(new RegExp(`We refunded THB\\s250\\.00 for return R-${request.id}`));
    const notes = (await t.database.db.select().from(orderHistory).where(eq(orderHistory.orderId, order.id))).map((h) => ({ event: h.event, note: h.note }));
    const number = `R-${request.id}`;
    expect(notes).toEqual(
      expect.arrayContaining([
        { event: { kind: 'return.decided', params: { number, decision: 'approved' } }, note: 'Please use Kerry' },
        { event: { kind: 'return.received', params: { number, items: [expect.objectContaining({ qty: expect.any(Number) })] } }, note: null },
        { event: { kind: 'return.refund', params: expect.objectContaining({ number, amount: 25_000, due: false, method: 'promptpay', reference: 'PP-778' }) }, note: null },
      ]),
    );
    const audit = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.target, `return:${request.id}`));
    expect(audit.map((a) => a.action)).toEqual(['return.approved', 'return.receive', 'return.refund']);
  });

  it('keeps damaged items out of sale: written off, or in a non-sellable location, and both in the ledger', async () => {
    const { request } = await deliveredWithReturn([
      { sku: 'RET-MUG', qty: 2 },
      { sku: 'RET-TEA', qty: 1 },
    ]);
    await owner.post(`/admin/returns/${request.id}/approve`, {});
    const rl = await t.database.db.select().from(returnLines).where(eq(returnLines.returnId, request.id));
    const mug = rl.find((l) => l.qty === 2)!;
    const tea = rl.find((l) => l.qty === 1)!;
    const before = { mugMain: await onHand('RET-MUG', 'MAIN'), mugAvail: await available('RET-MUG'), tea: await available('RET-TEA'), dmg: await onHand('RET-TEA', 'DMG') };

    // A damaged item may not go back to a sellable shelf.
    const refused = await owner.post(`/admin/returns/${request.id}/receive`, {
      [`choice_${mug.id}`]: 'damaged',
      [`warehouse_${mug.id}`]: await warehouseId('MAIN'),
      [`choice_${tea.id}`]: 'damaged',
      [`warehouse_${tea.id}`]: await warehouseId('DMG'),
    });
    expect(refused.statusCode).toBe(400);
    expect(await ledgerOf(request.id)).toHaveLength(0);

    const ok = await owner.post(`/admin/returns/${request.id}/receive`, {
      [`choice_${mug.id}`]: 'write_off',
      [`warehouse_${mug.id}`]: await warehouseId('MAIN'),
      [`choice_${tea.id}`]: 'damaged',
      [`warehouse_${tea.id}`]: await warehouseId('DMG'),
    });
    expect(ok.statusCode).toBe(303);
    // Written off: in and straight out again, never available.
    expect(await onHand('RET-MUG', 'MAIN')).toBe(before.mugMain);
    expect(await available('RET-MUG')).toBe(before.mugAvail);
    // Kept apart: counted in the damaged-goods location, not on the sellable shelves.
    expect(await onHand('RET-TEA', 'DMG')).toBe(before.dmg + 1);
    const [dmg] = await t.database.db.select().from(warehouses).where(eq(warehouses.code, 'DMG'));
    expect(dmg!.sellable).toBe(false);
    const ledger = await ledgerOf(request.id);
    expect(ledger.map((l) => [l.variantId, l.reason, l.onHandDelta])).toEqual([
      [variants['RET-MUG'], 'return', 2],
      [variants['RET-MUG'], 'damage', -2],
      [variants['RET-TEA'], 'return', 1],
    ]);
    expect(ledger[2]!.warehouseId).toBe(dmg!.id);
  });

  it('rejects with a reason, and the customer reads it in LINE', async () => {
    const { order, request, userId } = await deliveredWithReturn();
    const noReason = await staff.post(`/admin/returns/${request.id}/reject`, { note: '' });
    expect(noReason.statusCode).toBe(400);
    expect((await returnOf(request.id)).status).toBe('requested');

    expect((await staff.post(`/admin/returns/${request.id}/reject`, { note: 'The seal was opened' })).statusCode).toBe(303);
    expect(await returnOf(request.id)).toMatchObject({ status: 'rejected', decisionNote: 'The seal was opened', decidedBy: expect.stringMatching(/^admin:/) });
    const told = await pushedTo(userId);
    expect(told).toContain(`your return R-${request.id} for order ${order.number} could not be accepted`);
    expect(told).toContain('Reason: The seal was opened');
    const [note] = await t.database.db
      .select()
      .from(orderHistory)
      .where(and(eq(orderHistory.orderId, order.id), eq(orderHistory.note, 'The seal was opened')));
    expect(note).toMatchObject({ fromStatus: 'delivered', toStatus: 'delivered', event: { kind: 'return.decided', params: { number: `R-${request.id}`, decision: 'rejected' } } });
    // A rejected return cannot be approved afterwards.
    expect((await staff.post(`/admin/returns/${request.id}/approve`, {})).statusCode).toBe(409);
  });

  it('exchanges for cheaper items: the new order costs nothing and the rest is a refund due', async () => {
    const { order, request, userId } = await deliveredWithReturn();
    await staff.post(`/admin/returns/${request.id}/approve`, {});
    const [rl] = await t.database.db.select().from(returnLines).where(eq(returnLines.returnId, request.id));
    await staff.post(`/admin/returns/${request.id}/receive`, { [`choice_${rl!.id}`]: 'sellable', [`warehouse_${rl!.id}`]: await warehouseId('MAIN') });
    const teaBefore = await available('RET-TEA');

    const res = await staff.post(`/admin/returns/${request.id}/exchange`, { skus: 'RET-TEA x2' });
    expect(res.statusCode).toBe(303);
    const ret = await returnOf(request.id);
    expect(ret.status).toBe('exchanged');
    const [exchange] = await t.database.db.select().from(orders).where(eq(orders.id, ret.exchangeOrderId!));
    // 2 × 90 = 180 of new items against a 250 mug: nothing to pay, 70 to refund.
    expect(exchange).toMatchObject({ customerId: order.customerId, channel: 'line', subtotal: 18_000, discount: 18_000, total: 0, status: 'paid' });
    expect(exchange!.shippingAddress).toEqual(order.shippingAddress);
    expect(await available('RET-TEA')).toBe(teaBefore - 2);
    expect(await t.database.db.select().from(refunds).where(eq(refunds.returnId, request.id))).toEqual([expect.objectContaining({ amount: 7_000, status: 'due' })]);
    expect(await pushedTo(userId)).toContain(`created exchange order ${exchange!.number}`);
    const page = await staff.get(`/admin/returns/${request.id}`);
    expect(page.body).toContain(exchange!.number);
  });

  it('exchanges for dearer items: the customer pays the difference', async () => {
    const { request, userId } = await deliveredWithReturn();
    await staff.post(`/admin/returns/${request.id}/approve`, {});
    const [rl] = await t.database.db.select().from(returnLines).where(eq(returnLines.returnId, request.id));
    await staff.post(`/admin/returns/${request.id}/receive`, { [`choice_${rl!.id}`]: 'sellable', [`warehouse_${rl!.id}`]: await warehouseId('MAIN') });

    // Unknown SKUs are refused and nothing changes.
    expect((await staff.post(`/admin/returns/${request.id}/exchange`, { skus: 'NO-SUCH-SKU' })).statusCode).toBe(409);
    expect((await returnOf(request.id)).status).toBe('received');

    expect((await staff.post(`/admin/returns/${request.id}/exchange`, { skus: 'RET-PAN' })).statusCode).toBe(303);
    const ret = await returnOf(request.id);
    const [exchange] = await t.database.db.select().from(orders).where(eq(orders.id, ret.exchangeOrderId!));
    expect(exchange).toMatchObject({ subtotal: 60_000, discount: 25_000, total: 35_000, status: 'pending_payment' });
    expect(await t.database.db.select().from(refunds).where(eq(refunds.returnId, request.id))).toHaveLength(0);
    expect(await pushedTo(userId)).toMatch(/The difference to pay: THB\s350\.00/);
  });

  it('records a refund for later with a slip image uploaded as multipart, checked by content', async () => {
    const { order, request } = await deliveredWithReturn();
    await staff.post(`/admin/returns/${request.id}/approve`, {});
    const [rl] = await t.database.db.select().from(returnLines).where(eq(returnLines.returnId, request.id));
    await staff.post(`/admin/returns/${request.id}/receive`, { [`choice_${rl!.id}`]: 'sellable', [`warehouse_${rl!.id}`]: await warehouseId('MAIN') });

    const multipart = (fields: Record<string, string>, file?: { data: Buffer; name: string; type: string }) => {
      const boundary = '----talad-returns-test';
      const parts: Buffer[] = [];
      for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
      if (file) {
        parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="slip"; filename="${file.name}"\r\ncontent-type: ${file.type}\r\n\r\n`), file.data, Buffer.from('\r\n'));
      }
      parts.push(Buffer.from(`--${boundary}--\r\n`));
      return { payload: Buffer.concat(parts), headers: { cookie: staff.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` } };
    };
    const send = (fields: Record<string, string>, file?: { data: Buffer; name: string; type: string }) =>
      t.app.inject({ method: 'POST', url: `/admin/returns/${request.id}/refund`, ...multipart(fields, file) });

    // A text file named .jpg is not an image.
    const fake = await send({ _csrf: staff.csrf, amount: '250', method: 'transfer' }, { data: Buffer.from('not really a picture'), name: 'slip.jpg', type: 'image/jpeg' });
    expect(fake.statusCode).toBe(400);
    expect(fake.body).toContain('JPEG, PNG or WebP');
    // Without the CSRF token, nothing is read into the books.
    expect((await send({ amount: '250', method: 'transfer' })).statusCode).toBe(403);
    expect(await t.database.db.select().from(refunds).where(eq(refunds.orderId, order.id))).toHaveLength(0);

    const png = await sharp({ create: { width: 200, height: 300, channels: 3, background: { r: 250, g: 250, b: 250 } } }).png().toBuffer();
    const res = await send({ _csrf: staff.csrf, amount: '250.00', method: 'transfer', reference: 'KB-1', later: '1' }, { data: png, name: 'x.bin', type: 'application/octet-stream' });
    expect(res.statusCode).toBe(303);
    const [refund] = await t.database.db.select().from(refunds).where(eq(refunds.returnId, request.id));
    expect(refund).toMatchObject({ amount: 25_000, status: 'due', paidAt: null, reference: 'KB-1' });
    // Kept as the finance page keeps its slips: relative to DATA_DIR, under refund-slips/, readable by the app alone.
    expect(refund!.slipPath).toMatch(/^refund-slips\/[^/]+\.png$/);
    const file = path.join(t.config.dataDir, refund!.slipPath!);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file)).toEqual(png);
    const slip = await staff.get(`/admin/returns/${request.id}/refunds/${refund!.id}/slip`);
    expect(slip.statusCode).toBe(200);
    expect(slip.headers['content-type']).toBe('image/png');
    expect(slip.rawPayload).toEqual(png);
  });
});

describe('the returns desk by channel', () => {
  it('shows only the chosen channel\'s returns and counts, with the channel on each row and in every link, and ignores a channel that is not one', async () => {
    const onLine = await deliveredWithReturn(undefined, 'line');
    const onShopee = await deliveredWithReturn(undefined, 'shopee');
    const row = (id: number) => `href="/admin/returns/${id}"`;

    const all = await owner.get('/admin/returns');
    expect(all.body).toContain(row(onLine.request.id));
    expect(all.body).toContain(row(onShopee.request.id));
    expect(all.body).toMatch(/<select name="channel">[\s\S]*<option value="shopee"\s*>Shopee<\/option>/);

    const shopee = await owner.get('/admin/returns?channel=shopee');
    expect(shopee.statusCode).toBe(200);
    expect(shopee.body).toContain(row(onShopee.request.id));
    expect(shopee.body).not.toContain(row(onLine.request.id));
    expect(shopee.body).toContain('<td data-channel="shopee">Shopee</td>');
    expect(shopee.body).not.toContain('data-channel="line"');
    expect(shopee.body).toContain('<option value="shopee" selected>');
    // The counts per status are of Shopee's returns alone, and the status tabs keep the channel.
    const counted = await t.database.db
      .select({ status: returnRequests.status, n: sql<number>`count(*)::int` })
      .from(returnRequests)
      .innerJoin(orders, eq(orders.id, returnRequests.orderId))
      .where(eq(orders.channel, 'shopee'))
      .groupBy(returnRequests.status);
    const requested = Number(counted.find((c) => c.status === 'requested')?.n ?? 0);
    expect(requested).toBeGreaterThan(0);
    expect(shopee.body).toContain(`data-status="requested">${requested}<`);
    expect(decodeEntities(shopee.body)).toContain('href="/admin/returns?status=requested&channel=shopee"');
    const { rows: [lineRequested] } = await t.database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from return_requests r join orders o on o.id = r.order_id where o.channel = 'line' and r.status = 'requested'`,
    );
    const line = await owner.get('/admin/returns?status=requested&channel=line');
    expect(line.body).toContain(row(onLine.request.id));
    expect(line.body).not.toContain(row(onShopee.request.id));
    expect(line.body).toContain(`data-status="requested">${Number(lineRequested!.n)}<`);

    const bad = await owner.get('/admin/returns?channel=myspace');
    expect(bad.statusCode).toBe(200);
    expect(bad.body).toContain(row(onLine.request.id));
    expect(bad.body).toContain(row(onShopee.request.id));
  });
});

describe('a refund slip sent with a return', () => {
  const png = () => sharp({ create: { width: 120, height: 160, channels: 3, background: { r: 20, g: 120, b: 200 } } }).png().toBuffer();
  async function refundWithSlip(later: boolean) {
    const { request } = await deliveredWithReturn();
    await owner.post(`/admin/returns/${request.id}/approve`, {});
    const [rl] = await t.database.db.select().from(returnLines).where(eq(returnLines.returnId, request.id));
    await owner.post(`/admin/returns/${request.id}/receive`, { [`choice_${rl!.id}`]: 'sellable', [`warehouse_${rl!.id}`]: await warehouseId('MAIN') });
    const bytes = await png();
    const boundary = '----talad-returns-slip';
    const fields = { _csrf: owner.csrf, amount: '100', method: 'transfer', reference: 'KB-SLIP', ...(later ? { later: '1' } : {}) };
    const payload = Buffer.concat([
      ...Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)),
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="slip"; filename="slip.png"\r\ncontent-type: image/png\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await t.app.inject({ method: 'POST', url: `/admin/returns/${request.id}/refund`, payload, headers: { cookie: owner.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(res.statusCode).toBe(303);
    const [refund] = await t.database.db.select().from(refunds).where(eq(refunds.returnId, request.id));
    return { request, refund: refund!, bytes };
  }

  it('is shown on the return page and on the finance pages, and stays when the refund is paid there', async () => {
    const { request, refund, bytes } = await refundWithSlip(true);
    expect(refund.slipPath).toMatch(/^refund-slips\/[^/]+\.png$/);

    const fromReturn = await owner.get(`/admin/returns/${request.id}/refunds/${refund.id}/slip`);
    expect(fromReturn.statusCode).toBe(200);
    expect(fromReturn.rawPayload).toEqual(bytes);
    const fromFinance = await owner.get(`/admin/finance/refunds/${refund.id}/slip`);
    expect(fromFinance.statusCode).toBe(200);
    expect(fromFinance.headers['content-type']).toBe('image/png');
    expect(fromFinance.rawPayload).toEqual(bytes);
    // Linked from the refunds-due list.
    expect((await owner.get('/admin/finance')).body).toContain(`href="/admin/finance/refunds/${refund.id}/slip"`);

    // Paid from the finance page without a new photo: the return's slip is kept, and the ledger links to it.
    expect((await owner.post(`/admin/finance/refunds/${refund.id}/pay`, { method: 'transfer', reference: 'KB-SLIP' })).statusCode).toBe(303);
    const [paid] = await t.database.db.select().from(refunds).where(eq(refunds.id, refund.id));
    expect(paid).toMatchObject({ status: 'paid', slipPath: refund.slipPath });
    const ledger = await owner.get('/admin/finance/ledger');
    expect(ledger.body).toContain(`href="/admin/finance/refunds/${refund.id}/slip"`);
    expect((await owner.get(`/admin/finance/refunds/${refund.id}/slip`)).rawPayload).toEqual(bytes);
  });

  it('is read only from DATA_DIR/refund-slips, whatever the row says, on both pages', async () => {
    const { request, refund, bytes } = await refundWithSlip(false);
    const urls = [`/admin/returns/${request.id}/refunds/${refund.id}/slip`, `/admin/finance/refunds/${refund.id}/slip`];
    const setPath = (slipPath: string) => t.database.db.update(refunds).set({ slipPath }).where(eq(refunds.id, refund.id));
    // A row written before paths were made relative holds the absolute path of a file under refund-slips: still shown.
    await setPath(path.resolve(t.config.dataDir, refund.slipPath!));
    for (const url of urls) expect((await owner.get(url)).rawPayload, url).toEqual(bytes);
    // Anything else is not found: another file of DATA_DIR, a way out of it, a file elsewhere.
    const elsewhere = path.resolve(t.config.dataDir, 'not-a-slip.png');
    writeFileSync(elsewhere, bytes);
    for (const slipPath of ['not-a-slip.png', elsewhere, 'refund-slips/../not-a-slip.png', '../../../etc/hostname', '/etc/hostname']) {
      await setPath(slipPath);
      for (const url of urls) expect((await owner.get(url)).statusCode, `${url} ${slipPath}`).toBe(404);
    }
  });
});

describe('who may handle returns', () => {
  let id: number;
  beforeAll(async () => {
    id = (await deliveredWithReturn()).request.id;
  });

  it('refuses packers, on the pages and on every action', async () => {
    expect((await packer.get('/admin/returns')).statusCode).toBe(403);
    expect((await packer.get(`/admin/returns/${id}`)).statusCode).toBe(403);
    expect((await packer.post(`/admin/returns/${id}/approve`, {})).statusCode).toBe(403);
    expect((await packer.post(`/admin/returns/${id}/refund`, { amount: '1', method: 'cash' })).statusCode).toBe(403);
    expect((await returnOf(id)).status).toBe('requested');
  });

  it('lets owners and staff in, and refuses a POST without the CSRF token', async () => {
    expect((await owner.get('/admin/returns')).statusCode).toBe(200);
    expect((await staff.get(`/admin/returns/${id}`)).statusCode).toBe(200);
    const forged = await staff.post(`/admin/returns/${id}/approve`, {}, { csrf: false });
    expect(forged.statusCode).toBe(403);
    expect((await staff.post(`/admin/returns/${id}/reject`, { note: 'x' }, { csrf: 'wrong-token' })).statusCode).toBe(403);
    expect((await returnOf(id)).status).toBe('requested');
  });

  it('answers 404 for a return that does not exist', async () => {
    expect((await staff.get('/admin/returns/999999')).statusCode).toBe(404);
    expect((await staff.get(`/admin/returns/${id}/photos/1`)).statusCode).toBe(404);
  });
});


