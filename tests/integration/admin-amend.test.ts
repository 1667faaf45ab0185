import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerIdentities, orderRevisions, orders, outbox, refunds, stockLevels, warehouses } from '#src/db/schema/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { apiOrder, decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { makeProduct } from '../helpers/factories.ts';

/** Changing orders before they ship: edit, split into parcels, merge; and the list's payment and warehouse filters. */
let t: TestApp;
let staff: AdminClient;
let packer: AdminClient;
const db = () => t.database.db;

beforeAll(async () => {
  t = await buildTestApp();
  await makeProduct(db(), { sku: 'AM-TEA', price: 12_000, stock: { MAIN: 50 } });
  await makeProduct(db(), { sku: 'AM-CUP', price: 8_000, stock: { MAIN: 50 } });
  await makeProduct(db(), { sku: 'AM-POT', price: 45_000, stock: { MAIN: 2 } });
  // Two warehouses for one SKU: the split proposal ships each part from its own.
  await makeProduct(db(), { sku: 'AM-RICE', price: 20_000, stock: { AMBKK: 2, AMCNX: 3 } });
  staff = await signIn(t.app, (await makeUser(db(), 'staff')).email);
  packer = await signIn(t.app, (await makeUser(db(), 'packer')).email);
});
afterAll(async () => {
  await t?.close();
});

async function available(sku: string): Promise<number> {
  const { rows } = await db().execute<{ n: number }>(sql`
    select coalesce(sum(s.on_hand - s.reserved), 0)::int as n from stock_levels s join product_variants v on v.id = s.variant_id where v.sku = ${sku}`);
  return rows[0]!.n;
}

async function onHand(sku: string): Promise<number> {
  const { rows } = await db().execute<{ n: number }>(sql`
    select coalesce(sum(s.on_hand), 0)::int as n from stock_levels s join product_variants v on v.id = s.variant_id where v.sku = ${sku}`);
  return rows[0]!.n;
}

/** Gives the order's customer a LINE chat, so what they are told shows in the outbox. */
async function withLineChat(number: string, userId: string) {
  const [o] = await db().select().from(orders).where(eq(orders.number, number));
  await db().insert(customerIdentities).values({ customerId: o!.customerId, channel: 'line', externalId: userId }).onConflictDoNothing();
  return o!;
}

const editForm = (fields: { lines: [string, string][]; fee?: string; discount?: string; address?: string; reason?: string }) => ({
  sku: fields.lines.map(([s]) => s),
  qty: fields.lines.map(([, q]) => q),
  shippingFee: fields.fee ?? '50',
  discount: fields.discount ?? '0',
  name: 'สมหญิง ใจดี',
  phone: '081-234-5678',
  address: fields.address ?? '12/3 ซอยอารีย์ พหลโยธิน กรุงเทพฯ',
  postcode: '10400',
  reason: fields.reason ?? '',
});

