/**
 * The web chat opened at another host name than PUBLIC_URL (here PUBLIC_URL names localhost, the page is
 * opened at 127.0.0.1): the payment QR and the photo the customer just sent load from the page's own
 * origin, nothing is refused by its CSP, and the page's labels follow the conversation's language.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { sendInChat } from './helpers/webchat.ts';
import { watchProblems } from './helpers/page.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';
import { messages } from '#templates/messages/index.ts';

let t: TestApp;
let browser: Browser;
let port: number;
let dataDir: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: p } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return p;
}


/** naturalWidth of every picture matched, read in the page (a broken or refused picture is 0). */
function widths(page: Page, selector: string): Promise<number[]> {
  return page.evaluate<number[]>(`Array.from(document.querySelectorAll(${JSON.stringify(selector)})).map((i) => i.complete ? i.naturalWidth : 0)`);
}

describe.skipIf(!hasChromium())(`the web chat at another host name than PUBLIC_URL${hasChromium() ? '' : ` (skipped: ${chromiumMissingReason()})`}`, () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-webchat-host-'));
    port = await freePort();
    t = await buildTestApp({
      DATA_DIR: dataDir,
      SHOP_NAME: 'ร้านป้าแดง',
      SHIPPING_FLAT_FEE: '50',
      PUBLIC_URL: `http://localhost:${port}`,
      PROMPTPAY_ID: '0812345678',
      OCR_WORKERS: '1',
    });
    await makeProduct(t.database.db, { sku: 'RICE-5', nameTh: 'ข้าวหอมมะลิ 5 กก.', nameEn: 'Jasmine rice 5 kg', price: 22_000, stock: { MAIN: 20 } });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows the PromptPay QR and the photo just sent, with no CSP or console errors', async () => {
    const context = await browser.newContext({ locale: 'th-TH', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    const refused: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) refused.push(msg.text());
    });
    await page.goto(`http://127.0.0.1:${port}/chat`);
    await expect.poll(() => page.getByTestId('shop-name').innerText()).toBe('ร้านป้าแดง');

    expect(await sendInChat(page, 'ข้าวหอมมะลิ 2 ถุง')).toContain('ข้าวหอมมะลิ');
    expect(await sendInChat(page, 'สั่งซื้อ')).toContain('ชื่อผู้รับ');
    await sendInChat(page, 'ชื่อ สมศรี ใจงาม โทร 081-234-5678 ที่อยู่ 99/1 ถ.นิมมานเหมินท์ ต.สุเทพ อ.เมือง จ.เชียงใหม่ 50200');
    const before = await page.getByTestId('bot-message').count();
    await page.getByTestId('quick-reply').filter({ hasText: 'ยืนยัน' }).click();
    await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: WAIT_MS }).toBeGreaterThan(before);

    // The QR: a picture in the bot's answer, served by this origin (not PUBLIC_URL's) and really drawn.
    const qr = page.locator('[data-testid="bot-bubble"] img.bubble__img');
    await expect.poll(() => qr.count(), { timeout: WAIT_MS }).toBe(1);
    const qrSrc = await qr.first().getAttribute('src');
    expect(qrSrc).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/pay/TL-\\d+\\.png\\?s=`));
    await expect.poll(async () => (await widths(page, '[data-testid="bot-bubble"] img.bubble__img'))[0] ?? 0, { timeout: WAIT_MS }).toBeGreaterThan(0);

    await qr.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: '/tmp/chat-webchat-host-qr-390.png' });

    // A photo (a transfer slip): shown at once, before any reload, from the file the customer picked.
    const slip = await readFile(path.join(import.meta.dirname, '../fixtures/slips/14_bbl_clean.png'));
    const beforePhoto = await page.getByTestId('bot-message').count();
    await page.getByTestId('attach-input').setInputFiles({ name: 'slip.png', mimeType: 'image/png', buffer: slip });
    const mine = '[data-testid="visitor-bubble"] img.bubble__img';
    await expect.poll(async () => (await widths(page, mine))[0] ?? 0, { timeout: WAIT_MS }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-testid="visitor-message"]').last().getAttribute('data-state'), { timeout: WAIT_MS }).toBe('sent');
    // The slip is read (as any photo sent while an order awaits payment) and answered.
    await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: WAIT_MS }).toBeGreaterThan(beforePhoto);
    await page.screenshot({ path: '/tmp/chat-webchat-host-390.png' });

    // After a reload both come from the server's transcript, still from this origin.
    await page.reload();
    await expect.poll(async () => (await widths(page, mine))[0] ?? 0, { timeout: WAIT_MS }).toBeGreaterThan(0);
    expect(await page.locator(mine).first().getAttribute('src')).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/chat/api/uploads/[0-9a-f-]{36}\\.png$`));
    await expect.poll(async () => (await widths(page, '[data-testid="bot-bubble"] img.bubble__img'))[0] ?? 0, { timeout: WAIT_MS }).toBeGreaterThan(0);
    await page.screenshot({ path: '/tmp/chat-webchat-host-reload-390.png', fullPage: false });

    expect(refused).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("labels the page in the conversation's language, not the browser's", async () => {
    // An English browser; the customer writes that they want Thai.
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`http://127.0.0.1:${port}/chat`);
    await expect.poll(() => page.getByTestId('composer-input').getAttribute('placeholder')).toBe(messages.en.webchat.page.placeholder);

    await sendInChat(page, 'ภาษาไทย');
    // The bot welcomes once, in the language just picked; the page's own welcome follows it.
    const said = (await page.getByTestId('bot-message').allInnerTexts()).join('\n');
    expect(said.match(/ยินดีต้อนรับ/g)).toHaveLength(1);
    expect(said).not.toMatch(/welcome to/i);
    expect(await page.getByTestId('welcome').innerText()).toContain('ยินดีต้อนรับ');
    await expect.poll(() => page.getByTestId('composer-input').getAttribute('placeholder'), { timeout: WAIT_MS }).toBe(messages.th.webchat.page.placeholder);
    expect(await page.getByTestId('send-button').getAttribute('aria-label')).toBe(messages.th.webchat.page.send);
    expect(await page.evaluate<string>('document.documentElement.lang')).toBe('th');

    // The page opened again, in the same English browser: still the conversation's Thai.
    await page.reload();
    await expect.poll(() => page.getByTestId('composer-input').getAttribute('placeholder'), { timeout: WAIT_MS }).toBe(messages.th.webchat.page.placeholder);
    expect(await page.getByTestId('attach-button').getAttribute('aria-label')).toBe(messages.th.webchat.page.attach);
    await page.screenshot({ path: '/tmp/chat-webchat-lang-390.png' });
    expect(problems).toEqual([]);
    await context.close();
  });
});
