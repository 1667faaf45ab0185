import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findWarehouseByCode } from '#src/modules/inventory/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { makeProduct } from '../helpers/factories.ts';

let t: TestApp;
let staff: AdminClient;
let main: string;
beforeAll(async () => {
  t = await buildTestApp();
  staff = await signIn(t.app, (await makeUser(t.database.db, 'staff', { language: 'th' })).email);
  await makeProduct(t.database.db, { sku: 'COF-250', nameTh: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee, medium roast', price: 32_000, stock: { MAIN: 10 } });
  await makeProduct(t.database.db, { sku: 'COF-500', nameTh: 'กาแฟดอยช้าง คั่วเข้ม 500 กรัม', nameEn: 'Doi Chang coffee, dark roast', price: 55_000, stock: { MAIN: 5 } });
  await makeProduct(t.database.db, { sku: 'TEA-THAI', nameTh: 'ชาไทยตรามือ', nameEn: 'Thai tea mix', price: 14_500, stock: { MAIN: 3 } });
  main = String((await findWarehouseByCode(t.database.db, 'MAIN'))!.id);
});
afterAll(() => t?.close());

const onHand = async (sku: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/stock?sku=${sku}`, headers: { authorization: `Bearer ${t.config.apiToken}` } });
  return (res.json().items as { warehouse: string; onHand: number }[]).find((r) => r.warehouse === 'MAIN')!.onHand;
};

describe('stock operations find a product by name', () => {
  it('receives by a Thai name, an English name and a part only one product has', async () => {
    expect((await staff.post('/admin/stock/receive', { code: 'ชาไทยตรามือ', warehouse: main, qty: '4', note: '' })).statusCode).toBe(303);
    expect(await onHand('TEA-THAI')).toBe(7);
    expect((await staff.post('/admin/stock/receive', { code: 'thai tea', warehouse: main, qty: '1', note: '' })).statusCode).toBe(303);
    expect(await onHand('TEA-THAI')).toBe(8);
    expect((await staff.post('/admin/stock/damage', { code: 'คั่วเข้ม', warehouse: main, qty: '1', note: 'ถุงขาด' })).statusCode).toBe(303);
    expect(await onHand('COF-500')).toBe(4);
    // SKU and barcode still work as before.
    expect((await staff.post('/admin/stock/receive', { code: 'cof-250', warehouse: main, qty: '2', note: '' })).statusCode).toBe(303);
    expect(await onHand('COF-250')).toBe(12);
  });

  it('names the products when a name fits several, and changes nothing', async () => {
    const res = await staff.post('/admin/stock/receive', { code: 'กาแฟดอยช้าง', warehouse: main, qty: '3', note: '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('มีสินค้าหลายรายการตรงกับ');
    expect(res.body).toContain('COF-250');
    expect(res.body).toContain('COF-500');
    expect(await onHand('COF-250')).toBe(12);
    const none = await staff.post('/admin/stock/receive', { code: 'น้ำปลา', warehouse: main, qty: '3', note: '' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('ไม่พบสินค้าที่มี SKU บาร์โค้ด หรือชื่อ');
  });
});
