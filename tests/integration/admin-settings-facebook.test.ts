import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatInbox, shopSettings } from '#src/db/schema/index.ts';
import { isSealed } from '#src/lib/secret-box.ts';
import { createLogger } from '#src/logger.ts';
import { createSettingsService, facebookSecretLabel } from '#src/modules/settings/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodeEntities, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';
import { facebookEnv, sendFacebook } from '../helpers/chat.ts';
import { facebookWebhookRequest, fbText, newMid, psid, startFakeGraphApi, type FakeGraphApi } from '../fakes/graph-api.ts';

// Messenger connected from the environment first; the shop then moves to another Meta app in Settings.
const NEW_APP_SECRET = '0123456789abcdef0123456789abcdef';
const NEW_PAGE_TOKEN = `EAAG${'x7K2mQ9'.repeat(8)}Zr4w`;
const NEW_VERIFY_TOKEN = 'ร้านใบชา-verify-2569'.replace(/[^\x21-\x7e]/g, '') + '-Qp7';

let graph: FakeGraphApi;
let t: TestApp;
let owner: AdminClient;

beforeAll(async () => {
  graph = await startFakeGraphApi();
  t = await buildTestApp({ ...facebookEnv(graph), WORKERS: 'false', PUBLIC_URL: 'https://shop.example.co.th' });
  owner = await signIn(t.app, 'owner@example.com', 'correct horse battery');
});
afterAll(async () => {
  await t?.close();
  await graph?.close();
});

const page = async () => decodeEntities((await owner.get('/admin/settings/facebook')).body);
const stored = async () => (await t.database.db.select().from(shopSettings).where(eq(shopSettings.section, 'facebook')))[0];
const inboxCount = async () => (await t.database.db.select().from(chatInbox)).length;
const message = (secret: string, text: string) => facebookWebhookRequest('page', [fbText({ from: psid(), text, mid: newMid() })], secret);
const verify = (token: string) =>
  t.app.inject({ method: 'GET', url: `/webhooks/facebook?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=ท้าทาย-42` });