describe('editing an order before it ships', () => {
  it('changes lines, address and fee; stock follows; the API, the history and the customer see it', async () => {
    const number = await makeApiOrder(t.app, 'AM-TEA', { qty: 2 });
    await withLineChat(number, `U${'a1'.repeat(16)}`);
    const before = { tea: await available('AM-TEA'), cup: await available('AM-CUP') };
    const res = await staff.post(
      `/admin/orders/${number}/edit`,
      editForm({ lines: [['AM-TEA', '3'], ['am-cup', '2']], fee: '40', address: '55 ถนนนิมมานเหมินท์ เชียงใหม่', reason: 'ลูกค้าขอเพิ่มแก้ว' }),
    );
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(res.headers.location).toContain('done=orderEdited');

    const api = await apiOrder(t.app, number);
    expect(api.lines.map((l: { sku: string; qty: number }) => [l.sku, l.qty]).sort()).toEqual([['AM-CUP', 2], ['AM-TEA', 3]]);
    expect(api.total.amount).toBe(3 * 12_000 + 2 * 8_000 + 4_000);
    expect(api.shippingAddress.address).toBe('55 ถนนนิมมานเหมินท์ เชียงใหม่');
    // The edit is an event (kind and parameters, read in each reader's language); the note is the reason typed.
    expect(
      api.history.some(
        (h: { note: string | null; event: { kind: string; params: { revision: number } } | null }) =>
          h.event?.kind === 'order.edited' && h.event.params.revision === 1 && h.note === 'ลูกค้าขอเพิ่มแก้ว',
      ),
    ).toBe(true);

    // One more tea and two cups are held; nothing else moved.
    expect(await available('AM-TEA')).toBe(before.tea - 1);
    expect(await available('AM-CUP')).toBe(before.cup - 2);

    const [o] = await db().select().from(orders).where(eq(orders.number, number));
    const [rev] = await db().select().from(orderRevisions).where(eq(orderRevisions.orderId, o!.id));
    expect(rev!.before.lines).toEqual([expect.objectContaining({ sku: 'AM-TEA', qty: 2 })]);
    expect(rev!.before.total).toBe(2 * 12_000);

    const told = await db().select().from(outbox).where(eq(outbox.dedupeKey, `order:${number}:pending_payment:edited:1`));
    expect(told).toHaveLength(1);
    expect(told[0]!.payload).toMatchObject({ template: 'order.edited', params: { total: api.total.amount } });

    const page = await staff.get(`/admin/orders/${number}`);
    expect(decodeEntities(page.body)).toContain('55 ถนนนิมมานเหมินท์ เชียงใหม่');
  });

  it('changes nothing when stock is short, and says which SKU', async () => {
    const number = await makeApiOrder(t.app, 'AM-TEA', { qty: 1 });
    const pot = await available('AM-POT');
    const res = await staff.post(`/admin/orders/${number}/edit`, editForm({ lines: [['AM-TEA', '1'], ['AM-POT', '5']] }));
    expect(res.statusCode).toBe(409);
    expect(decodeEntities(res.body)).toMatch(/AM-POT \(2\)/);
    expect((await apiOrder(t.app, number)).lines).toHaveLength(1);
    expect(await available('AM-POT')).toBe(pot);
    const [o] = await db().select().from(orders).where(eq(orders.number, number));
    expect(await db().select().from(orderRevisions).where(eq(orderRevisions.orderId, o!.id))).toHaveLength(0);
  });

  it('refuses unknown SKUs, empty orders and bad amounts with messages beside the fields', async () => {
    const number = await makeApiOrder(t.app, 'AM-TEA');
    const unknown = await staff.post(`/admin/orders/${number}/edit`, editForm({ lines: [['NOPE-1', '1']] }));
    expect(unknown.statusCode).toBe(409);
    expect(decodeEntities(unknown.body)).toContain('NOPE-1');
    const empty = await staff.post(`/admin/orders/${number}/edit`, editForm({ lines: [['AM-TEA', '0']] }));
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('at least one line');
    const fee = await staff.post(`/admin/orders/${number}/edit`, editForm({ lines: [['AM-TEA', '1']], fee: '-5' }));
    expect(fee.statusCode).toBe(400);
    expect(fee.body).toContain('amount in baht');
  });

  it('records a refund owed when a paid order gets cheaper', async () => {
    const number = await makeApiOrder(t.app, 'AM-TEA', { qty: 3, status: 'confirmed' });
    const res = await staff.post(`/admin/orders/${number}/edit`, editForm({ lines: [['AM-TEA', '1']], fee: '0' }));
    expect(res.statusCode).toBe(303);
    const [o] = await db().select().from(orders).where(eq(orders.number, number));
    const owed = await db().select().from(refunds).where(eq(refunds.orderId, o!.id));
    expect(owed.map((r) => [r.amount, r.status])).toEqual([[2 * 12_000, 'due']]);
  });

  it('refuses an order that has shipped, and a packer', async () => {
    const number = await makeApiOrder(t.app, 'AM-TEA', { status: 'confirmed' });
    const shipped = await staff.post(`/admin/orders/${number}/ship`, { carrier: 'kerry', trackingNumber: 'KEX-AMEND-1' });
    expect(shipped.statusCode).toBe(303);
    const res = await staff.post(`/admin/orders/${number}/edit`, editForm({ lines: [['AM-TEA', '2']] }));
    expect(res.statusCode).toBe(409);
    expect((await packer.get(`/admin/orders/${number}/edit`)).statusCode).toBe(403);
    expect((await packer.post(`/admin/orders/${number}/edit`, editForm({ lines: [['AM-TEA', '2']] }))).statusCode).toBe(403);
  });
});

