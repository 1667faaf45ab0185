// The invoice series as printing uses it. (Concurrent issuing and rollbacks of the series itself are
// tested beside the billing workflow.)
import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoices, orders } from '#src/db/schema/index.ts';
import { mayReceipt } from '#src/modules/orders/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let staff: AdminClient;

beforeAll(async () => {
  t = await buildTestApp({ SHOP_VAT_REGISTERED: 'true' });
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  await makeProduct(t.database.db, { sku: 'INV-1', price: 10_700, stock: { MAIN: 500 } });
});
afterAll(() => t?.close());

async function invoicesOf(numbers: string[]) {
  return t.database.db
    .select({ order: orders.number, number: invoices.number, series: invoices.series, seq: invoices.seq, vat: invoices.vat })
    .from(invoices)
    .innerJoin(orders, eq(orders.id, invoices.orderId))
    .where(inArray(orders.number, numbers))
    .orderBy(asc(invoices.seq));
}

/** Every number of the series from 1 up, none missing and none twice. */
async function seriesIsGapFree() {
  const all = await t.database.db.select({ series: invoices.series, seq: invoices.seq }).from(invoices).orderBy(asc(invoices.seq));
  for (const series of new Set(all.map((r) => r.series))) {
    const seqs = all.filter((r) => r.series === series).map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  }
}

const printed = (html: string) => [...html.matchAll(/data-order="([^"]+)" data-invoice="([^"]+)"/g)].map((m) => [m[1], m[2]]);

describe('receipts printed from the back office', () => {
  it('numbers several orders printed together in the order they were asked for, and a reprint keeps every number', async () => {
    const numbers = [];
    for (let i = 0; i < 3; i++) numbers.push(await makeApiOrder(t.app, 'INV-1', { status: 'paid' }));
    const res = await staff.get(`/admin/print/invoices?orders=${numbers.join(',')}`);
    expect(res.statusCode).toBe(200);
    const issued = await invoicesOf(numbers);
    expect(issued.map((i) => i.order)).toEqual(numbers);
    expect(issued[1]!.seq).toBe(issued[0]!.seq + 1);
    expect(issued[2]!.seq).toBe(issued[0]!.seq + 2);
    for (const i of issued) expect(i.number).toBe(`${i.series}-${String(i.seq).padStart(6, '0')}`);
    // 107 baht including 7% VAT: 7 baht of it is VAT.
    expect(issued.map((i) => i.vat)).toEqual([700, 700, 700]);
    expect(printed(res.body)).toEqual(issued.map((i) => [i.order, i.number]));

    const again = await staff.get(`/admin/print/invoices?orders=${[...numbers].reverse().join(',')}&format=html`);
    expect(again.statusCode).toBe(200);
    expect(printed(again.body)).toEqual([...issued].reverse().map((i) => [i.order, i.number]));
    expect(await invoicesOf(numbers)).toEqual(issued);
    await seriesIsGapFree();
  });

  it('prints the paid order of a batch and lists the unpaid one as skipped; a paid order has its number from the moment it was paid', async () => {
    const paid = await makeApiOrder(t.app, 'INV-1', { status: 'paid' });
    const unpaid = await makeApiOrder(t.app, 'INV-1');
    // The receipt number is taken when the payment is confirmed.
    const [atPayment] = await invoicesOf([paid]);
    expect(atPayment).toBeDefined();
    const before = await t.database.db.select({ seq: invoices.seq }).from(invoices);
    const partly = await staff.get(`/admin/print/invoices?orders=${paid},${unpaid}`);
    expect(partly.statusCode).toBe(200);
    expect(partly.body).toContain(`data-skipped-order="${unpaid}"`);
    expect(partly.body).toContain(`data-order="${paid}"`);
    expect(partly.body).not.toContain(`data-order="${unpaid}"`);
    expect(await invoicesOf([unpaid])).toEqual([]);
    expect((await staff.get(`/admin/print/invoices?orders=${unpaid}`)).statusCode).toBe(409);
    expect(await t.database.db.select({ seq: invoices.seq }).from(invoices)).toHaveLength(before.length);

    const ok = await staff.get(`/admin/print/invoices?orders=${paid}`);
    expect(ok.statusCode).toBe(200);
    expect(await invoicesOf([paid])).toEqual([atPayment]);
    await seriesIsGapFree();
  });

  it('allows a receipt for a paid order at any later step, and for a COD order only once delivered', () => {
    for (const status of ['paid', 'confirmed', 'packed', 'shipped', 'delivered', 'completed'] as const) {
      expect(mayReceipt({ status, paymentMethod: 'promptpay' }), status).toBe(true);
    }
    for (const status of ['pending_payment', 'payment_review', 'cancelled'] as const) {
      expect(mayReceipt({ status, paymentMethod: 'transfer' }), status).toBe(false);
    }
    expect(mayReceipt({ status: 'shipped', paymentMethod: 'cod' })).toBe(false);
    expect(mayReceipt({ status: 'confirmed', paymentMethod: 'cod' })).toBe(false);
    expect(mayReceipt({ status: 'delivered', paymentMethod: 'cod' })).toBe(true);
    expect(mayReceipt({ status: 'completed', paymentMethod: 'cod' })).toBe(true);
  });
});

