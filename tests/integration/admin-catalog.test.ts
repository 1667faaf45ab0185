import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, productVariants, products, stockLedger, stockLevels } from '#src/db/schema/index.ts';
import { listCatalogCards } from '#src/modules/catalog/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { lineEnv, sendLine, settle } from '../helpers/chat.ts';
import { makeWarehouse } from '../helpers/factories.ts';
import { alertText, decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { lineTextEvent, lineUserId, startFakeLineApi, type FakeLineApi } from '../fakes/line-api.ts';

let t: TestApp;
let line: FakeLineApi;
let owner: AdminClient;
let staff: AdminClient;
let packer: AdminClient;
let warehouseId: number;
const dataDir = mkdtempSync(path.join(tmpdir(), 'talad-catalog-'));

beforeAll(async () => {
  line = await startFakeLineApi({ unknownProfiles: 'generate' });
  t = await buildTestApp({ ...lineEnv(line), DATA_DIR: dataDir });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff')).email);
  packer = await signIn(t.app, (await makeUser(t.database.db, 'packer')).email);
  warehouseId = (await makeWarehouse(t.database.db, { code: 'BKK' })).id;
});
afterAll(async () => {
  await t?.close();
  await line?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const newProduct = (fields: Record<string, string>) => ({
  nameTh: 'สินค้าทดสอบ',
  nameEn: '',
  descriptionTh: '',
  descriptionEn: '',
  categoryId: '',
  newCategory: '',
  lastsDays: '',
  active: 'on',
  sku: 'TEST-1',
  options: '',
  price: '100',
  compareAtPrice: '',
  cost: '',
  weightGrams: '',
  barcode: '',
  variantActive: 'on',
  warehouseId: String(warehouseId),
  openingQty: '',
  ...fields,
});

async function variantBySku(sku: string) {
  const [v] = await t.database.db.select().from(productVariants).where(sql`lower(${productVariants.sku}) = ${sku.toLowerCase()}`);
  return v;
}

/** A multipart body as a browser sends it; htmx adds the CSRF token as a header. */
function multipart(files: { field: string; filename: string; data: Buffer }[]) {
  const boundary = `----talad${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      f.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

function upload(client: AdminClient, url: string, files: { field: string; filename: string; data: Buffer }[], opts: { csrf?: boolean; htmx?: boolean } = {}) {
  const body = multipart(files);
  return t.app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: client.cookie,
      'content-type': body.type,
      ...(opts.csrf === false ? {} : { 'x-csrf-token': client.csrf }),
      ...(opts.htmx ? { 'hx-request': 'true' } : {}),
    },
    payload: body.payload,
  });
}

describe('who may use the catalog', () => {
  it('lets staff in and keeps packers out of the product pages', async () => {
    expect((await staff.get('/admin/products')).statusCode).toBe(200);
    expect((await staff.get('/admin/products/new')).statusCode).toBe(200);
    for (const url of ['/admin/products', '/admin/products/new', '/admin/products/categories', '/admin/products/import', '/admin/products/export.csv']) {
      expect((await packer.get(url)).statusCode).toBe(403);
    }
    const refused = await packer.post('/admin/products', newProduct({ sku: 'PACKER-1' }));
    expect(refused.statusCode).toBe(403);
    expect(await variantBySku('PACKER-1')).toBeUndefined();
  });

  it('refuses a form without the CSRF token and writes nothing', async () => {
    const res = await owner.post('/admin/products', newProduct({ sku: 'NOCSRF-1' }), { csrf: false });
    expect(res.statusCode).toBe(403);
    expect(await variantBySku('NOCSRF-1')).toBeUndefined();
  });
});

describe('products and variants', () => {
  let productId: number;

  it('creates a product with its first variant, a new category and opening stock received with a ledger row', async () => {
    const res = await staff.post(
      '/admin/products',
      newProduct({ nameTh: 'เสื้อยืด', nameEn: 'T-shirt', newCategory: 'เสื้อผ้า', sku: 'SHIRT-L', options: 'size=L', price: '1,250.50', compareAtPrice: '1500', cost: '600.25', weightGrams: '220', barcode: '885000000001', openingQty: '12', lastsDays: '' }),
    );
    expect(res.statusCode).toBe(303);
    productId = Number(/\/admin\/products\/(\d+)\?done=catalogCreated/.exec(res.headers.location as string)?.[1]);
    const [product] = await t.database.db.select().from(products).where(eq(products.id, productId));
    expect(product).toMatchObject({ nameTh: 'เสื้อยืด', nameEn: 'T-shirt', active: true });
    expect(product!.categoryId).not.toBeNull();
    const variant = await variantBySku('SHIRT-L');
    expect(variant).toMatchObject({ productId, options: { size: 'L' }, price: 125_050, compareAtPrice: 150_000, cost: 60_025, weightGrams: 220, barcode: '885000000001', active: true });
    const [level] = await t.database.db.select().from(stockLevels).where(and(eq(stockLevels.variantId, variant!.id), eq(stockLevels.warehouseId, warehouseId)));
    expect(level).toMatchObject({ onHand: 12, reserved: 0 });
    const ledger = await t.database.db.select().from(stockLedger).where(eq(stockLedger.variantId, variant!.id));
    expect(ledger).toEqual([expect.objectContaining({ reason: 'receive', onHandDelta: 12, refType: 'product', refId: String(productId) })]);
    const audit = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.target, `product:${productId}`));
    expect(audit.map((a) => a.action)).toContain('product.create');

    const page = await staff.get(`/admin/products/${productId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-variant="SHIRT-L"');
    expect(decodeEntities(page.body)).toContain('1,250.50');
  });

  it('shows a clear error for a SKU already used, whatever its case, and keeps what was typed', async () => {
    const res = await staff.post('/admin/products', newProduct({ nameTh: 'เสื้อซ้ำ', sku: 'shirt-l' }));
    expect(res.statusCode).toBe(400);
    expect(decodeEntities(res.body)).toContain('SKU SHIRT-L is already used by another variant.');
    expect(res.body).toContain('value="เสื้อซ้ำ"');
    const [count] = await t.database.db.select({ n: sql<number>`count(*)::int` }).from(products).where(eq(products.nameTh, 'เสื้อซ้ำ'));
    expect(count!.n).toBe(0);
  });

  it('refuses money with more than two decimals and an option without a value', async () => {
    const res = await staff.post('/admin/products', newProduct({ sku: 'BAD-MONEY', price: '10.505', options: 'size' }));
    expect(res.statusCode).toBe(400);
    const body = decodeEntities(res.body);
    expect(body).toContain('Please enter an amount in baht');
    expect(body).toContain('Write options as name=value pairs');
    expect(await variantBySku('BAD-MONEY')).toBeUndefined();
  });

  it('adds a variant (options required once there are several), edits it and deactivates it', async () => {
    const noOptions = await staff.post(`/admin/products/${productId}/variants`, { sku: 'SHIRT-X', options: '', price: '100', active: 'on' });
    expect(noOptions.statusCode).toBe(400);
    expect(decodeEntities(noOptions.body)).toContain('needs option values on every variant');
    expect(await variantBySku('SHIRT-X')).toBeUndefined();

    const dup = await staff.post(`/admin/products/${productId}/variants`, { sku: 'Shirt-L', options: 'size=XL', price: '100', active: 'on' });
    expect(dup.statusCode).toBe(400);
    expect(decodeEntities(dup.body)).toContain('is already used by another variant');

    const added = await staff.post(`/admin/products/${productId}/variants`, { sku: 'SHIRT-M', options: 'size=M; colour=แดง', price: '1190', active: 'on' });
    expect(added.statusCode).toBe(303);
    const m = await variantBySku('SHIRT-M');
    expect(m).toMatchObject({ productId, options: { size: 'M', colour: 'แดง' }, price: 119_000 });

    const edit = await staff.get(`/admin/products/${productId}/variants/${m!.id}`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toContain('value="1190.00"');
    const saved = await staff.post(`/admin/products/${productId}/variants/${m!.id}`, { sku: 'SHIRT-M', options: 'size=M; colour=แดง', price: '1099.5', weightGrams: '180', active: 'on' });
    expect(saved.statusCode).toBe(303);
    expect(await variantBySku('SHIRT-M')).toMatchObject({ price: 109_950, weightGrams: 180 });

    const off = await staff.post(`/admin/products/${productId}/variants/${m!.id}/active`, { active: 'false' });
    expect(off.statusCode).toBe(303);
    expect((await variantBySku('SHIRT-M'))!.active).toBe(false);
    expect((await listCatalogCards(t.database.db)).map((c) => c.sku)).not.toContain('SHIRT-M');
  });

  it('edits the product and finds it by name, SKU and barcode in the list', async () => {
    const res = await staff.post(`/admin/products/${productId}`, { nameTh: 'เสื้อยืดคอกลม', nameEn: 'Crew T-shirt', descriptionTh: 'ผ้าฝ้าย', descriptionEn: '', categoryId: '', newCategory: '', lastsDays: '90', active: 'on' });
    expect(res.statusCode).toBe(303);
    const [product] = await t.database.db.select().from(products).where(eq(products.id, productId));
    expect(product).toMatchObject({ nameTh: 'เสื้อยืดคอกลม', descriptionTh: 'ผ้าฝ้าย', lastsDays: 90, categoryId: null });
    for (const q of ['คอกลม', 'shirt-l', '885000000001']) {
      const list = await staff.get(`/admin/products?q=${encodeURIComponent(q)}`);
      expect(list.body).toContain(`data-product="${productId}"`);
    }
    const none = await staff.get(`/admin/products?q=${encodeURIComponent('ไม่มีสินค้านี้')}`);
    expect(none.body).not.toContain(`data-product="${productId}"`);
    const offSale = await staff.get('/admin/products?active=no');
    expect(offSale.body).not.toContain(`data-product="${productId}"`);
  });
});

describe('product photos', () => {
  let productId: number;

  beforeAll(async () => {
    const res = await staff.post('/admin/products', newProduct({ nameTh: 'แก้วกาแฟ', sku: 'MUG-1' }));
    productId = Number(/\/admin\/products\/(\d+)/.exec(res.headers.location as string)?.[1]);
  });

  const png = (w: number, h: number, colour = { r: 200, g: 30, b: 30 }) =>
    sharp({ create: { width: w, height: h, channels: 3, background: colour } }).png().toBuffer();

  it('stores a real PNG resized as WebP with a thumbnail, lists it and serves it publicly with long caching', async () => {
    const res = await upload(staff, `/admin/products/${productId}/images`, [{ field: 'images', filename: 'mug.png', data: await png(2400, 1600) }], { htmx: true });
    expect(res.statusCode).toBe(204);
    expect(res.headers['hx-redirect']).toBe(`/admin/products/${productId}?done=catalogImages#images`);
    const [product] = await t.database.db.select().from(products).where(eq(products.id, productId));
    expect(product!.images).toHaveLength(1);
    const file = product!.images[0]!;
    expect(file).toMatch(/^[0-9a-f]{16}\.webp$/);
    expect(existsSync(path.join(dataDir, 'media', 'products', String(productId), file))).toBe(true);

    const served = await t.app.inject({ method: 'GET', url: `/media/products/${productId}/${file}` });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/webp');
    expect(served.headers['cache-control']).toContain('max-age=31536000');
    const meta = await sharp(served.rawPayload).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 1200, height: 800 });
    const thumb = await t.app.inject({ method: 'GET', url: `/media/products/${productId}/${file.replace('.webp', '-thumb.webp')}` });
    expect((await sharp(thumb.rawPayload).metadata()).width).toBe(300);

    // Chat gets the public address of the first photo.
    const card = (await listCatalogCards(t.database.db)).find((c) => c.sku === 'MUG-1');
    expect(card!.images[0]).toBe(`/media/products/${productId}/${file}`);
  });

  it('refuses a text file renamed .png and an image over 8000 px a side, with a clear message', async () => {
    const text = await upload(staff, `/admin/products/${productId}/images`, [{ field: 'images', filename: 'notes.png', data: Buffer.from('just some text, not a picture') }]);
    expect(text.statusCode).toBe(400);
    expect(decodeEntities(text.body)).toContain('“notes.png” is not a JPEG, PNG or WebP image.');
    const wide = await upload(staff, `/admin/products/${productId}/images`, [{ field: 'images', filename: 'banner.png', data: await png(8001, 10) }]);
    expect(wide.statusCode).toBe(400);
    expect(decodeEntities(wide.body)).toContain('“banner.png” is too large (8001×10)');
    const [product] = await t.database.db.select().from(products).where(eq(products.id, productId));
    expect(product!.images).toHaveLength(1);
  });

  it('moves a photo up and deletes one, removing its files', async () => {
    await upload(staff, `/admin/products/${productId}/images`, [{ field: 'images', filename: 'blue.jpg', data: await sharp({ create: { width: 400, height: 400, channels: 3, background: { r: 0, g: 0, b: 255 } } }).jpeg().toBuffer() }]);
    let [product] = await t.database.db.select().from(products).where(eq(products.id, productId));
    const [first, second] = product!.images;
    expect(second).toBeDefined();
    expect((await staff.post(`/admin/products/${productId}/images/${second}/up`)).statusCode).toBe(303);
    [product] = await t.database.db.select().from(products).where(eq(products.id, productId));
    expect(product!.images).toEqual([second, first]);
    expect((await staff.post(`/admin/products/${productId}/images/${first}/delete`)).statusCode).toBe(303);
    [product] = await t.database.db.select().from(products).where(eq(products.id, productId));
    expect(product!.images).toEqual([second]);
    expect(existsSync(path.join(dataDir, 'media', 'products', String(productId), first!))).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: `/media/products/${productId}/${first}` })).statusCode).toBe(404);
  });

  it('serves nothing outside the media folder', async () => {
    for (const url of [
      `/media/products/${productId}/..%2F..%2F..%2Fsecret.webp`,
      `/media/products/${productId}/../../secret`,
      '/media/products/0/0123456789abcdef.webp',
      `/media/products/${productId}/0123456789ABCDEF.webp`,
      `/media/products/${productId}/x.png`,
    ]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(404);
    }
  });

  it('refuses an upload without the CSRF token', async () => {
    const res = await upload(staff, `/admin/products/${productId}/images`, [{ field: 'images', filename: 'mug.png', data: await png(10, 10) }], { csrf: false });
    expect(res.statusCode).toBe(403);
  });
});

