import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct } from '../helpers/factories.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { noHorizontalOverflow, watchProblems } from './helpers/page.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';

const SCREENSHOTS = '/tmp';

describe.skipIf(!hasChromium())(`the back office in a browser ${chromiumMissingReason() ?? ''}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await buildTestApp();
    await makeProduct(t.database.db, { sku: 'E2E-TEE', price: 25_900, nameTh: 'เสื้อยืดลายช้าง', nameEn: 'Elephant tee', stock: { MAIN: 40 } });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${t.config.apiToken}`, 'content-type': 'application/json', ...init.headers },
    });

  it('signs in, sees a new order arrive live, marks it paid, confirms it and ships it with a tracking number', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems = watchProblems(page, { allow: /\/admin\/login/ });

    await page.goto(`${base}/admin/orders`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('input[name="email"]', 'owner@example.com');
    await page.fill('input[name="password"]', 'correct horse battery');
    await Promise.all([page.waitForURL(`${base}/admin/orders`), page.click('button[type="submit"]')]);
    await expect.poll(() => page.locator('#order-rows').getAttribute('data-live')).toBe('true');

    // A website sends an order through the JSON API while the list is open.
    const created = await api('/orders', {
      method: 'POST',
      headers: { 'idempotency-key': 'e2e-admin-desk-1' },
      body: JSON.stringify({
        channel: 'api',
        customer: { name: 'สมชาย ทดสอบ', phone: '081-555-0101' },
        lines: [{ sku: 'E2E-TEE', qty: 2 }],
        shippingAddress: { name: 'สมชาย ทดสอบ', phone: '0815550101', address: '99/1 ถนนนิมมานเหมินท์ เชียงใหม่', postcode: '50200' },
      }),
    });
    expect(created.status).toBe(201);
    const { number } = (await created.json()) as { number: string };

    // It appears without a reload: the row is put on top of the list, and a toast says so.
    const row = page.locator(`#order-${number}`);
    await row.waitFor({ state: 'visible', timeout: WAIT_MS });
    await expect.poll(() => page.locator('#order-rows tr').first().getAttribute('id')).toBe(`order-${number}`);
    await page.locator('.toast', { hasText: number }).waitFor({ state: 'visible' });

    await Promise.all([page.waitForURL(`${base}/admin/orders/${number}`), row.locator('a.order-link').click()]);
    await expect.poll(() => page.locator('#order-status').getAttribute('class')).toContain('status-pending_payment');

    // The buttons post through htmx, with the session's CSRF token in the header htmx adds from <body>.
    const posts: { url: string; headers: Record<string, string> }[] = [];
    page.on('request', (req) => {
      if (req.method() === 'POST') posts.push({ url: req.url(), headers: req.headers() });
    });
    await page.click('[data-action="paid"]');
    await expect.poll(() => page.locator('#order-status').getAttribute('class')).toContain('status-paid');
    expect(page.url()).toBe(`${base}/admin/orders/${number}`);
    const paidPost = posts.find((p) => p.url.endsWith(`/admin/orders/${number}/status`))!;
    expect(paidPost.headers['hx-request']).toBe('true');
    expect(paidPost.headers['x-csrf-token']).toMatch(/^[\w-]{40,}$/);
    await page.click('[data-action="confirmed"]');
    await expect.poll(() => page.locator('#order-status').getAttribute('class')).toContain('status-confirmed');

    await page.selectOption('#ship-carrier', 'flash');
    await page.fill('#ship-tracking', 'TH1234567890');
    await page.click('[data-action="shipped"]');
    await expect.poll(() => page.locator('#order-status').getAttribute('class')).toContain('status-shipped');
    await page.locator('#shipments', { hasText: 'TH1234567890' }).waitFor();

    const order = (await (await api(`/orders/${number}`)).json()) as {
      status: string;
      shipments: { carrier: string; trackingNumber: string }[];
      payments: { status: string }[];
      history: { to: string; actor: string }[];
    };
    expect(order.status).toBe('shipped');
    expect(order.shipments).toEqual([expect.objectContaining({ carrier: 'Flash Express', trackingNumber: 'TH1234567890' })]);
    expect(order.payments.map((p) => p.status)).toEqual(['confirmed']);
    expect(order.history.slice(1).map((h) => [h.to, h.actor])).toEqual([
      ['paid', 'admin:owner@example.com'],
      ['confirmed', 'admin:owner@example.com'],
      ['shipped', 'admin:owner@example.com'],
    ]);

    // An internal note goes in through htmx and shows up without leaving the page.
    await page.fill('#f-note-note', 'ห่อกันกระแทก 2 ชั้น');
    await page.click('#activity button[type="submit"]');
    await page.locator('#timeline', { hasText: 'ห่อกันกระแทก 2 ชั้น' }).waitFor();

    // The list's search swaps the results in place and keeps the address shareable.
    await page.goto(`${base}/admin/orders`);
    await page.fill('input[name="q"]', '0815550101');
    await page.press('input[name="q"]', 'Enter');
    await page.waitForURL(/\/admin\/orders\?.*q=0815550101/);
    await page.locator(`#order-${number}`).waitFor();
    await page.goto(`${base}/admin/orders/${number}`);

    // Screenshots at desktop and phone sizes, and no sideways scrolling at either.
    await page.screenshot({ path: `${SCREENSHOTS}/talad-admin-order-1280.png`, fullPage: true });
    await noHorizontalOverflow(page);
    await page.goto(`${base}/admin`);
    await page.locator('#chart-orders').waitFor();
    await expect.poll(() => page.locator('#chart-orders').getAttribute('data-drawn')).toBe('1');
    await page.screenshot({ path: `${SCREENSHOTS}/talad-admin-dashboard-1280.png`, fullPage: true });
    await noHorizontalOverflow(page);
    await page.goto(`${base}/admin/orders`);
    await page.screenshot({ path: `${SCREENSHOTS}/talad-admin-orders-1280.png`, fullPage: true });
    await noHorizontalOverflow(page);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/admin`);
    await page.locator('#chart-orders').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/talad-admin-dashboard-390.png`, fullPage: true });
    await noHorizontalOverflow(page);
    // The sidebar is a drawer on a phone.
    expect(await page.locator('#sidebar').isVisible()).toBe(false);
    await page.click('[data-nav-toggle]');
    await page.locator('#sidebar').waitFor({ state: 'visible' });
    await page.click('[data-nav-toggle]');

    await page.goto(`${base}/admin/orders/${number}`);
    await page.screenshot({ path: `${SCREENSHOTS}/talad-admin-order-390.png`, fullPage: true });
    await noHorizontalOverflow(page);
    await page.goto(`${base}/admin/orders`);
    await page.screenshot({ path: `${SCREENSHOTS}/talad-admin-orders-390.png`, fullPage: true });
    await noHorizontalOverflow(page);
    await page.goto(`${base}/admin/users`);
    await page.screenshot({ path: `${SCREENSHOTS}/talad-admin-users-390.png`, fullPage: true });
    await noHorizontalOverflow(page);

    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows the lockout message after five wrong passwords', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    for (let i = 0; i < 5; i++) {
      await page.goto(`${base}/admin/login?lang=en`);
      await page.fill('input[name="email"]', 'owner@example.com');
      await page.fill('input[name="password"]', `wrong password ${i}`);
      await Promise.all([page.waitForLoadState('load'), page.click('button[type="submit"]')]);
    }
    const alert = page.locator('#login-error');
    await expect.poll(() => alert.textContent()).toContain('Too many failed sign-ins');
    await noHorizontalOverflow(page);
    await page.screenshot({ path: `${SCREENSHOTS}/talad-admin-login-locked-390.png` });
    await context.close();
  });
});
