import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories, importRows, importRuns, productVariants, products } from '#src/db/schema/index.ts';
import { importsIdle } from '#src/modules/imports/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const excelCsv = readFileSync(path.join(fixtures, 'products-excel.csv'));
const badCsv = readFileSync(path.join(fixtures, 'products-bad.csv'));

let t: TestApp;
let staff: AdminClient;
let packer: AdminClient;

beforeAll(async () => {
  t = await buildTestApp();
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
});
afterAll(() => t?.close());

function uploadCsv(client: AdminClient, data: Buffer, filename = 'products.csv', csrf = true) {
  const boundary = `----talad${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return t.app.inject({
    method: 'POST',
    url: '/admin/products/import',
    headers: { cookie: client.cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'hx-request': 'true', ...(csrf ? { 'x-csrf-token': client.csrf } : {}) },
    payload,
  });
}

/** Uploads a file and returns its run id (the preview page's address). */
async function preview(data: Buffer, filename?: string): Promise<number> {
  const res = await uploadCsv(staff, data, filename);
  expect(res.statusCode, res.body.slice(0, 500)).toBe(204);
  const id = Number(/\/admin\/products\/import\/(\d+)$/.exec(res.headers['hx-redirect'] as string)?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

const count = (html: string, kind: string) => Number(new RegExp(`data-count="${kind}"><span class="stat-label">[^<]*</span><span class="stat-value">(\\d+)<`).exec(html)?.[1]);

async function applyAndWait(id: number) {
  const res = await staff.post(`/admin/products/import/${id}/apply`);
  expect(res.statusCode).toBe(303);
  await importsIdle();
  const [run] = await t.database.db.select().from(importRuns).where(eq(importRuns.id, id));
  return run!;
}

const productCount = async () => (await t.database.db.select({ n: sql<number>`count(*)::int` }).from(productVariants))[0]!.n;

describe('a file with bad rows', () => {
  it('lists every bad row with its line number and reason, keeps Apply disabled, refuses to apply and imports nothing', async () => {
    const before = await productCount();
    const id = await preview(badCsv, 'bad.csv');
    const page = await staff.get(`/admin/products/import/${id}`);
    expect(page.statusCode).toBe(200);
    const body = decodeEntities(page.body);
    const errorRow = (line: number) =>
      [...body.matchAll(new RegExp(`data-error-line="${line}">([\\s\\S]*?)</tr>`, 'g'))]
        .map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '))
        .join(' | ');
    expect(errorRow(3)).toContain('sku');
    expect(errorRow(3)).toContain('is empty; it is required');
    expect(errorRow(4)).toContain('“สิบบาท” is not an amount in baht');
    expect(errorRow(5)).toContain('should be name=value pairs');
    expect(errorRow(6)).toContain('repeats a SKU already on an earlier line');
    expect(errorRow(7)).toContain('should be true or false');
    expect(errorRow(7)).toContain('is not a whole number');
    expect(errorRow(8)).toContain('has a different number of columns than the header');
    expect(errorRow(2)).toBe('');
    expect(body).toMatch(/<button type="submit" class="button primary" disabled/);

    const refused = await staff.post(`/admin/products/import/${id}/apply`);
    expect(refused.statusCode).toBe(409);
    expect(decodeEntities(refused.body)).toContain('The file has rows with errors; nothing was imported.');
    await importsIdle();
    expect(await productCount()).toBe(before);
    const [run] = await t.database.db.select().from(importRuns).where(eq(importRuns.id, id));
    expect(run!.status).toBe('preview');
  });

  it('shows the same reasons in Thai to a Thai-speaking user', async () => {
    const thai = await signIn(t.app, (await makeUser(t.database.db, 'staff', { language: 'th' })).email);
    const res = await uploadCsv(thai, badCsv);
    const page = await thai.get(res.headers['hx-redirect'] as string);
    expect(decodeEntities(page.body)).toContain('ไม่ใช่จำนวนเงินบาท');
  });

  it('refuses a file that is not UTF-8 with a clear message', async () => {
    const latin = Buffer.from('sku,product_name_th,price\nA-1,caf\xe9,10\n', 'latin1');
    const res = await uploadCsv(staff, latin);
    expect(res.statusCode).toBe(200);
    expect(decodeEntities(res.body)).toContain('The file is not UTF-8 text.');
  });

  it('refuses a file lacking required columns', async () => {
    const res = await uploadCsv(staff, Buffer.from('sku,name\nA,B\n'));
    expect(decodeEntities(res.body)).toContain('The header lacks the columns: product_name_th, price.');
  });
});

describe('an Excel-made file', () => {
  let firstRun: number;

  it('previews what will be created without changing the catalog', async () => {
    const before = await productCount();
    firstRun = await preview(excelCsv, 'สินค้า.csv');
    const page = await staff.get(`/admin/products/import/${firstRun}`);
    expect(count(page.body, 'created')).toBe(4);
    expect(count(page.body, 'error')).toBe(0);
    expect(page.body).toContain('data-plan="create"');
    expect(await productCount()).toBe(before);
  });

  it('imports exactly: Thai names, quoted commas and line breaks, money in satang, variants under one product', async () => {
    const run = await applyAndWait(firstRun);
    expect(run).toMatchObject({ status: 'done', processedRows: 4, totalRows: 4 });
    expect(run.summary).toMatchObject({ created: 4 });
    const rows = await t.database.db.select().from(importRows).where(eq(importRows.runId, firstRun)).orderBy(asc(importRows.line));
    expect(rows.map((r) => [r.line, r.status, r.ref])).toEqual([
      [2, 'created', 'TEE-RED-L'],
      [3, 'created', 'TEE-RED-M'],
      [4, 'created', 'COF-DOI-250'],
      [6, 'created', 'SOAP-01'],
    ]);

    const variants = await t.database.db
      .select({ sku: productVariants.sku, v: productVariants, p: products, category: categories.nameTh })
      .from(productVariants)
      .innerJoin(products, eq(products.id, productVariants.productId))
      .leftJoin(categories, eq(categories.id, products.categoryId))
      .orderBy(asc(productVariants.id));
    const bySku = new Map(variants.map((r) => [r.sku, r]));
    const tee = bySku.get('TEE-RED-L')!;
    expect(tee.p).toMatchObject({ nameTh: 'เสื้อยืดคอกลม', nameEn: 'Crew-neck T-shirt, cotton', descriptionTh: 'ผ้าฝ้าย 100%, ใส่สบาย' });
    expect(tee.category).toBe('เสื้อผ้า');
    expect(tee.v).toMatchObject({ options: { size: 'L', colour: 'red' }, price: 125_050, compareAtPrice: 150_000, cost: 60_000, weightGrams: 220, barcode: '8851234567890', active: true });
    expect(bySku.get('TEE-RED-M')!.p.id).toBe(tee.p.id);
    const coffee = bySku.get('COF-DOI-250')!;
    expect(coffee.p).toMatchObject({ nameTh: 'กาแฟดอยช้าง "คั่วกลาง" 250 กรัม', descriptionTh: 'เมล็ดกาแฟอาราบิก้า\nคั่วสดทุกสัปดาห์', lastsDays: 30 });
    expect(coffee.v).toMatchObject({ price: 32_000, compareAtPrice: null, barcode: null });
    expect(bySku.get('SOAP-01')!.v.active).toBe(false);

    const progress = await staff.get(`/admin/products/import/${firstRun}/progress`);
    expect(progress.statusCode).toBe(200);
    expect(progress.body).toContain('data-status="done"');
    expect(progress.body).not.toContain('hx-trigger="every 1s"');
    expect(progress.body).toContain('data-result="created"');
  });

  it('reports every row unchanged when the same file is imported again', async () => {
    const id = await preview(excelCsv);
    const page = await staff.get(`/admin/products/import/${id}`);
    expect(count(page.body, 'unchanged')).toBe(4);
    expect(count(page.body, 'created')).toBe(0);
    const run = await applyAndWait(id);
    expect(run.summary).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
  });

  it('reads the same file saved by Excel as UTF-16LE', async () => {
    const text = excelCsv.toString('utf8').replace(/^\uFEFF/, '').replace('1250.50,1500', '1300,1500');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const id = await preview(utf16);
    const page = await staff.get(`/admin/products/import/${id}`);
    expect(count(page.body, 'updated')).toBe(1);
    expect(count(page.body, 'unchanged')).toBe(3);
    await applyAndWait(id);
    const [m] = await t.database.db.select().from(productVariants).where(eq(productVariants.sku, 'TEE-RED-M'));
    expect(m!.price).toBe(130_000);
  });
});

describe('a large file', () => {
  it('is applied in batches of 200, every row recorded, progress counted to the end', async () => {
    const lines = ['sku,product_name_th,options,price'];
    for (let i = 1; i <= 450; i++) lines.push(`BULK-${String(i).padStart(4, '0')},ถุงผ้าลายไทย,ลาย=${i},${(i % 90) + 10}.25`);
    const id = await preview(Buffer.from(lines.join('\r\n'), 'utf8'));
    const run = await applyAndWait(id);
    expect(run).toMatchObject({ status: 'done', processedRows: 450, totalRows: 450 });
    expect(run.summary).toMatchObject({ created: 450 });
    const recorded = await t.database.db.select({ n: sql<number>`count(*)::int` }).from(importRows).where(eq(importRows.runId, id));
    expect(recorded[0]!.n).toBe(450);
    const made = await t.database.db
      .select({ n: sql<number>`count(distinct ${productVariants.productId})::int`, v: sql<number>`count(*)::int` })
      .from(productVariants)
      .where(sql`${productVariants.sku} like 'BULK-%'`);
    expect(made[0]).toEqual({ n: 1, v: 450 });
  });

  it('wants options on rows that make several variants of one product, and can be discarded', async () => {
    const id = await preview(Buffer.from('sku,product_name_th,options,price\nDUO-1,สินค้าคู่,,10\nDUO-2,สินค้าคู่,,12\n', 'utf8'));
    const page = await staff.get(`/admin/products/import/${id}`);
    expect(page.body).toContain('data-error-line="2"');
    expect(page.body).toContain('data-error-line="3"');
    expect(decodeEntities(page.body)).toContain('each needs options');
    const discarded = await staff.post(`/admin/products/import/${id}/discard`);
    expect(discarded.statusCode).toBe(303);
    const [run] = await t.database.db.select().from(importRuns).where(eq(importRuns.id, id));
    expect(run!.status).toBe('discarded');
    expect((await staff.post(`/admin/products/import/${id}/apply`)).statusCode).toBe(303);
    await importsIdle();
    const duo = await t.database.db.select().from(productVariants).where(sql`${productVariants.sku} like 'DUO-%'`);
    expect(duo).toHaveLength(0);
  });
});

describe('export', () => {
  it('writes every variant as UTF-8 CSV with a BOM, and importing it back changes nothing', async () => {
    const res = await staff.get('/admin/products/export.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="products-\d{4}-\d{2}-\d{2}\.csv"/);
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain('sku,product_name_th,product_name_en,description_th,description_en,category,options,price,compare_at_price,cost,weight_grams,barcode,active,lasts_days\r\n');
    expect(text).toContain('TEE-RED-L,เสื้อยืดคอกลม,"Crew-neck T-shirt, cotton"');
    expect(text).toContain('size=L; colour=red,1250.50,1500.00,600.00,220,8851234567890,true,');

    const id = await preview(bytes, 'export.csv');
    const page = await staff.get(`/admin/products/import/${id}`);
    const total = await productCount();
    expect(count(page.body, 'unchanged')).toBe(total);
    expect(count(page.body, 'created') + count(page.body, 'updated') + count(page.body, 'error')).toBe(0);
  });

  it('keeps packers out of imports and exports, and refuses an upload without the CSRF token', async () => {
    expect((await packer.get('/admin/products/export.csv')).statusCode).toBe(403);
    expect((await uploadCsv(packer, excelCsv)).statusCode).toBe(403);
    const before = (await t.database.db.select({ n: sql<number>`count(*)::int` }).from(importRuns))[0]!.n;
    expect((await uploadCsv(staff, excelCsv, 'x.csv', false)).statusCode).toBe(403);
    const after = (await t.database.db.select({ n: sql<number>`count(*)::int` }).from(importRuns))[0]!.n;
    expect(after).toBe(before);
  });
});