describe('what chat sells', () => {
  it('lets a LINE customer order a product created through the back-office form right away', async () => {
    const created = await staff.post('/admin/products', newProduct({ nameTh: 'ชาเขียวมัทฉะ', nameEn: 'Matcha green tea', sku: 'MATCHA-01', price: '250', openingQty: '5' }));
    expect(created.statusCode).toBe(303);
    const userId = lineUserId('matcha-buyer');
    line.setProfile(userId, { displayName: 'น้องชา', language: 'th' });
    const before = line.sentTexts(userId).length;
    expect((await sendLine(t.app, line.channelSecret, [lineTextEvent({ userId, text: 'MATCHA-01 2' })])).statusCode).toBe(200);
    await settle(t.app);
    const reply = line.sentTexts(userId).slice(before).join('\n');
    expect(reply).toContain('ชาเขียวมัทฉะ x2');
  });
});

describe('pages answer', () => {
  it('shows the categories page and the new product form with the warehouse', async () => {
    const cats = await staff.post('/admin/products/categories', { nameTh: 'เครื่องดื่ม', nameEn: 'Drinks', sortOrder: '2' });
    expect(cats.statusCode).toBe(303);
    const page = await staff.get('/admin/products/categories');
    expect(page.body).toContain('value="เครื่องดื่ม"');
    const form = await staff.get('/admin/products/new');
    expect(form.body).toContain('BKK');
    expect(alertText((await staff.get('/admin/products/999999')).body)).toBeUndefined();
    expect((await staff.get('/admin/products/999999')).statusCode).toBe(404);
  });
});
