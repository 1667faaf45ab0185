/**
 * A first start as a new merchant meets it: a fresh data directory, the owner signs in with the password
 * the start log printed, the dashboard's checklist names what is left (each item leading to where it is
 * done), a banner asks for a password of their own on every page, and everything goes once done.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#src/app.ts';
import { bootstrap } from '#src/bootstrap.ts';
import type { Config } from '#src/config.ts';
import type { Database } from '#src/db/client.ts';
import type { FastifyInstance } from 'fastify';
import { testConfig } from '../helpers/app.ts';
import { sendTelegram, settle } from '../helpers/chat.ts';
import { createTestDatabase, testLogger } from '../helpers/db.ts';
import { startFakeTelegramApi, tgTextUpdate, type FakeTelegramApi } from '../fakes/telegram-api.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { noHorizontalOverflow, watchProblems } from './helpers/page.ts';

const TG_SECRET = 'telegram-webhook-secret-1234567890';

describe.skipIf(!hasChromium())(`a first start ${chromiumMissingReason() ?? ''}`, () => {
  let dataDir: string;
  let database: Database;
  let config: Config;
  let app: FastifyInstance;
  let tg: FakeTelegramApi;
  let base: string;
  let browser: Browser;
  let generated: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-first-'));
    tg = await startFakeTelegramApi();
    // The merchant put the Telegram bot's token in the environment before the first start; nothing else.
    config = testConfig({ DATA_DIR: dataDir, ADMIN_PASSWORD: '', TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_WEBHOOK_SECRET: TG_SECRET, TELEGRAM_API_ROOT: tg.apiRoot, SHOP_NAME: 'ร้านป้าแดง' });
    database = await createTestDatabase();
    // What the start log prints, read as the merchant reads it.
    let log = '';
    const startLog = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => ((log += String(chunk)), done()) }));
    await bootstrap(database.db, config, startLog);
    generated = /"generatedPassword":"([^"]+)"/.exec(log)?.[1] ?? '';
    expect(generated).toHaveLength(20);
    app = await buildApp(config, { database, logger: testLogger, skipBootstrap: true, scheduler: false });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.close();
    await tg?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const items = (page: Page) => page.locator('[data-setup-item]').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { setupItem: string } }).dataset.setupItem));

  async function dashboard(page: Page) {
    await page.goto(`${base}/admin`);
    return items(page);
  }

  for (const viewport of [{ width: 1366, height: 768 }]) {
    it(`shows the checklist until every item is done (${viewport.width}×${viewport.height})`, async () => {
      const context = await browser.newContext({ viewport, locale: 'th-TH' });
      const page = await context.newPage();
      const problems = watchProblems(page, { allow: /\/admin\/login/ });

      await page.goto(`${base}/`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.fill('input[name="email"]', config.admin.email);
      await page.fill('input[name="password"]', generated);
      await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);

      // Telegram is connected from the environment; everything else is still to do.
      expect(await items(page)).toEqual(['profile', 'payment', 'notifications', 'staff', 'password']);
      await expect.poll(() => page.locator('#setup').textContent()).toContain('เสร็จแล้ว 1 จาก 6');
      await page.screenshot({ path: '/tmp/firsthour-checklist.png', fullPage: true });
      await noHorizontalOverflow(page);

      // Each item leads to where it is done.
      const where: Record<string, string> = {
        profile: '/admin/settings/profile',
        payment: '/admin/settings/payments',
        notifications: '/admin/settings/notifications',
        staff: '/admin/users/new',
        password: '/admin/account',
      };
      for (const [key, pathname] of Object.entries(where)) {
        await page.goto(`${base}/admin`);
        await Promise.all([page.waitForURL((u) => u.pathname === pathname), page.click(`[data-setup-item="${key}"] a.button`)]);
        // The generated password's banner is on every page until it is changed.
        expect(await page.locator('[data-password-banner]').count()).toBe(1);
      }

      // The password first, from the banner.
      await page.goto(`${base}/admin/orders`);
      await Promise.all([page.waitForURL(`${base}/admin/account`), page.click('[data-password-banner] a')]);
      await page.fill('input[name="current"]', generated);
      await page.fill('input[name="next"][type="password"]', 'ป้าแดงขายดีทุกวัน 2569');
      await page.fill('input[name="confirm"]', 'ป้าแดงขายดีทุกวัน 2569');
      await Promise.all([page.waitForURL(/\/admin\/account\?done=password/), page.click('form[action="/admin/account/password"] button[type="submit"]')]);
      expect(await page.locator('[data-password-banner]').count()).toBe(0);
      expect(await dashboard(page)).toEqual(['profile', 'payment', 'notifications', 'staff']);

      // The shop's address and phone.
      await page.goto(`${base}/admin/settings/profile`);
      await page.fill('textarea[name="address"]', '99/1 ซอยสุขุมวิท 31 แขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพฯ 10110');
      await page.fill('input[name="phone"]', '081-234-5678');
      await Promise.all([page.waitForURL(/done=settingsSaved/), page.click('form[action="/admin/settings/profile"] button[type="submit"]')]);
      expect(await dashboard(page)).toEqual(['payment', 'notifications', 'staff']);

      // PromptPay.
      await page.goto(`${base}/admin/settings/payments`);
      await page.fill('input[name="promptPayId"]', '0812345678');
      await Promise.all([page.waitForURL(/done=settingsSaved/), page.click('form[action="/admin/settings/payments"] button[type="submit"]')]);
      expect(await dashboard(page)).toEqual(['notifications', 'staff']);

      // A packer.
      await page.goto(`${base}/admin/users/new`);
      await page.fill('input[name="name"]', 'น้องมด');
      await page.fill('input[name="email"]', 'mod@example.com');
      await page.selectOption('select[name="role"]', 'packer');
      await page.fill('input[name="password"]', 'มดแพ็กของเร็วมาก 123');
      await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/admin/users') && !u.pathname.endsWith('/new')), page.click('form[action="/admin/users"] button[type="submit"]')]);
      expect(await dashboard(page)).toEqual(['notifications']);

      // Notifications: a code made in Settings, sent from the merchant's own Telegram to the shop's bot.
      await page.click('[data-setup-item="notifications"] a.button');
      await Promise.all([page.waitForURL(/\/admin\/settings\/notifications\/link-code$/), page.click('form[action="/admin/settings/notifications/link-code"] button')]);
      const code = (await page.locator('[data-link-code]').textContent())!.trim();
      expect(code).toMatch(/^\d{3} \d{3}$/);
      await sendTelegram(app, TG_SECRET, tgTextUpdate({ chatId: 424_242, text: code, updateId: 90_001 }));
      await settle(app);
      expect(tg.sentTexts(424_242).join('\n')).toContain('เชื่อมต่อแล้ว');

      // Everything is done: the checklist is gone.
      await page.goto(`${base}/admin`);
      expect(await page.locator('#setup').count()).toBe(0);
      await page.screenshot({ path: '/tmp/firsthour-done.png', fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
