import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { noHorizontalOverflow, watchProblems } from './helpers/page.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';

describe.skipIf(!hasChromium())(`the chat inbox in a browser ${chromiumMissingReason() ?? ''}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-inbox-'));
    t = await buildTestApp({ DATA_DIR: dataDir, SHOP_NAME: 'ร้านป้าแดงของฝาก' });
    await makeProduct(t.database.db, { sku: 'MANGO-DRY', nameTh: 'มะม่วงอบแห้ง', nameEn: 'Dried mango', price: 12_000, stock: { MAIN: 25 } });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function signIn(page: Page) {
    await page.goto(`${base}/admin/inbox`);
    await page.fill('input[name="email"]', 'owner@example.com');
    await page.fill('input[name="password"]', 'correct horse battery');
    await Promise.all([page.waitForURL(`${base}/admin/inbox`), page.click('button[type="submit"]')]);
  }

  it('shows a web-chat message in the open inbox without a reload, and the answer reaches the web chat', async () => {
    const desk = await browser.newContext({ locale: 'th-TH', viewport: { width: 1366, height: 768 } });
    const admin = await desk.newPage();
    const problems = watchProblems(admin, { allow: /\/admin\/login/ });
    await signIn(admin);
    expect(await admin.locator('.inbox-row').count()).toBe(0);

    const visitor = await browser.newContext({ locale: 'th-TH', viewport: { width: 390, height: 844 } });
    const chat = await visitor.newPage();
    await chat.goto(`${base}/chat`);
    await expect.poll(() => chat.getByTestId('shop-name').innerText(), { timeout: WAIT_MS }).toBe('ร้านป้าแดงของฝาก');
    await chat.getByTestId('composer-input').fill('มะม่วงอบแห้งส่งพรุ่งนี้ทันไหมคะ');
    await chat.getByTestId('send-button').click();

    // The inbox, open all along (empty when it was drawn), shows the new conversation by itself.
    const row = admin.locator('.inbox-row').first();
    await expect.poll(() => admin.locator('.inbox-row').count(), { timeout: WAIT_MS }).toBe(1);
    expect(await row.innerText()).toContain('เว็บแชท');
    expect(await row.locator('[data-unread]').count()).toBe(1);
    await admin.screenshot({ path: '/tmp/inbox-list-1366.png', fullPage: true });
    await noHorizontalOverflow(admin);

    await row.locator('a').click();
    await admin.waitForURL(/\/admin\/inbox\/\d+$/);
    await expect.poll(() => admin.locator('#transcript').innerText()).toContain('มะม่วงอบแห้งส่งพรุ่งนี้ทันไหมคะ');

    // A second message from the customer arrives in the open conversation, live.
    await chat.getByTestId('composer-input').fill('ขอ 2 ถุงนะคะ');
    await chat.getByTestId('send-button').click();
    await expect.poll(() => admin.locator('#transcript').innerText(), { timeout: WAIT_MS }).toContain('ขอ 2 ถุงนะคะ');

    // Staff answer from the reply box (htmx: the page stays, the box empties, the answer shows).
    await admin.fill('#reply-text', 'ส่งทันค่ะ วันนี้แพ็กให้เลยนะคะ');
    await admin.click('#reply-form button[type="submit"]');
    await expect.poll(() => admin.locator('#transcript').innerText(), { timeout: WAIT_MS }).toContain('ส่งทันค่ะ วันนี้แพ็กให้เลยนะคะ');
    expect(await admin.inputValue('#reply-text')).toBe('');
    await expect.poll(() => chat.getByTestId('message-list').innerText(), { timeout: WAIT_MS }).toContain('ส่งทันค่ะ วันนี้แพ็กให้เลยนะคะ');
    await admin.screenshot({ path: '/tmp/inbox-conversation-1366.png', fullPage: true });
    await chat.screenshot({ path: '/tmp/inbox-webchat-390.png' });

    // The same pages on a phone.
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.reload();
    await noHorizontalOverflow(admin);
    await admin.screenshot({ path: '/tmp/inbox-conversation-390.png', fullPage: true });
    await admin.goto(`${base}/admin/inbox`);
    await noHorizontalOverflow(admin);
    await admin.screenshot({ path: '/tmp/inbox-list-390.png', fullPage: true });
    expect(problems).toEqual([]);
    await desk.close();
    await visitor.close();
  });
});