describe('splitting an order into parcels', () => {
  it('proposes one parcel per warehouse, ships each with its own tracking number, deducts only what left', async () => {
    const number = await makeApiOrder(t.app, 'AM-RICE', { qty: 5, status: 'confirmed' });
    await withLineChat(number, `U${'b2'.repeat(16)}`);
    const form = await staff.get(`/admin/orders/${number}/split`);
    expect(form.statusCode).toBe(200);
    const lineId = /name="line" value="(\d+)"/.exec(form.body)![1]!;
    const [bkk] = await db().select().from(warehouses).where(eq(warehouses.code, 'AMBKK'));
    const [cnx] = await db().select().from(warehouses).where(eq(warehouses.code, 'AMCNX'));

    const bad = await staff.post(`/admin/orders/${number}/split`, { line: lineId, first: '3', second: '1' });
    expect(bad.statusCode, bad.body.slice(0, 2000)).toBe(409);
    expect(decodeEntities(bad.body)).toContain('AM-RICE: 4 planned');

    const res = await staff.post(`/admin/orders/${number}/split`, {
      line: lineId, first: '3', second: '2', warehouse1: String(cnx!.id), warehouse2: String(bkk!.id),
    });
    expect(res.statusCode).toBe(303);
    const page = await staff.get(`/admin/orders/${number}`);
    const parcelIds = [...page.body.matchAll(/data-parcel="(\d+)"/g)].map((m) => m[1]!);
    expect(parcelIds).toHaveLength(2);
    // The whole-order ship form is replaced by one per parcel.
    expect((await staff.post(`/admin/orders/${number}/ship`, { carrier: 'kerry', trackingNumber: 'KEX-WHOLE-1' })).statusCode).toBe(409);

    const riceBefore = await onHand('AM-RICE');
    const first = await packer.post(`/admin/orders/${number}/parcels/${parcelIds[0]}/ship`, { carrier: 'flash', trackingNumber: 'TH0001SPLIT' });
    expect(first.statusCode).toBe(303);
    expect(await onHand('AM-RICE')).toBe(riceBefore - 3);
    expect((await apiOrder(t.app, number)).status).toBe('confirmed');
    const [cnxLevel] = await db().select().from(stockLevels).where(eq(stockLevels.warehouseId, cnx!.id));
    expect(cnxLevel!.onHand).toBe(0);

    const second = await packer.post(`/admin/orders/${number}/parcels/${parcelIds[1]}/ship`, { carrier: 'kerry', trackingNumber: 'KEX-SPLIT-2' });
    expect(second.statusCode).toBe(303);
    expect(await onHand('AM-RICE')).toBe(riceBefore - 5);
    const api = await apiOrder(t.app, number);
    expect(api.status).toBe('shipped');
    const told = await db().select().from(outbox).where(sql`${outbox.dedupeKey} like ${`order:${number}:shipped:%`}`);
    expect(told).toHaveLength(2);
    // Shipping the same parcel again is refused.
    expect((await packer.post(`/admin/orders/${number}/parcels/${parcelIds[1]}/ship`, { carrier: 'kerry', trackingNumber: 'KEX-SPLIT-3' })).statusCode).toBe(404);
  });
});

