/**
 * Settings → FAQ in a browser: the merchant writes a question and its answer on a phone and on a
 * desktop, saves, and the page shows them back, with nothing refused and nothing wider than the screen.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { noHorizontalOverflow, watchProblems } from './helpers/page.ts';

describe.skipIf(!hasChromium())(`Settings → FAQ in a browser ${chromiumMissingReason() ?? ''}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await buildTestApp({ SHOP_NAME: 'ร้านข้าวหอม' });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  for (const [width, height] of [[390, 844], [1366, 768]] as const) {
    it(`saves a question and its answer at ${width} px`, async () => {
      const context = await browser.newContext({ viewport: { width, height }, locale: 'th-TH' });
      const page = await context.newPage();
      const problems = watchProblems(page, { allow: /\/admin\/login/ });
      await page.goto(`${base}/admin/settings/faq`);
      await page.fill('input[name="email"]', 'owner@example.com');
      await page.fill('input[name="password"]', 'correct horse battery');
      await Promise.all([page.waitForURL(`${base}/admin/settings/faq`), page.click('button[type="submit"]')]);
      await noHorizontalOverflow(page);
      await page.screenshot({ path: `/tmp/chat-settings-faq-empty-${width}.png`, fullPage: true });

      const question = `ส่งกี่วันถึง (${width})`;
      await page.locator('textarea[name="faqQuestion"]').first().fill(question);
      await page.locator('textarea[name="faqAnswer"]').first().fill('ส่งภายใน 1 วันหลังชำระเงิน ได้รับของใน 1–3 วันค่ะ');
      await Promise.all([page.waitForURL(/done=settingsSaved/), page.locator('form[action="/admin/settings/faq"] button[type="submit"]').click()]);
      expect(await page.locator('textarea[name="faqQuestion"]').first().inputValue()).toBe(question);
      expect(t.config.shop.faq[0]?.question).toBe(question);
      await noHorizontalOverflow(page);
      await page.screenshot({ path: `/tmp/chat-settings-faq-saved-${width}.png`, fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});
