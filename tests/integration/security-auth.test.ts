// Issue 23, finding 9 (passwords and sign-in): one password rule everywhere (12 characters, no common
// password), the current-password check throttled, and a lockout that cannot keep the owner out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '#src/config.ts';
import { passwordProblem } from '#src/modules/accounts/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { attemptLogin, decodeEntities, makeUser, signIn, TEST_PASSWORD, type AdminClient } from '../helpers/admin.ts';

let t: TestApp;
let owner: AdminClient;
beforeAll(async () => {
  t = await buildTestApp({ DATA_DIR: `/tmp/talad-sec-auth-${process.pid}` });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
});
afterAll(() => t?.close());

describe('passwords', () => {
  it('refuses short and common passwords for new accounts, resets and ADMIN_PASSWORD alike', async () => {
    for (const password of ['aaaaaaaaaaaa', '123456789012', 'qwertyuiop12', 'Password1234', 'abcabcabcabc', 'สั้นไป1234']) {
      const res = await owner.post('/admin/users', { name: 'สมชาย ทดสอบ', email: `weak-${Math.random().toString(36).slice(2)}@example.com`, role: 'staff', language: 'th', password });
      expect(res.statusCode, password).toBe(400);
      expect(decodeEntities(res.body), password).toMatch(/too easy to guess|เดาง่ายเกินไป|too short|สั้นเกินไป/);
    }
    const ok = await owner.post('/admin/users', { name: 'วิภา มั่นคง', email: 'wipa@example.com', role: 'staff', language: 'th', password: 'ม้าลายกินหญ้าริมคลอง 2569' });
    expect(ok.statusCode).toBe(303);
    expect(() => loadConfig({ ADMIN_PASSWORD: 'longenough' })).toThrow(/ADMIN_PASSWORD must be at least 12/);
    expect(() => loadConfig({ ADMIN_PASSWORD: 'aaaaaaaaaaaaaaaa' })).toThrow(/ADMIN_PASSWORD is a common password/);
    expect(passwordProblem('correct horse battery')).toBeUndefined();
    expect(passwordProblem('zyxwvutsrqpo')).toBe('field.passwordCommon');
  });

  it('throttles the current-password check on a password change', async () => {
    const user = await makeUser(t.database.db, 'staff');
    const client = await signIn(t.app, user.email);
    const change = (current: string) => client.post('/admin/account/password', { current, next: 'ทางเดินริมแม่น้ำปิง 42', confirm: 'ทางเดินริมแม่น้ำปิง 42' });
    for (let i = 0; i < 5; i++) expect((await change(`guess number ${i}`)).statusCode).toBe(400);
    const right = await change(TEST_PASSWORD);
    expect(right.statusCode).toBe(429);
    expect(decodeEntities(right.body)).toMatch(/15/);
  });
});

describe('the lockout', () => {
  it('keeps a stranger who knows the owner’s email from locking the owner out of a known address', async () => {
    const user = await makeUser(t.database.db, 'owner', { name: 'เจ้าของร้าน' });
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '203.0.113.10' })).statusCode).toBe(303);
    for (let i = 0; i < 8; i++) await attemptLogin(t.app, user.email, `guess ${i}`, { ip: `198.51.100.${i + 1}` });
    // From an address never used the guessing still counts against the email...
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '198.51.100.200' })).statusCode).toBe(429);
    // ...but the owner's own address lets the owner in.
    expect((await attemptLogin(t.app, user.email, TEST_PASSWORD, { ip: '203.0.113.10' })).statusCode).toBe(303);
  });
});