describe('receipt numbers are taken only by a POST (or when paid), never by opening a page', () => {
  /** A cash-on-delivery order the carrier delivered, its cash not remitted yet: may have a receipt, has no number. */
  async function deliveredCod(): Promise<string> {
    const number = await makeApiOrder(t.app, 'INV-1', { paymentMethod: 'cod', customer: { name: 'บุญเรือน ทองดี', phone: '0891112233' } });
    await t.database.db.update(orders).set({ status: 'delivered' }).where(eq(orders.number, number));
    return number;
  }

  it('a GET of any print route, in any format, never creates an invoice row; the page offers the issuing form instead', async () => {
    const cod = await deliveredCod();
    const before = await t.database.db.select({ id: invoices.id }).from(invoices);
    for (const url of [
      `/admin/print/invoices?orders=${cod}`,
      `/admin/print/invoices?orders=${cod}&format=html`,
      `/admin/print/invoices?order=${cod}&format=pdf`,
      `/admin/print/packing?orders=${cod}`,
      `/admin/print/labels?orders=${cod}`,
      `/admin/print/picking?orders=${cod}`,
    ]) {
      const res = await staff.get(url);
      expect(res.statusCode, url).toBeLessThan(500);
      expect(await invoicesOf([cod]), url).toEqual([]);
    }
    expect(await t.database.db.select({ id: invoices.id }).from(invoices)).toHaveLength(before.length);
    const page = await staff.get(`/admin/print/invoices?orders=${cod}`);
    expect(page.body).toContain('data-issue-receipts');
    expect(page.body).toContain('method="post" action="/admin/print/invoices"');
    expect(decodeEntities(page.body)).toContain(`These orders have no receipt number yet: ${cod}`);
    expect(page.body).not.toContain(`data-order="${cod}"`);
  });

  it('issues the number on the POST with the CSRF token (not without it), once, in the same gap-free series, then prints it', async () => {
    const cod = await deliveredCod();
    const refused = await staff.post('/admin/print/invoices', { orders: cod }, { csrf: false });
    expect(refused.statusCode).toBe(403);
    expect(await invoicesOf([cod])).toEqual([]);

    const issued = await staff.post('/admin/print/invoices', { orders: cod });
    expect(issued.statusCode).toBe(303);
    expect(issued.headers.location).toBe(`/admin/print/invoices?orders=${cod}`);
    const [invoice] = await invoicesOf([cod]);
    expect(invoice).toBeDefined();
    const shown = await staff.get(issued.headers.location as string);
    expect(printed(shown.body)).toEqual([[cod, invoice!.number]]);
    // A second POST (a double click) takes no second number.
    await staff.post('/admin/print/invoices', { orders: cod });
    expect(await invoicesOf([cod])).toEqual([invoice]);
    await seriesIsGapFree();
  });

  it('the POST leaves unpaid orders without a number, and a packer may not issue', async () => {
    const unpaid = await makeApiOrder(t.app, 'INV-1');
    await staff.post('/admin/print/invoices', { orders: unpaid });
    expect(await invoicesOf([unpaid])).toEqual([]);
    const cod = await deliveredCod();
    const packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
    expect((await packer.post('/admin/print/invoices', { orders: cod })).statusCode).toBe(403);
    expect(await invoicesOf([cod])).toEqual([]);
  });
});
