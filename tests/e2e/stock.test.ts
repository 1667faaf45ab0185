import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productVariants } from '#src/db/schema/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { watchProblems } from './helpers/page.ts';

describe.skipIf(!hasChromium())(`stock in a browser ${chromiumMissingReason() ?? ''}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await buildTestApp();
    const p = await makeProduct(t.database.db, { sku: 'E2E-RICE', nameTh: 'ข้าวหอมมะลิ 5 กก.', nameEn: 'Jasmine rice 5 kg', stock: { MAIN: 12 } });
    await t.database.db.update(productVariants).set({ barcode: '8851234567892' }).where(eq(productVariants.id, p.variant.id));
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('scans a barcode into the receive form, enters a quantity and sees the new on-hand figure', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems = watchProblems(page);

    await page.goto(`${base}/admin/stock/receive`);
    await page.fill('input[name="email"]', 'owner@example.com');
    await page.fill('input[name="password"]', 'correct horse battery');
    await page.click('button[type="submit"]');
    await page.waitForURL(/\/admin\/stock\/receive$/);

    // An unknown code: a clear message, and the form is not submitted.
    await page.fill('#f-code', '0000000000000');
    await page.press('#f-code', 'Enter');
    await page.waitForSelector('[data-scan-unknown]');
    expect(await page.textContent('[data-scan-unknown]')).toContain('0000000000000');
    expect(new URL(page.url()).pathname).toBe('/admin/stock/receive');

    // A scanner types the barcode and presses Enter: the product shows and the focus moves to the quantity.
    await page.fill('#f-code', '');
    await page.keyboard.type('8851234567892');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#scan-result [data-scan-sku="E2E-RICE"]');
    expect(await page.textContent('#scan-result')).toContain('ข้าวหอมมะลิ');
    expect(await page.inputValue('#f-code')).toBe('E2E-RICE');
    expect(await page.evaluate<string>('document.activeElement && document.activeElement.id')).toBe('f-qty');
    expect(await page.evaluate<number>('document.querySelectorAll("[data-stock-done]").length')).toBe(0);

    await page.keyboard.type('8');
    await Promise.all([page.waitForURL(/ref=receipt/), page.keyboard.press('Enter')]);
    const done = await page.textContent('[data-stock-done]');
    expect(done).toContain('E2E-RICE');
    expect(done).toContain('คงคลัง 20');
    const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
      '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
    );
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);

    await page.goto(`${base}/admin/stock?q=E2E-RICE`);
    expect((await page.textContent('tr[data-sku="E2E-RICE"] [data-col="onHand"]'))?.trim()).toBe('20');
    expect(problems).toEqual([]);
    await context.close();
  });
});
