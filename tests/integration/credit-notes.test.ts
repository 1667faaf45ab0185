import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditNotes, debitNotes, invoices, orders, payments } from '#src/db/schema/index.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { editOrder } from '#src/workflows/orders/edit-order.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
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

  it('an edit up after the receipt issues a debit note from its own gap-free series; receipt − credit notes + debit notes = what is paid and owed; both print in Thai', async () => {
    const number = await makeApiOrder(t.app, 'SOAP-1', { customer: customer(8), status: 'paid' });
    const id = await orderId(number);
    const [receipt] = await db().select().from(invoices).where(eq(invoices.orderId, id));
    expect(receipt!.total).toBe(10_700);
    const address = { name: 'สุนทร บุญมา', phone: '0812345678', address: '45 ถนนนิมมานเหมินท์ ต.สุเทพ อ.เมือง เชียงใหม่', postcode: '50200' };
    const edit = (qty: number, reason: string) =>
      editOrder(db(), { number, lines: [{ sku: 'SOAP-1', qty }], shippingFee: 0, discount: 0, shippingAddress: address, reason, actor: 'test', timeZone: t.config.shop.timeZone });

    // Up from 1 to 3 soaps: ฿214 more, owed by the customer; a debit note, the receipt unchanged.
    const up = await edit(3, 'ลูกค้าขอเพิ่ม 2 ก้อน');
    expect(up.due).toBe(21_400);
    const year = localDate(new Date(), t.config.shop.timeZone).slice(0, 4);
    const [debit] = await db().select().from(debitNotes).where(eq(debitNotes.orderId, id));
    expect(debit).toMatchObject({ number: `DN${year}-000001`, invoiceId: receipt!.id, amount: 21_400, vat: 1_400 });
    const [after] = await db().select().from(invoices).where(eq(invoices.orderId, id));
    expect(after).toMatchObject({ number: receipt!.number, total: 10_700 });

    // Down to 2: ฿107 off, a credit note; the customer still owes ฿107.
    const down = await edit(2, 'ลูกค้าเปลี่ยนใจ');
    expect(down.due).toBe(10_700);
    const credits = await db().select().from(creditNotes).where(eq(creditNotes.orderId, id));
    expect(credits.map((c) => c.amount)).toEqual([10_700]);

    // What the receipt covers now equals the order: what was paid plus what is still owed.
    const [order] = await db().select().from(orders).where(eq(orders.id, id));
    const paid = (await db().select().from(payments).where(eq(payments.orderId, id))).filter((p) => p.status === 'confirmed').reduce((n, p) => n + p.amount, 0);
    const covers = receipt!.total - credits.reduce((n, c) => n + c.amount, 0) + debit!.amount;
    expect(covers).toBe(order!.total);
    expect(covers).toBe(paid + down.due);
    // Then cancelled: the credit note takes off all the receipt covers, the debit note included.
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/orders/${number}/transitions`, headers: auth, payload: { to: 'cancelled', note: 'ลูกค้ายกเลิก' } })).statusCode).toBe(200);
    const allCredits = await db().select().from(creditNotes).where(eq(creditNotes.orderId, id));
    expect(receipt!.total - allCredits.reduce((n, c) => n + c.amount, 0) + debit!.amount).toBe(0);

    // Printable in Thai, referring to the receipt, with the value before, after and the difference.
    const page = decodeEntities((await owner.get(`/admin/print/notes/${debit!.number}`)).body);
    expect(page).toContain('ใบเพิ่มหนี้ (Debit note)');
    expect(page).toContain(`data-receipt="${receipt!.number}"`);
    expect(page).toMatch(/data-before>฿107\.00</);
    expect(page).toMatch(/data-after>฿321\.00</);
    expect(page).toMatch(/data-amount>฿214\.00</);
    expect(page).toMatch(/data-vat>฿14\.00</);
    expect(page).toContain('แก้ไขคำสั่งซื้อ ครั้งที่ 1 / Order edited (revision 1): ลูกค้าขอเพิ่ม 2 ก้อน');
    const creditPage = decodeEntities((await owner.get(`/admin/print/notes/${credits[0]!.number}`)).body);
    expect(creditPage).toContain('ใบลดหนี้ (Credit note)');
    expect(creditPage).toMatch(/data-before>฿321\.00</);
    expect(creditPage).toMatch(/data-after>฿214\.00</);
    // The order page links both; an unknown note is a 404; a packer may not print them.
    const orderPage = (await owner.get(`/admin/orders/${number}`)).body;
    expect(orderPage).toContain(`href="/admin/print/notes/${debit!.number}"`);
    expect(orderPage).toContain(`href="/admin/print/notes/${credits[0]!.number}"`);
    expect((await owner.get(`/admin/print/notes/DN${year}-999999`)).statusCode).toBe(404);
    expect((await owner.get('/admin/print/notes/anything')).statusCode).toBe(404);
    const packer = await signIn(t.app, (await makeUser(db(), 'packer')).email);
    expect((await packer.get(`/admin/print/notes/${debit!.number}`)).statusCode).toBe(403);

    // In the accounting export beside the credit notes, added (positive) where a credit note takes off.
    const day = localDate(new Date(), t.config.shop.timeZone);
    const csv = (await owner.get(`/admin/finance/export.csv?from=${day}&to=${day}&kind=credit_notes`)).body;
    expect(csv).toMatch(new RegExp(`DN${year}-000001,[^,]+,${number},${receipt!.number},[^,]*,214\\.00,200\\.00,14\\.00`));
  });
});
