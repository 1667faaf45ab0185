import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditNotes, invoices, orders } from '#src/db/schema/index.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { editOrder } from '#src/workflows/orders/edit-order.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeApiOrder, signIn, type AdminClient } from '../helpers/admin.ts';
import { makeProduct } from '../helpers/factories.ts';

let t: TestApp;
let owner: AdminClient;
const db = () => t.database.db;

beforeAll(async () => {
  t = await buildTestApp({ SHOP_VAT_REGISTERED: 'true' });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  await makeProduct(db(), { sku: 'SOAP-1', nameTh: 'สบู่สมุนไพร', nameEn: 'Herbal soap', price: 10_700, stock: { MAIN: 500 } });
});
afterAll(async () => t?.close());

const customer = (n: number) => ({ name: ['อำไพ ศรีทอง', 'ชูชาติ ดีงาม', 'ปราณี แก้วใส', 'สุนทร บุญมา', 'ลำดวน หอมจัง'][n % 5]!, phone: `08755500${n}${n}` });
const orderId = async (number: string) => (await db().select({ id: orders.id }).from(orders).where(eq(orders.number, number)))[0]!.id;

describe('receipts and credit notes', () => {
  it('bulk receipts print what can be printed and list what was skipped and why', async () => {
    const paid = [];
    for (let i = 0; i < 4; i++) paid.push(await makeApiOrder(t.app, 'SOAP-1', { customer: customer(i), status: 'paid' }));
    const cod = await makeApiOrder(t.app, 'SOAP-1', { customer: customer(4), paymentMethod: 'cod' });
    await t.app.inject({ method: 'POST', url: `/api/v1/orders/${cod}/transitions`, headers: auth, payload: { to: 'confirmed' } });
    const unpaid = await makeApiOrder(t.app, 'SOAP-1', { customer: customer(5) });

    const res = await owner.get(`/admin/print/invoices?orders=${[...paid, cod, unpaid].join(',')}`);
    expect(res.statusCode).toBe(200);
    const printed = [...res.body.matchAll(/data-order="(TL-\d+)" data-invoice="([^"]+)"/g)].map((m) => m[1]);
    expect(printed.sort()).toEqual([...paid].sort());
    const page = decodeEntities(res.body);
    expect(page).toContain('data-skipped="2"');
    expect(page).toMatch(new RegExp(`data-skipped-order="${cod}"><span class="mono">${cod}</span>: [^<]*เก็บเงินปลายทาง`));
    expect(page).toMatch(new RegExp(`data-skipped-order="${unpaid}"><span class="mono">${unpaid}</span>: ยังชำระเงินไม่ครบ`));
    const issued = await db().select().from(invoices).where(inArray(invoices.orderId, [await orderId(cod), await orderId(unpaid)]));
    expect(issued).toEqual([]);

    // Nothing printable at all: refused, as before.
    expect((await owner.get(`/admin/print/invoices?orders=${cod}`)).statusCode).toBe(409);
  });

  it('an edit down, and a cancellation after payment, each issue a credit note from their own gap-free series, referring to the receipt, with VAT split', async () => {
    const edited = await makeApiOrder(t.app, 'SOAP-1', { customer: customer(6), qty: 3, status: 'paid' });
    const id = await orderId(edited);
    const [receipt] = await db().select().from(invoices).where(eq(invoices.orderId, id));
    expect(receipt!.total).toBe(32_100);

    await editOrder(db(), {
      number: edited,
      lines: [{ sku: 'SOAP-1', qty: 1 }],
      shippingFee: 0,
      discount: 0,
      shippingAddress: { name: 'ปราณี แก้วใส', phone: '0812345678', address: '7 ถนนราชดำเนิน ต.ในเมือง อ.เมือง ขอนแก่น', postcode: '40000' },
      reason: 'ลูกค้าขอลดจำนวน',
      actor: 'test',
      timeZone: t.config.shop.timeZone,
    });
    // The receipt keeps its number and its amounts.
    const [after] = await db().select().from(invoices).where(eq(invoices.orderId, id));
    expect(after).toMatchObject({ number: receipt!.number, total: 32_100, vat: receipt!.vat });

    const cancelled = await makeApiOrder(t.app, 'SOAP-1', { customer: customer(7), status: 'paid' });
    const cancel = await t.app.inject({ method: 'POST', url: `/api/v1/orders/${cancelled}/transitions`, headers: auth, payload: { to: 'cancelled', note: 'สินค้าเสียหาย' } });
    expect(cancel.statusCode).toBe(200);

    const notes = await db().select().from(creditNotes).orderBy(creditNotes.id);
    const year = localDate(new Date(), t.config.shop.timeZone).slice(0, 4);
    expect(notes.map((n) => n.number)).toEqual([`CN${year}-000001`, `CN${year}-000002`]);
    // ฿214 taken off the ฿321 receipt: VAT 7/107 of it, ฿14.
    expect(notes[0]).toMatchObject({ orderId: id, invoiceId: receipt!.id, amount: 21_400, vat: 1_400 });
    expect(notes[0]!.reason).toContain('ลูกค้าขอลดจำนวน');
    expect(notes[1]).toMatchObject({ orderId: await orderId(cancelled), amount: 10_700, vat: 700 });

    const day = localDate(new Date(), t.config.shop.timeZone);
    const csv = (await owner.get(`/admin/finance/export.csv?from=${day}&to=${day}&kind=all`)).body;
    const lines = csv.split('\r\n');
    const head = lines.indexOf('# credit_notes');
    expect(head).toBeGreaterThan(0);
    expect(lines[head + 1]).toBe('number,date,order_number,invoice_number,reason,amount,net_excluding_vat,vat_7');
    expect(lines[head + 2]).toMatch(new RegExp(`^CN${year}-000001,[^,]+,${edited},${receipt!.number},[^,]*,-214.00,-200.00,-14.00$`));
    expect(lines[head + 3]).toMatch(new RegExp(`^CN${year}-000002,[^,]+,${cancelled},`));
  });
});
