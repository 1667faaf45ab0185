import ExcelJS from 'exceljs';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '#src/db/client.ts';
import { orders, refunds } from '#src/db/schema/index.ts';
import { localDate } from '#src/lib/shop-time.ts';
import { payDueRefund } from '#src/modules/payments/index.ts';
import { editOrder } from '#src/workflows/orders/edit-order.ts';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { makeProduct } from '../helpers/factories.ts';

let t: TestApp;
let owner: AdminClient;
const db = () => t.database.db;

beforeAll(async () => {
  t = await buildTestApp({ SHOP_VAT_REGISTERED: 'true' });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  await makeProduct(db(), { sku: 'TEA-500', nameTh: 'ชาอู่หลง 500 กรัม', nameEn: 'Oolong tea 500 g', price: 45_000, stock: { MAIN: 300 } });
  await makeProduct(db(), { sku: 'HONEY-1', nameTh: 'น้ำผึ้งดอกลำไย', nameEn: 'Longan honey', price: 18_950, stock: { MAIN: 300 } });
});
afterAll(async () => t?.close());

/** The CSV export's sections: name → rows (header first). */
function csvSections(body: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  let current: string[][] | undefined;
  for (const line of body.replace(/^\uFEFF/, '').split('\r\n')) {
    const m = /^# (\w+)$/.exec(line);
    if (m) out.set(m[1]!, (current = []));
    else if (line && current) current.push(parseCsvLine(line));
  }
  return out;
}
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') cells.push(cell), (cell = '');
    else cell += ch;
  }
  cells.push(cell);
  return cells;
}
const satang = (v: unknown) => Math.round(Number(v) * 100);