describe('Settings → Messenger / Instagram', () => {
  it('shows the environment connection, the webhook URL and the fields to subscribe, to the owner and admins only', async () => {
    const html = await page();
    expect(html).toContain('data-facebook-status="env"');
    expect(html).toContain('เชื่อมต่อแล้ว ด้วยค่าจาก environment');
    expect(html).toContain('https://shop.example.co.th/webhooks/facebook');
    for (const field of ['messages', 'messaging_postbacks', 'message_echoes']) expect(html).toContain(`<code>${field}</code>`);
    // The environment's token is shown only by its last 4 characters.
    expect(html).toContain(`…${graph.pageAccessToken.slice(-4)}`);
    expect(html).not.toContain(graph.pageAccessToken);
    expect(html).not.toContain(graph.appSecret);
    const admin = await signIn(t.app, (await makeUser(t.database.db, 'admin')).email);
    expect((await admin.get('/admin/settings/facebook')).statusCode).toBe(200);
    for (const role of ['staff', 'packer'] as const) {
      const client = await signIn(t.app, (await makeUser(t.database.db, role)).email);
      expect((await client.get('/admin/settings/facebook')).statusCode).toBe(403);
      expect((await client.post('/admin/settings/facebook', { appSecret: NEW_APP_SECRET })).statusCode).toBe(403);
    }
  });

  it('refuses a save without the CSRF token, and a bad value with a Thai field error, storing nothing', async () => {
    expect((await owner.post('/admin/settings/facebook', { appSecret: NEW_APP_SECRET }, { csrf: false })).statusCode).toBe(403);
    const bad = await owner.post('/admin/settings/facebook', { appSecret: 'not-a-secret', verifyToken: 'มี ช่องว่าง' });
    expect(bad.statusCode).toBe(400);
    const html = decodeEntities(bad.body);
    expect(html).toContain('App secret ต้องเป็นตัวอักษร a–f และตัวเลข 32 ตัว');
    expect(html).toContain('ใช้ 8–128 ตัวอักษร ห้ามมีช่องว่าง');
    // What was typed is not put back into the page.
    expect(html).not.toContain('not-a-secret');
    expect(await stored()).toBeUndefined();
  });

  it('seals what is saved, never shows it back, and applies it at once: the old app secret gets 401', async () => {
    const before = await inboxCount();
    const res = await owner.post('/admin/settings/facebook', { appSecret: NEW_APP_SECRET, pageAccessToken: NEW_PAGE_TOKEN, verifyToken: NEW_VERIFY_TOKEN });
    expect(res.statusCode).toBe(303);

    const row = await stored();
    const data = row!.data as Record<string, string>;
    for (const [field, plain] of [['appSecret', NEW_APP_SECRET], ['pageAccessToken', NEW_PAGE_TOKEN], ['verifyToken', NEW_VERIFY_TOKEN]] as const) {
      expect(isSealed(data[field]!), field).toBe(true);
      expect(JSON.stringify(row)).not.toContain(plain);
      expect(t.app.deps.secretBox.open(data[field]!, facebookSecretLabel[field])).toBe(plain);
    }

    const html = await page();
    expect(html).toContain('data-facebook-status="settings"');
    expect(html).toContain(`…${NEW_PAGE_TOKEN.slice(-4)}`);
    for (const plain of [NEW_APP_SECRET, NEW_PAGE_TOKEN, NEW_VERIFY_TOKEN]) expect(html).not.toContain(plain);

    // Signed with the app secret saved in Settings: accepted and stored, without a restart.
    expect((await sendFacebook(t.app, message(NEW_APP_SECRET, 'ชาเขียว 2 ถุง'))).statusCode).toBe(200);
    expect(await inboxCount()).toBe(before + 1);
    // Signed with the environment's (now replaced) secret: 401, nothing stored.
    expect((await sendFacebook(t.app, message(graph.appSecret, 'ชาไทย 1 ถุง'))).statusCode).toBe(401);
    expect(await inboxCount()).toBe(before + 1);

    // Meta's verification now answers only the verify token saved in Settings.
    const ok = await verify(NEW_VERIFY_TOKEN);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('ท้าทาย-42');
    expect((await verify(graph.verifyToken)).statusCode).toBe(403);

    // The Send API is called with the page token saved in Settings.
    expect(t.config.facebook?.pageAccessToken).toBe(NEW_PAGE_TOKEN);

    // Another process (the worker) loading these settings learns the secrets and cuts them out of its logs.
    const lines: string[] = [];
    // A logger that knows none of them at start (its config has no Facebook values).
    const logger = createLogger({ ...t.config, facebook: undefined, logLevel: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    await createSettingsService({ db: t.database.db, config: t.config, logger, secretBox: t.app.deps.secretBox }).load();
    logger.warn({ url: `https://graph.facebook.com/v23.0/me/messages?access_token=${NEW_PAGE_TOKEN}` }, `signature made with ${NEW_APP_SECRET} for ${NEW_VERIFY_TOKEN}`);
    const logged = lines.join('');
    expect(logged).toContain('[redacted]');
    for (const plain of [NEW_APP_SECRET, NEW_PAGE_TOKEN, NEW_VERIFY_TOKEN]) expect(logged).not.toContain(plain);
  });

  it('keeps a saved value when its field is left blank, and "remove" brings the environment value back', async () => {
    expect((await owner.post('/admin/settings/facebook', { verifyToken: 'another-verify-token-77' })).statusCode).toBe(303);
    expect((await sendFacebook(t.app, message(NEW_APP_SECRET, 'สถานะ'))).statusCode).toBe(200);
    expect((await verify('another-verify-token-77')).statusCode).toBe(200);

    expect((await owner.post('/admin/settings/facebook', { appSecretRemove: '1', pageAccessTokenRemove: '1', verifyTokenRemove: '1' })).statusCode).toBe(303);
    expect((await sendFacebook(t.app, message(graph.appSecret, 'สวัสดีค่ะ'))).statusCode).toBe(200);
    expect((await sendFacebook(t.app, message(NEW_APP_SECRET, 'สวัสดีค่ะ'))).statusCode).toBe(401);
    expect(t.config.facebook?.pageAccessToken).toBe(graph.pageAccessToken);
    expect(await page()).toContain('data-facebook-status="env"');
  });
});
