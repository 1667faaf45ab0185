import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditLog, users } from '#src/db/schema/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { alertText, attemptLogin, decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let owner: AdminClient;
let ownerId: number;

beforeAll(async () => {
  t = await buildTestApp();
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
  ownerId = (await t.database.db.select().from(users).where(eq(users.email, 'owner@example.com')))[0]!.id;
});
afterAll(() => t?.close());

const newUser = (fields: Record<string, string>) =>
  owner.post('/admin/users', { name: 'ป้าแดง', email: 'daeng@example.com', role: 'packer', language: 'th', password: 'packing all day', ...fields });

describe('staff accounts', () => {
  it('are created by the owner with a role, and can then sign in with exactly that role', async () => {
    const res = await newUser({});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/users\/\d+\?done=userCreated$/);
    const daeng = await signIn(t.app, 'daeng@example.com', 'packing all day');
    expect((await daeng.get('/admin/orders')).statusCode).toBe(200);
    expect((await daeng.get('/admin/finance')).statusCode).toBe(403);
    const list = await owner.get('/admin/users');
    expect(list.body).toContain('daeng@example.com');
    const [audit] = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.action, 'user.create'));
    expect(audit).toMatchObject({ actor: 'owner@example.com', details: { email: 'daeng@example.com', role: 'packer' } });
  });

  it('show form errors in the owner\'s language and keep what was typed, except the password', async () => {
    const res = await newUser({ email: 'not an email', password: 'short', name: '' });
    expect(res.statusCode).toBe(400);
    // The owner was created with the shop's language, Thai.
    expect(res.body).toContain('กรุณากรอกอีเมล เช่น name@example.com');
    expect(res.body).toContain('สั้นเกินไป (อย่างน้อย 12 ตัวอักษร)');
    expect(res.body).toContain('กรุณากรอกช่องนี้');
    expect(res.body).toContain('value="not an email"');
    expect(res.body).not.toContain('value="short"');
    const taken = await newUser({ email: 'DAENG@example.com' });
    expect(taken.statusCode).toBe(400);
    expect(taken.body).toContain('อีเมลนี้มีบัญชีอื่นใช้อยู่แล้ว');
  });

  it('have their role changed by the owner, effective at once', async () => {
    const user = await makeUser(t.database.db, 'packer');
    const client = await signIn(t.app, user.email);
    expect((await client.get('/admin/finance')).statusCode).toBe(403);
    const res = await owner.post(`/admin/users/${user.id}/role`, { role: 'admin' });
    expect(res.statusCode).toBe(303);
    expect((await client.get('/admin/finance')).statusCode).toBe(200);
    const bad = await owner.post(`/admin/users/${user.id}/role`, { role: 'emperor' });
    expect(bad.statusCode).toBe(400);
  });

  it('get a password reset: typed, or generated and shown once; their sessions end', async () => {
    const user = await makeUser(t.database.db, 'staff');
    const client = await signIn(t.app, user.email);
    const typed = await owner.post(`/admin/users/${user.id}/password`, { password: 'a typed new password' });
    expect(typed.statusCode).toBe(303);
    expect((await client.get('/admin')).statusCode).toBe(302);
    expect((await attemptLogin(t.app, user.email, 'a typed new password', { ip: '10.20.0.1' })).statusCode).toBe(303);

    const generated = await owner.post(`/admin/users/${user.id}/password`, { password: '' });
    expect(generated.statusCode).toBe(200);
    const password = /: ([A-Za-z0-9]{16}) —/.exec(decodeEntities(alertText(generated.body) ?? ''))?.[1];
    expect(password).toBeDefined();
    expect((await attemptLogin(t.app, user.email, password!, { ip: '10.20.0.2' })).statusCode).toBe(303);
    const [audit] = await t.database.db
      .select()
      .from(adminAuditLog)
      .where(eq(adminAuditLog.action, 'user.password_reset'))
      .orderBy(adminAuditLog.id);
    // The audit says that a password was reset, never what it is.
    expect(JSON.stringify(audit)).not.toContain('a typed new password');
  });

  it('cannot be changed or switched off by the owner on their own account', async () => {
    for (const action of ['role', 'password', 'deactivate']) {
      const res = await owner.post(`/admin/users/${ownerId}/${action}`, { role: 'packer', password: 'another password' });
      expect(res.statusCode, action).toBe(403);
    }
    expect((await owner.get('/admin/users')).statusCode).toBe(200);
    const [me] = await t.database.db.select().from(users).where(eq(users.id, ownerId));
    expect(me!.role).toBe('owner');
  });

  it('answer an unknown account with 404', async () => {
    expect((await owner.get('/admin/users/999999')).statusCode).toBe(404);
    expect((await owner.post('/admin/users/999999/deactivate')).statusCode).toBe(404);
    expect((await owner.get('/admin/users/abc')).statusCode).toBe(404);
  });

  it('are managed by the owner only: an admin gets 403', async () => {
    const admin = await signIn(t.app, (await makeUser(t.database.db, 'admin')).email);
    const someone = await makeUser(t.database.db, 'staff');
    expect((await admin.get('/admin/users')).statusCode).toBe(403);
    expect((await admin.post(`/admin/users/${someone.id}/role`, { role: 'owner' })).statusCode).toBe(403);
    expect((await admin.post('/admin/users', { name: 'x', email: 'x@example.com', role: 'owner', language: 'th', password: 'long enough password' })).statusCode).toBe(403);
  });
});
