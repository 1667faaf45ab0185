import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeApiOrder } from '../helpers/admin.ts';
import { makeProduct } from '../helpers/factories.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { watchProblems } from './helpers/page.ts';

/** The new-order form fills the ship-to from the customer, offers LINE as where the order came from, and cash. */
describe.skipIf(!hasChromium())(`the new-order form's ship-to ${chromiumMissingReason() ?? ''}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await buildTestApp();
    await makeProduct(t.database.db, { sku: 'PRE-SOAP', price: 8_900, nameTh: 'สบู่สมุนไพร', nameEn: 'Herbal soap', stock: { MAIN: 20 } });
    // A customer who ordered before, with an address on file.
    await makeApiOrder(t.app, 'PRE-SOAP', { customer: { name: 'สมหญิง ใจดี', phone: '081-234-5678' } });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('fills name and phone from a new customer, the last address from a known one, never over what staff typed', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${base}/admin/login`);
    await page.fill('input[name="email"]', 'owner@example.com');
    await page.fill('input[name="password"]', 'correct horse battery');
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
    await page.goto(`${base}/admin/orders/new`);

    expect(await page.locator('select[name="source"] option[value="line"]').textContent()).toBe('LINE');
    expect(await page.locator('select[name="paymentMethod"] option[value="cash"]').count()).toBe(1);

    await page.fill('input[name="newName"]', 'ประยุทธ มั่นคง');
    await page.fill('input[name="newPhone"]', '089-111-2222');
    expect(await page.inputValue('input[name="shipName"]')).toBe('ประยุทธ มั่นคง');
    expect(await page.inputValue('input[name="shipPhone"]')).toBe('089-111-2222');

    // Staff change the ship-to name by hand; a known customer then fills only the rest.
    await page.fill('input[name="shipName"]', 'คุณแม่ ประยุทธ');
    await page.fill('#f-customerQ', 'สมหญิง');
    await page.locator('[data-customer] input[name="customerId"]').first().check();
    expect(await page.inputValue('input[name="shipName"]')).toBe('คุณแม่ ประยุทธ');
    expect(await page.inputValue('input[name="shipPhone"]')).toBe('081-234-5678');
    expect(await page.inputValue('textarea[name="shipAddress"]')).toContain('ซอยอารีย์');
    expect(await page.inputValue('input[name="shipPostcode"]')).toBe('10400');
    expect(problems).toEqual([]);
    await context.close();
  });
});