describe('merging two unpaid orders', () => {
  it('moves the lines and their held stock into one order, cancels the other, tells the customer one total', async () => {
    const customer = { name: 'ลูกค้ารวมออเดอร์', phone: '089-111-2222' };
    const keep = await makeApiOrder(t.app, 'AM-TEA', { qty: 1, customer });
    const absorb = await makeApiOrder(t.app, 'AM-CUP', { qty: 2, customer });
    const other = await makeApiOrder(t.app, 'AM-CUP', { qty: 1, customer: { name: 'คนอื่น', phone: '089-333-4444' } });
    await withLineChat(keep, `U${'c3'.repeat(16)}`);
    const cups = await available('AM-CUP');
    const keepTotal = (await apiOrder(t.app, keep)).total.amount;
    const absorbApi = await apiOrder(t.app, absorb);

    const page = await staff.get(`/admin/orders/${keep}/merge`);
    expect(page.body).toContain(absorb);
    expect(page.body).not.toContain(other);
    expect((await staff.post(`/admin/orders/${keep}/merge`, { absorb: other })).statusCode).toBe(409);

    const res = await staff.post(`/admin/orders/${keep}/merge`, { absorb });
    expect(res.statusCode).toBe(303);
    const merged = await apiOrder(t.app, keep);
    expect(merged.lines.map((l: { sku: string; qty: number }) => [l.sku, l.qty]).sort()).toEqual([['AM-CUP', 2], ['AM-TEA', 1]]);
    expect(merged.total.amount).toBe(keepTotal + absorbApi.subtotal.amount - absorbApi.discount.amount);
    const gone = await apiOrder(t.app, absorb);
    expect(gone.status).toBe('cancelled');
    expect(gone.history.at(-1).event).toEqual({ kind: 'order.merged', params: { number: keep } });
    // The cups stayed held: moved to the kept order, not released and taken again.
    expect(await available('AM-CUP')).toBe(cups);
    const [o] = await db().select().from(orders).where(eq(orders.number, keep));
    const { rows } = await db().execute<{ n: number }>(sql`select coalesce(sum(qty), 0)::int as n from stock_reservations where order_id = ${o!.id} and status = 'active'`);
    expect(rows[0]!.n).toBe(3);
    const told = await db().select().from(outbox).where(eq(outbox.dedupeKey, `order:${keep}:pending_payment:merged:${absorb}`));
    expect(told[0]!.payload).toMatchObject({ template: 'order.merged' });
    // An order merged away cannot be merged again.
    expect((await staff.post(`/admin/orders/${keep}/merge`, { absorb })).statusCode).toBe(409);
  });
});

describe('the order list filters', () => {
  it('filters by payment state and by warehouse', async () => {
    const paid = await makeApiOrder(t.app, 'AM-TEA', { status: 'paid' });
    const unpaid = await makeApiOrder(t.app, 'AM-TEA');
    const paidList = await staff.get('/admin/orders?payment=paid');
    expect(paidList.body).toContain(paid);
    expect(paidList.body).not.toContain(unpaid);
    const unpaidList = await staff.get('/admin/orders?payment=unpaid');
    expect(unpaidList.body).toContain(unpaid);
    expect(unpaidList.body).not.toContain(paid);

    const rice = await makeApiOrder(t.app, 'AM-TEA');
    const [bkk] = await db().select().from(warehouses).where(eq(warehouses.code, 'AMBKK'));
    const byWarehouse = await staff.get(`/admin/orders?warehouse=${bkk!.id}`);
    expect(byWarehouse.statusCode).toBe(200);
    expect(byWarehouse.body).not.toContain(rice);
    const [main] = await db().select().from(warehouses).where(and(eq(warehouses.code, 'MAIN')));
    expect((await staff.get(`/admin/orders?warehouse=${main!.id}`)).body).toContain(rice);
  });
});
