import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let owner: AdminClient;
beforeAll(async () => {
  t = await buildTestApp();
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
});
afterAll(() => t?.close());

const api = (key: string, url = '/api/v1/products') => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
const keyOn = (html: string) => /data-key>(tl_[\w-]+)</.exec(html)?.[1];

describe('API keys in the back office', () => {
  it('makes a named key shown once, which works on the API until it is revoked; all audited', async () => {
    const page = await owner.get('/admin/api-keys');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('ยังไม่มีคีย์ API');

    const made = await owner.post('/admin/api-keys', { name: 'เว็บไซต์ร้าน' });
    expect(made.statusCode).toBe(201);
    expect(made.headers['cache-control']).toBe('no-store');
    const key = keyOn(made.body)!;
    expect(key).toMatch(/^tl_/);
    expect((await api(key)).statusCode).toBe(200);

    // Listed by name, never shown again.
    const list = await owner.get('/admin/api-keys');
    expect(list.body).toContain('เว็บไซต์ร้าน');
    expect(list.body).not.toContain(key);
    const id = /data-key-id="(\d+)"/.exec(list.body)![1]!;

    expect((await owner.post(`/admin/api-keys/${id}/revoke`)).statusCode).toBe(303);
    expect((await api(key)).statusCode).toBe(401);
    expect((await owner.get('/admin/api-keys')).body).toContain('ยกเลิกเมื่อ');
    // Revoked once: again is "no such key".
    expect((await owner.post(`/admin/api-keys/${id}/revoke`)).statusCode).toBe(404);

    const audit = (await t.database.db.execute<{ action: string }>(sql`select action from admin_audit_log where action like 'apikey.%' order by id`)).rows.map((r) => r.action);
    expect(audit).toEqual(['apikey.create', 'apikey.revoke']);
  });

  it("acts with its person's role; an admin sees and revokes only their own keys; staff and packers have no keys screen", async () => {
    const admin = await signIn(t.app, (await makeUser(t.database.db, 'admin', { language: 'th' })).email);
    const adminKey = keyOn((await admin.post('/admin/api-keys', { name: 'โปรแกรมบัญชี' })).body)!;
    expect((await api(adminKey, '/api/v1/orders')).statusCode).toBe(200);

    const ownerKey = keyOn((await owner.post('/admin/api-keys', { name: 'ระบบคลังสินค้า' })).body)!;
    const ownerKeyId = /data-key-id="(\d+)"[\s\S]*?ระบบคลังสินค้า/.exec((await owner.get('/admin/api-keys')).body)![1]!;
    const adminPage = await admin.get('/admin/api-keys');
    expect(adminPage.body).toContain('โปรแกรมบัญชี');
    expect(adminPage.body).not.toContain('ระบบคลังสินค้า');
    expect((await admin.post(`/admin/api-keys/${ownerKeyId}/revoke`)).statusCode).toBe(404);
    expect((await api(ownerKey)).statusCode).toBe(200);
    // The owner sees everyone's.
    expect((await owner.get('/admin/api-keys')).body).toContain('โปรแกรมบัญชี');

    for (const role of ['staff', 'packer'] as const) {
      const someone = await signIn(t.app, (await makeUser(t.database.db, role)).email);
      expect((await someone.get('/admin/api-keys')).statusCode).toBe(403);
      expect((await someone.post('/admin/api-keys', { name: 'x' })).statusCode).toBe(403);
    }
    // CSRF on the forms.
    expect((await owner.post('/admin/api-keys', { name: 'ไม่มีโทเคน' }, { csrf: false })).statusCode).toBe(403);
    // A name is needed.
    expect((await owner.post('/admin/api-keys', { name: '  ' })).statusCode).toBe(400);
  });
});
