import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeUser, signIn } from '../helpers/admin.ts';
import { createUser } from '#src/modules/accounts/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ SHOP_ADDRESS: '', SHOP_PHONE: '' });
});
afterAll(async () => t?.close());

const itemsOf = (html: string) => [...html.matchAll(/data-setup-item="(\w+)"[\s\S]*?<a href="([^"]+)"/g)].map((m) => [m[1], m[2]]);

describe('the setup checklist', () => {
  it('lists what is left, each with where it is done, to owners and admins only', async () => {
    const owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
    const page = await owner.get('/admin');
    expect(itemsOf(page.body)).toEqual([
      ['profile', '/admin/settings/profile'],
      ['payment', '/admin/settings/payments'],
      ['channel', '/admin/settings/notifications#channels'],
      ['notifications', '/admin/settings/notifications#link'],
      ['staff', '/admin/users/new'],
    ]);
    // The owner chose their password (ADMIN_PASSWORD): nothing to change, no banner.
    expect(page.body).not.toContain('data-password-banner');
    // Each place exists and names the thing to do.
    for (const [, href] of itemsOf(page.body)) expect((await owner.get(href!.split('#')[0]!)).statusCode).toBe(200);
    const notifications = await owner.get('/admin/settings/notifications');
    expect(notifications.body).toContain('id="channels"');
    expect(notifications.body).toContain('data-channel-status="line">ยังไม่เชื่อมต่อ');

    const staff = await signIn(t.app, (await makeUser(t.database.db, 'staff', { language: 'th' })).email);
    expect((await staff.get('/admin')).body).not.toContain('data-setup-item');
    // Someone invited: the staff item is done for the owner.
    expect(itemsOf((await owner.get('/admin')).body).map((i) => i[0])).not.toContain('staff');
  });

  it('asks whoever signed in with a generated password to change it, on every page, until they do', async () => {
    await createUser(t.database.db, { email: 'first@example.com', name: 'สมชาย', password: 'Gen3ratedPassw0rdXyzA', role: 'owner', language: 'th', mustChangePassword: true });
    const owner = await signIn(t.app, 'first@example.com', 'Gen3ratedPassw0rdXyzA');
    for (const url of ['/admin', '/admin/orders', '/admin/settings/profile']) expect((await owner.get(url)).body).toContain('data-password-banner');
    expect(itemsOf((await owner.get('/admin')).body).map((i) => i[0])).toContain('password');
    const changed = await owner.post('/admin/account/password', { current: 'Gen3ratedPassw0rdXyzA', next: 'ข้าวมันไก่ประตูน้ำ 2569', confirm: 'ข้าวมันไก่ประตูน้ำ 2569' });
    expect(changed.statusCode).toBe(303);
    const [row] = (await t.database.db.execute<{ m: boolean }>(sql`select must_change_password as m from users where email = 'first@example.com'`)).rows;
    expect(row!.m).toBe(false);
    expect((await owner.get('/admin/orders')).body).not.toContain('data-password-banner');
    expect(itemsOf((await owner.get('/admin')).body).map((i) => i[0])).not.toContain('password');
  });
});