describe('the accounting export as .xlsx', () => {
  it('has a sheet per section in Thai, money whose totals equal the CSV, Buddhist-era and ISO dates, formulas neutralised', async () => {
    // A paid order whose customer typed a formula as their name, edited up after the receipt (a debit
    // note); a paid order cancelled and refunded (a credit note); COD confirmed and not collected.
    const tricky = await makeApiOrder(t.app, 'TEA-500', { customer: { name: '=HYPERLINK("http://evil.example","ดูรูป")', phone: '0819990001' }, status: 'paid' });
    await editOrder(db(), {
      number: tricky,
      lines: [{ sku: 'TEA-500', qty: 1 }, { sku: 'HONEY-1', qty: 2 }],
      shippingFee: 4_000,
      discount: 0,
      shippingAddress: { name: 'สมปอง ใจงาม', phone: '0819990001', address: '88 ถนนมิตรภาพ ต.ในเมือง อ.เมือง นครราชสีมา', postcode: '30000' },
      reason: 'ลูกค้าขอเพิ่มน้ำผึ้ง',
      actor: 'test',
      timeZone: t.config.shop.timeZone,
    });
    const cancelled = await makeApiOrder(t.app, 'HONEY-1', { customer: { name: 'รัตนา พรหมมา', phone: '0819990002' }, qty: 3, status: 'paid' });
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/orders/${cancelled}/transitions`, headers: auth, payload: { to: 'cancelled', note: 'สินค้าหมด' } })).statusCode).toBe(200);
    const [owed] = await db().select().from(refunds).where(sql`${refunds.orderId} = (select id from ${orders} where ${orders.number} = ${cancelled})`);
    await withTransaction(db(), (tx) => payDueRefund(tx, owed!.id, { method: 'transfer', reference: 'KBANK-778' }));
    const cod = await makeApiOrder(t.app, 'TEA-500', { customer: { name: 'ประยุทธ ทองดี', phone: '0819990003' }, paymentMethod: 'cod' });
    await t.app.inject({ method: 'POST', url: `/api/v1/orders/${cod}/transitions`, headers: auth, payload: { to: 'confirmed' } });

    const day = localDate(new Date(), t.config.shop.timeZone);
    const csv = csvSections((await owner.get(`/admin/finance/export.csv?from=${day}&to=${day}&kind=all`)).body);
    const res = await owner.get(`/admin/finance/export.xlsx?from=${day}&to=${day}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="accounting-${day}-${day}.xlsx"`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);

    // One sheet per section, named in Thai for the Thai owner, and the summary.
    const sheets = { orders: 'ออเดอร์', lines: 'รายการสินค้า', payments: 'การชำระเงิน', refunds: 'เงินคืน', credit_notes: 'ใบลดหนี้และใบเพิ่มหนี้', vat: 'ภาษีขาย' };
    expect(book.worksheets.map((w) => w.name)).toEqual([...Object.values(sheets), 'สรุป']);
    const values = (name: string) => {
      const rows: unknown[][] = [];
      book.getWorksheet(name)!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      return rows;
    };

    for (const [section, sheetName] of Object.entries(sheets)) {
      const [csvHeader, ...csvRows] = csv.get(section)!;
      const [header, ...body] = values(sheetName);
      const data = body.slice(0, -1);
      const total = body.at(-1)!;
      expect(total[0], section).toBe('รวม');
      expect(data.length, section).toBe(csvRows.length);
      expect(csvRows.length, section).toBeGreaterThan(0);
      // Every money column of the CSV: the sheet's rows, and its total row, add up to the CSV's.
      for (const [i, name] of csvHeader!.entries()) {
        if (!['amount', 'total', 'subtotal', 'line_total', 'vat_7', 'net_excluding_vat', 'shipping', 'discount'].includes(name)) continue;
        const csvSum = csvRows.reduce((n, r) => n + satang(r[i]), 0);
        // The sheet has the date twice, so its columns after a date shift by one.
        const at = i + (csvHeader!.slice(0, i).includes('date') ? 1 : 0);
        expect(data.reduce((n: number, r) => n + satang(r[at] ?? 0), 0), `${section}.${name}`).toBe(csvSum);
        expect(satang(total[at]), `${section}.${name} total`).toBe(csvSum);
      }
      // Thai headers; a date as a Thai reads it (Buddhist era) beside its machine form.
      expect(header!.every((h) => typeof h === 'string' && !/_/.test(h)), section).toBe(true);
      if (csvHeader!.includes('date')) {
        const i = csvHeader!.indexOf('date');
        expect(header![i]).toBe('วันที่');
        expect(header![i + 1]).toBe('วันที่ (ISO)');
        expect(String(data[0]![i])).toMatch(/ 25\d\d/);
        expect(String(data[0]![i + 1])).toBe(csvRows[0]![i]);
        expect(String(data[0]![i + 1])).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      }
    }

    // Headers bold and kept in view, money shown with two decimals (its cells, and the total's).
    const payments = book.getWorksheet('การชำระเงิน')!;
    expect(payments.getRow(1).font?.bold).toBe(true);
    expect(payments.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(payments.getRow(2).getCell(6).numFmt).toBe('#,##0.00');
    expect(payments.getRow(payments.rowCount).getCell(6).numFmt).toBe('#,##0.00');
    expect(payments.getRow(payments.rowCount).font?.bold).toBe(true);

    // The customer's formula is text, never a formula, in the sheet as in the CSV.
    const orderSheet = book.getWorksheet('ออเดอร์')!;
    const cells: ExcelJS.Cell[] = [];
    orderSheet.eachRow((row) => row.eachCell((c) => cells.push(c)));
    expect(cells.some((c) => c.formula !== undefined || c.type === ExcelJS.ValueType.Formula)).toBe(false);
    expect(cells.map((c) => c.value)).toContain(`'=HYPERLINK("http://evil.example","ดูรูป")`);
    // Codes named in Thai: the channel, the method, the status and the kind of document.
    expect(values('ภาษีขาย').map((r) => r[3])).toEqual(expect.arrayContaining(['ใบเสร็จรับเงิน', 'ใบลดหนี้', 'ใบเพิ่มหนี้']));
    expect(values('ออเดอร์').slice(1, -1).every((r) => !/^[a-z_]+$/.test(String(r[11])) && !/^[a-z_]+$/.test(String(r[2])))).toBe(true);

    // The summary: the money figures of money.ts, equal to the CSV's money row.
    const summary = new Map(values('สรุป').map((r) => [r[0], r[1]]));
    const moneyRow = csv.get('money')![0]!;
    expect(satang(summary.get('ยอดขายสุทธิ'))).toBe(satang(moneyRow[moneyRow.indexOf('net_sales') + 1]));
    expect(satang(summary.get('ยอดขายสุทธิ'))).toBeGreaterThan(0);
    expect(satang(summary.get('เงินที่ได้รับ'))).toBe(satang(moneyRow[moneyRow.indexOf('received') + 1]));
    // Payments less refunds in the sheets is that net sales too.
    const sheetSum = (name: string, col: number) => values(name).slice(1, -1).reduce((n: number, r) => n + satang(r[col]), 0);
    expect(sheetSum('การชำระเงิน', 5) + sheetSum('เงินคืน', 6)).toBe(satang(summary.get('ยอดขายสุทธิ')));

    // English readers get English sheets; a packer gets nothing; a bad range is the form again.
    const english = await signIn(t.app, (await makeUser(db(), 'admin', { language: 'en' })).email);
    const en = new ExcelJS.Workbook();
    await en.xlsx.load((await english.get(`/admin/finance/export.xlsx?from=${day}&to=${day}`)).rawPayload as unknown as ArrayBuffer);
    expect(en.worksheets.map((w) => w.name)).toEqual(['Orders', 'Order lines', 'Payments', 'Refunds', 'Credit and debit notes', 'VAT', 'Summary']);
    const packer = await signIn(t.app, (await makeUser(db(), 'packer')).email);
    expect((await packer.get(`/admin/finance/export.xlsx?from=${day}&to=${day}`)).statusCode).toBe(403);
    expect((await owner.get(`/admin/finance/export.xlsx?from=${day}&to=2020-01-01`)).statusCode).toBe(400);
    const form = (await owner.get('/admin/finance/export')).body;
    expect(form).toContain('formaction="/admin/finance/export.xlsx"');
    expect((await db().select().from(orders).where(eq(orders.number, tricky)))[0]!.total).toBe(45_000 + 2 * 18_950 + 4_000);
  });
});
