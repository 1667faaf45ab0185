import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#src/app.ts';
import argon2 from 'argon2';
import { adminAuditLog, adminLoginAttempts, adminSessions, apiKeys, users } from '#src/db/schema/index.ts';
import { createApiKey } from '#src/modules/accounts/index.ts';
import { buildTestApp, testConfig, type TestApp } from '../helpers/app.ts';
import { testLogger } from '../helpers/db.ts';
import { alertText, attemptLogin, cookieOf, makeUser, signIn, TEST_PASSWORD } from '../helpers/admin.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t?.close());

describe('the site root', () => {
  it('leads to the back office instead of a JSON 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/admin');
  });
});

describe('signing in', () => {
  it('signs the owner in with ADMIN_EMAIL / ADMIN_PASSWORD and sets a safe session cookie', async () => {
    const res = await attemptLogin(t.app, 'Owner@Example.com', 'correct horse battery', { next: '/admin/orders?status=paid' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/orders?status=paid');
    const setCookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('talad_admin='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/admin/);
    expect(setCookie).not.toMatch(/Secure/i);
    // Only a hash of the token is stored.
    const token = cookieOf(res, 'talad_admin')!;
    const rows = await t.database.db.select().from(adminSessions);
    expect(rows.some((r) => r.id === token)).toBe(false);
    expect(rows.length).toBeGreaterThan(0);
    const audit = await t.database.db.select().from(adminAuditLog).where(eq(adminAuditLog.action, 'session.login'));
    expect(audit[0]).toMatchObject({ actor: 'owner@example.com', target: expect.stringMatching(/^user:\d+$/) });
  });

  it('hashes passwords at 19 MiB, and re-hashes an older 64 MiB hash at its next sign-in', async () => {
    const user = await makeUser(t.database.db, 'staff');
    expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    // An account from before: hashed with the library's default settings (64 MiB, 4 lanes).
    const older = await argon2.hash(TEST_PASSWORD, { type: argon2.argon2id });
    expect(older).toMatch(/\$m=65536,p=4,t=3\$/);
    await t.database.db.update(users).set({ passwordHash: older }).where(eq(users.id, user.id));

    const res = await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.9.0.1' });
    expect(res.statusCode).toBe(303);
    const [after] = await t.database.db.select().from(users).where(eq(users.id, user.id));
    expect(after!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await argon2.verify(after!.passwordHash, TEST_PASSWORD)).toBe(true);
    // And signs in again with it.
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.9.0.1' })).statusCode).toBe(303);
  });

  it('never sends the user to another site after signing in', async () => {
    for (const next of ['https://evil.example/', '//evil.example/admin', '/admin\\@evil', '/adminx', '/api/v1/orders']) {
      const res = await attemptLogin(t.app, 'owner@example.com', 'correct horse battery', { next });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location, next).toBe('/admin');
    }
  });

  it('refuses a wrong password with the same message as an unknown email', async () => {
    const wrong = await attemptLogin(t.app, 'owner@example.com', 'not the password', { ip: '10.1.0.1' });
    const unknown = await attemptLogin(t.app, 'nobody@example.com', 'whatever it is', { ip: '10.1.0.2' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(alertText(wrong.body)).toBe(alertText(unknown.body));
    expect(cookieOf(wrong, 'talad_admin')).toBeUndefined();
  });

  it('refuses the login form without its token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'talad_admin_login=' + 'a'.repeat(43) },
      payload: `_csrf=${'b'.repeat(43)}&email=owner%40example.com&password=correct+horse+battery`,
    });
    expect(res.statusCode).toBe(403);
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const secure = await buildTestApp({ PUBLIC_URL: 'https://shop.example.com' });
    try {
      const res = await attemptLogin(secure.app, 'owner@example.com', 'correct horse battery');
      const setCookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('talad_admin='))!;
      expect(setCookie).toMatch(/Secure/);
    } finally {
      await secure.close();
    }
  });
});

