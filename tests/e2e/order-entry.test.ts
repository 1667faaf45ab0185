import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productVariants } from '#src/db/schema/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { noHorizontalOverflow, watchProblems } from './helpers/page.ts';

/**
 * A phone order typed in on a phone: the staff member finds nothing to scroll sideways, scans a
 * barcode twice, adds a product found by name, and places the order marked paid by transfer.
 */
describe.skipIf(!hasChromium())(`manual order entry in a browser at 390 px ${chromiumMissingReason() ?? ''}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await buildTestApp();
    const { variant } = await makeProduct(t.database.db, { sku: 'ENT-SOAP', price: 8_900, nameTh: 'สบู่สมุนไพร', nameEn: 'Herbal soap', stock: { MAIN: 20 } });
    await t.database.db.update(productVariants).set({ barcode: '8850001112223' }).where(eq(productVariants.id, variant.id));
    await makeProduct(t.database.db, { sku: 'ENT-OIL', price: 25_000, nameTh: 'น้ำมันมะพร้าว', nameEn: 'Coconut oil', stock: { MAIN: 5 } });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('scans, searches, and places a paid phone order without sideways scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems = watchProblems(page);

    await page.goto(`${base}/admin/login`);
    await page.fill('input[name="email"]', 'owner@example.com');
    await page.fill('input[name="password"]', 'correct horse battery');
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
    await page.goto(`${base}/admin/orders/new`);
    await noHorizontalOverflow(page);

    await page.fill('#f-newName', 'คุณมานี มีนา');
    await page.fill('#f-newPhone', '081-234-5678');

    // A scanner types the barcode and presses Enter: the line appears, a second scan makes it two.
    await page.fill('#scan-code', '8850001112223');
    await page.press('#scan-code', 'Enter');
    await expect.poll(() => page.locator('#cart tr[data-line="ENT-SOAP"]').getAttribute('data-qty')).toBe('1');
    await page.fill('#scan-code', '8850001112223');
    await page.press('#scan-code', 'Enter');
    await expect.poll(() => page.locator('#cart tr[data-line="ENT-SOAP"]').getAttribute('data-qty')).toBe('2');

    // A product found by part of its Thai name.
    await page.fill('#f-pq', 'มะพร้าว');
    await page.locator('#product-results [data-product="ENT-OIL"] button').click();
    await page.locator('#cart tr[data-line="ENT-OIL"]').waitFor();
    await noHorizontalOverflow(page);

    await page.selectOption('#f-source', 'phone');
    await page.fill('#f-shipName', 'คุณมานี มีนา');
    await page.fill('#f-shipPhone', '0812345678');
    await page.fill('#f-shipAddress', '12/3 ถนนพระราม 9 ห้วยขวาง กรุงเทพฯ');
    await page.fill('#f-shipPostcode', '10310');
    await page.selectOption('#f-paymentMethod', 'transfer');
    await page.check('input[name="paidNow"]');
    await page.screenshot({ path: '/tmp/talad-admin-order-entry-390.png', fullPage: true });

    await Promise.all([page.waitForURL(/\/admin\/orders\/TL-\d+(\?|$)/), page.click('#entry-form button[type="submit"]')]);
    const number = new URL(page.url()).pathname.split('/').at(-1)!;
    await expect.poll(() => page.locator('#order-status').getAttribute('class')).toContain('status-paid');
    await noHorizontalOverflow(page);

    const res = await fetch(`${base}/api/v1/orders/${number}`, { headers: { authorization: `Bearer ${t.config.apiToken}` } });
    const order = (await res.json()) as { channel: string; status: string; total: number; lines: { sku: string; qty: number }[]; payments: { method: string; status: string }[] };
    expect(order).toMatchObject({ channel: 'manual', status: 'paid' });
    expect(order.lines.map((l) => [l.sku, l.qty])).toEqual([
      ['ENT-SOAP', 2],
      ['ENT-OIL', 1],
    ]);
    expect(order.payments).toEqual([expect.objectContaining({ method: 'transfer', status: 'confirmed' })]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
