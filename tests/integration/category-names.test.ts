import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let thai: AdminClient;
let english: AdminClient;
beforeAll(async () => {
  t = await buildTestApp();
  thai = await signIn(t.app, (await makeUser(t.database.db, 'owner', { language: 'th' })).email);
  english = await signIn(t.app, (await makeUser(t.database.db, 'admin', { language: 'en' })).email);
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/products',
    headers: { authorization: `Bearer ${t.config.apiToken}` },
    payload: { sku: 'DRK-TEA', name: 'ชาเขียวมัทฉะ', nameEn: 'Matcha green tea', category: 'เครื่องดื่ม', price: { amount: 9_500 }, stock: { onHand: 30 } },
  });
  expect(created.statusCode).toBe(201);
  const [cat] = (await t.database.db.execute<{ id: number }>(sql`select id from categories where name_th = 'เครื่องดื่ม'`)).rows;
  expect((await thai.post(`/admin/products/categories/${cat!.id}`, { nameTh: 'เครื่องดื่ม', nameEn: 'Drinks', sortOrder: '1' })).statusCode).toBe(303);
  await makeApiOrder(t.app, 'DRK-TEA', { status: 'paid', qty: 2 });
});
afterAll(() => t?.close());

const cell = (html: string) => /data-label="(?:Category|หมวดหมู่)">([^<]*)</.exec(html)?.[1];

describe('categories in the reader’s language', () => {
  it('shows the Thai name to Thai readers and the English name to English readers, in the product list and reports', async () => {
    const th = await thai.get('/admin/products');
    const en = await english.get('/admin/products');
    expect(cell(th.body)).toBe('เครื่องดื่ม');
    expect(cell(en.body)).toBe('Drinks');
    const reportEn = await english.get('/admin/reports?preset=30d');
    expect(reportEn.body).toContain('Drinks');
    expect(reportEn.body).not.toContain('เครื่องดื่ม');
    expect((await thai.get('/admin/reports?preset=30d')).body).toContain('เครื่องดื่ม');
  });
});
