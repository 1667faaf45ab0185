import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { sendInChat } from './helpers/webchat.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';

let t: TestApp;
let browser: Browser;
let base: string;
let dataDir: string;

describe.skipIf(!hasChromium())(`the web chat in Chromium${hasChromium() ? '' : ` (skipped: ${chromiumMissingReason()})`}`, () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-webchat-'));
    t = await buildTestApp({ DATA_DIR: dataDir, SHOP_NAME: 'ร้านป้าแดง', SHIPPING_FLAT_FEE: '50' });
    await makeProduct(t.database.db, { sku: 'MANGO-1', nameTh: 'มะม่วงอบแห้ง', nameEn: 'Dried mango', price: 12_000, stock: { MAIN: 10 } });
    await makeProduct(t.database.db, { sku: 'TEA-1', nameTh: 'ชาไทย', nameEn: 'Thai tea', price: 14_500, stock: { MAIN: 10 } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });


  it('takes an order from menu to confirmation, in Thai, and keeps the conversation across a reload', async () => {
    const context = await browser.newContext({ locale: 'th-TH', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${base}/chat`);
    await expect.poll(() => page.getByTestId('shop-name').innerText()).toBe('ร้านป้าแดง');

    await sendInChat(page, 'เมนู');
    await expect.poll(() => page.getByTestId('product-card').count(), { timeout: WAIT_MS }).toBe(2);
    const before = await page.getByTestId('bot-message').count();
    await page.getByTestId('product-card').filter({ hasText: 'มะม่วงอบแห้ง' }).getByTestId('card-button').click();
    await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: WAIT_MS }).toBeGreaterThan(before);
    expect(await page.getByTestId('bot-message').last().innerText()).toContain('มะม่วงอบแห้ง x1');

    expect(await sendInChat(page, 'ชาไทย 2')).toContain('ชาไทย x2');
    expect(await sendInChat(page, 'สั่งซื้อ')).toContain('ชื่อผู้รับ');
    const summary = await sendInChat(page, 'ป้าแดง ใจดี\n081-555-1234\n88 ถนนเจริญกรุง บางรัก กรุงเทพฯ 10500');
    expect(summary).toContain('฿460.00'); // 120 + 2 x 145 + 50
    const chips = page.getByTestId('quick-reply');
    const beforeConfirm = await page.getByTestId('bot-message').count();
    await chips.filter({ hasText: 'ยืนยัน' }).click();
    await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: WAIT_MS }).toBeGreaterThan(beforeConfirm);
    const placed = (await page.getByTestId('message-list').innerText());
    const number = /TL-\d+/.exec(placed)?.[0];
    expect(number).toBeDefined();

    const order = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${number}`, headers: auth })).json();
    expect(order).toMatchObject({ channel: 'webchat', status: 'pending_payment', total: { amount: 46_000 } });

    // No horizontal overflow on a phone.
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.screenshot({ path: path.join(os.tmpdir(), 'talad-webchat-390.png') });

    await page.reload();
    await expect.poll(async () => (await page.getByTestId('message-list').innerText()).includes(number!), { timeout: WAIT_MS }).toBe(true);
    await context.close();
  });

  it('refuses a file that is not a picture, politely, in the visitor language', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${base}/chat`);
    await page.getByTestId('attach-input').setInputFiles({ name: 'slip.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a picture') });
    await expect.poll(() => page.getByTestId('message-list').innerText(), { timeout: WAIT_MS }).toContain('not a picture');
    await context.close();
  });
});