describe('login throttling', () => {
  it('locks an email after five wrong passwords in 15 minutes, with a clear message, even for the right password', async () => {
    const user = await makeUser(t.database.db, 'staff', { language: 'th' });
    for (let i = 1; i <= 4; i++) {
      const res = await attemptLogin(t.app, user.email, `wrong ${i}`, { ip: `10.2.0.${i}` });
      expect(res.statusCode, `attempt ${i}`).toBe(401);
    }
    const fifth = await attemptLogin(t.app, user.email, 'wrong 5', { ip: '10.2.0.5' });
    expect(fifth.statusCode).toBe(429);
    expect(alertText(fifth.body)).toMatch(/Too many failed sign-ins|เข้าสู่ระบบผิดหลายครั้งเกินไป/);
    const right = await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.2.0.6' });
    expect(right.statusCode).toBe(429);
    expect(cookieOf(right, 'talad_admin')).toBeUndefined();
    expect(alertText(right.body)).toMatch(/15/);
  });

  it('says it in the language chosen on the login page', async () => {
    const user = await makeUser(t.database.db, 'staff');
    const thai = async (password: string) => {
      const page = await t.app.inject({ method: 'GET', url: '/admin/login?lang=th' });
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const cookies = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      return t.app.inject({
        method: 'POST',
        url: '/admin/login',
        remoteAddress: '10.3.0.1',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: token, email: user.email, password, next: '/admin' }).toString(),
      });
    };
    for (let i = 0; i < 5; i++) await thai(`wrong ${i}`);
    const res = await thai(TEST_PASSWORD);
    expect(res.statusCode).toBe(429);
    expect(alertText(res.body)).toContain('เข้าสู่ระบบผิดหลายครั้งเกินไป');
    expect(alertText(res.body)).toContain('15 นาที');
  });

  it('locks an address that tries many emails', async () => {
    const ip = '10.4.0.9';
    for (let i = 0; i < 5; i++) await attemptLogin(t.app, `guess-${i}@example.com`, 'password guess', { ip });
    const owner = await attemptLogin(t.app, 'owner@example.com', 'correct horse battery', { ip });
    expect(owner.statusCode).toBe(429);
    // The same account from elsewhere is not locked out.
    expect((await attemptLogin(t.app, 'owner@example.com', 'correct horse battery', { ip: '10.4.0.10' })).statusCode).toBe(303);
  });

  it('counts a burst of parallel guesses in full', async () => {
    const user = await makeUser(t.database.db, 'staff');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attemptLogin(t.app, user.email, `burst ${i}`, { ip: `10.5.0.${i}` })),
    );
    const checked = results.filter((r) => r.statusCode === 401).length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.statusCode === 429).length).toBeGreaterThanOrEqual(7);
  });

  it('keeps the lockout in the database: another instance on the same database refuses too', async () => {
    const user = await makeUser(t.database.db, 'staff');
    for (let i = 0; i < 5; i++) await attemptLogin(t.app, user.email, `wrong ${i}`, { ip: `10.6.0.${i}` });
    const other = await buildApp(testConfig(), { database: t.database, logger: testLogger, skipBootstrap: true });
    try {
      await other.ready();
      const res = await attemptLogin(other, user.email, TEST_PASSWORD, { ip: '10.6.1.1' });
      expect(res.statusCode).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('opens again once the lock has run out', async () => {
    const user = await makeUser(t.database.db, 'staff');
    for (let i = 0; i < 5; i++) await attemptLogin(t.app, user.email, `wrong ${i}`, { ip: `10.7.0.${i}` });
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.7.1.1' })).statusCode).toBe(429);
    // Sixteen minutes later (the attempts are moved back instead of waiting).
    await t.database.db
      .update(adminLoginAttempts)
      .set({ createdAt: sql`created_at - interval '16 minutes'` })
      .where(eq(adminLoginAttempts.key, `email:${user.email}`));
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.7.1.2' })).statusCode).toBe(303);
  });

  it('forgets earlier failures after a successful sign-in', async () => {
    const user = await makeUser(t.database.db, 'staff');
    for (let i = 0; i < 4; i++) await attemptLogin(t.app, user.email, `wrong ${i}`, { ip: `10.8.0.${i}` });
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.8.1.1' })).statusCode).toBe(303);
    expect((await attemptLogin(t.app, user.email, 'wrong again', { ip: '10.8.1.2' })).statusCode).toBe(401);
  });
});

describe('without a session', () => {
  it('redirects a page to the login page with where to come back to', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/orders?status=paid' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Forders%3Fstatus%3Dpaid');
    // Even an address that does not exist: nothing about the back office is shown before sign-in.
    const unknown = await t.app.inject({ method: 'GET', url: '/admin/no-such-page' });
    expect(unknown.statusCode).toBe(302);
  });

  it('answers htmx with 401 and a redirect header, and JSON callers with 401 JSON', async () => {
    const htmx = await t.app.inject({
      method: 'GET',
      url: '/admin/orders',
      headers: { 'hx-request': 'true', 'hx-current-url': 'http://localhost/admin/orders/TL-1' },
    });
    expect(htmx.statusCode).toBe(401);
    expect(htmx.headers['hx-redirect']).toBe('/admin/login?next=%2Fadmin%2Forders%2FTL-1');
    const json = await t.app.inject({ method: 'GET', url: '/admin/orders', headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(401);
    expect(json.json().error.code).toBe('UNAUTHORIZED');
    const post = await t.app.inject({ method: 'POST', url: '/admin/orders/TL-1/notes', payload: { note: 'x' } });
    expect(post.statusCode).toBe(401);
  });

  it('refuses a forged or expired session cookie', async () => {
    const forged = await t.app.inject({ method: 'GET', url: '/admin', headers: { cookie: `talad_admin=${'x'.repeat(43)}` } });
    expect(forged.statusCode).toBe(302);
    const user = await makeUser(t.database.db, 'staff');
    const client = await signIn(t.app, user.email);
    await t.database.db.update(adminSessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(adminSessions.userId, user.id));
    expect((await client.get('/admin')).statusCode).toBe(302);
  });

  it('slides the session forward while it is used', async () => {
    const user = await makeUser(t.database.db, 'staff');
    const client = await signIn(t.app, user.email);
    await t.database.db
      .update(adminSessions)
      .set({ lastSeenAt: sql`now() - interval '11 hours'`, expiresAt: sql`now() + interval '1 hour'` })
      .where(eq(adminSessions.userId, user.id));
    expect((await client.get('/admin')).statusCode).toBe(200);
    const [session] = await t.database.db.select().from(adminSessions).where(eq(adminSessions.userId, user.id));
    const { rows } = await t.database.db.execute<{ hours: number }>(
      sql`select extract(epoch from (${session!.expiresAt.toISOString()}::timestamptz - now())) / 3600 as hours`,
    );
    expect(Number(rows[0]!.hours)).toBeGreaterThan(11.9);
  });
});

describe('own account', () => {
  it('changes the password after checking the current one, and signs out other sessions', async () => {
    const user = await makeUser(t.database.db, 'admin');
    const here = await signIn(t.app, user.email);
    const elsewhere = await signIn(t.app, user.email);
    const wrong = await here.post('/admin/account/password', { current: 'not it', next: 'a brand new password', confirm: 'a brand new password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('This is not your current password.');
    const mismatch = await here.post('/admin/account/password', { current: TEST_PASSWORD, next: 'a brand new password', confirm: 'another one' });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.body).toContain('The two new passwords are not the same.');
    const short = await here.post('/admin/account/password', { current: TEST_PASSWORD, next: 'short', confirm: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('at least 12 characters');
    const ok = await here.post('/admin/account/password', { current: TEST_PASSWORD, next: 'a brand new password', confirm: 'a brand new password' });
    expect(ok.statusCode).toBe(303);
    expect((await here.get('/admin/account')).statusCode).toBe(200);
    expect((await elsewhere.get('/admin/account')).statusCode).toBe(302);
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.9.0.1' })).statusCode).toBe(401);
    expect((await attemptLogin(t.app, user.email, 'a brand new password', { ip: '10.9.0.2' })).statusCode).toBe(303);
  });

  it('shows the form errors in the user\'s language', async () => {
    const user = await makeUser(t.database.db, 'staff', { language: 'th' });
    const client = await signIn(t.app, user.email);
    const res = await client.post('/admin/account/password', { current: TEST_PASSWORD, next: 'short', confirm: 'short' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('สั้นเกินไป (อย่างน้อย 12 ตัวอักษร)');
  });

  it('switches the interface language from the header', async () => {
    const user = await makeUser(t.database.db, 'staff', { language: 'th' });
    const client = await signIn(t.app, user.email);
    expect((await client.get('/admin')).body).toContain('ภาพรวม');
    const res = await client.post('/admin/account/language', { language: 'en', next: '/admin/orders' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/orders');
    const page = await client.get('/admin');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('Dashboard');
  });
});

describe('deactivated accounts', () => {
  it('cannot sign in, lose their sessions and their API keys', async () => {
    const owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
    const user = await makeUser(t.database.db, 'staff');
    const theirs = await signIn(t.app, user.email);
    const key = await createApiKey(t.database.db, user.id, 'laptop');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/products', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);

    expect((await owner.post(`/admin/users/${user.id}/deactivate`)).statusCode).toBe(303);
    expect((await theirs.get('/admin')).statusCode).toBe(302);
    const again = await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.10.0.1' });
    // The same answer as a wrong password (issue 23): the page does not tell that the password was right.
    const wrong = await attemptLogin(t.app, user.email, 'not the password at all', { ip: '10.10.0.3' });
    expect(again.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(alertText(again.body)).toBe(alertText(wrong.body));
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/products', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
    const [row] = await t.database.db.select().from(apiKeys).where(eq(apiKeys.userId, user.id));
    expect(row!.revokedAt).not.toBeNull();

    expect((await owner.post(`/admin/users/${user.id}/reactivate`)).statusCode).toBe(303);
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '10.10.0.2' })).statusCode).toBe(303);
  });
});
