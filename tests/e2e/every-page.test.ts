/**
 * Every back-office page in a browser, on a phone (390×844) and a laptop (1366×768): nothing to scroll
 * sideways, no console error (a CSP refusal is one), and on the laptop the account and sign-out links in
 * view without scrolling the menu. The pages are the ones the language crawl reads: every GET route of
 * the back office and the pages they link to, a few of each kind.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutesOf } from '#admin/admin.plugin.ts';
import { findWarehouseByCode } from '#src/modules/inventory/index.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeApiOrder, makeUser, signIn, TEST_PASSWORD } from '../helpers/admin.ts';
import { makeProduct } from '../helpers/factories.ts';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { watchProblems } from './helpers/page.ts';

describe.skipIf(!hasChromium())(`every back-office page in a browser ${chromiumMissingReason() ?? ''}`, () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let email: string;

  beforeAll(async () => {
    t = await buildTestApp({ SHOP_NAME: 'ร้านตลาดดี', SHOP_ADDRESS: '99/1 ซอยสุขุมวิท 31 กรุงเทพฯ 10110', SHOP_PHONE: '021234567', PROMPTPAY_ID: '0812345678' });
    const db = t.database.db;
    email = (await makeUser(db, 'owner', { language: 'th', name: 'สมชาย ใจดี' })).email;
    const staff = await signIn(t.app, (await makeUser(db, 'staff', { language: 'th', name: 'วิชัย คลังดี' })).email);
    await makeProduct(db, { sku: 'PAGE-COFFEE', nameTh: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee 250 g', price: 32_000, stock: { MAIN: 80 } });
    await makeProduct(db, { sku: 'PAGE-TEA', nameTh: 'ชาไทยตรามือ สูตรดั้งเดิม', nameEn: 'Thai tea mix', price: 14_500, stock: { MAIN: 40, SUB: 10 } });
    const main = (await findWarehouseByCode(db, 'MAIN'))!;
    const sub = (await findWarehouseByCode(db, 'SUB'))!;
    await staff.post('/admin/stock/receive', { code: 'PAGE-COFFEE', warehouse: String(main.id), qty: '12', note: 'ล็อตใหม่จากโรงคั่ว ส่งตรงจากเชียงราย' });
    await staff.post('/admin/stock/transfer', { code: 'PAGE-TEA', from: String(main.id), to: String(sub.id), qty: '5', note: 'เติมสาขา' });
    const people = [
      { name: 'สมหญิง รักดี', phone: '081-234-5678' },
      { name: 'ประยุทธ มั่นคงยิ่งยืนนานตลอดไป', phone: '089-111-2222' },
    ];
    for (const [i, status] of (['pending_payment', 'payment_review', 'paid', 'confirmed', 'packed'] as const).entries()) {
      await makeApiOrder(t.app, i % 2 ? 'PAGE-TEA' : 'PAGE-COFFEE', { status, customer: people[i % 2]!, qty: 1 + i });
    }
    const shipped = await makeApiOrder(t.app, 'PAGE-COFFEE', { status: 'packed', customer: people[0]! });
    await t.app.inject({ method: 'POST', url: `/api/v1/orders/${shipped}/shipments`, headers: { authorization: `Bearer ${t.config.apiToken}` }, payload: { carrier: 'kerry', trackingNumber: 'KEX123456789' } });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signInAt(page: Page) {
    await page.goto(`${base}/admin/login`);
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', TEST_PASSWORD);
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
  }

  /** The pages to visit: every GET route without parameters, then what they link to, a few of each kind. */
  async function pagesFrom(page: Page, limit = 120): Promise<string[]> {
    const queue = [
      ...new Set(
        adminRoutesOf(t.app)
          .filter((r) => r.method === 'GET' && !r.url.includes(':') && !r.url.endsWith('.csv') && !/\/events|\/assets|\/login|\/preview|\/logo/.test(r.url))
          .map((r) => r.url),
      ),
    ];
    const seen: string[] = [];
    const byShape = new Map<string, number>();
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    while (queue.length && seen.length < limit) {
      const url = queue.shift()!;
      if (seen.includes(url)) continue;
      const shape = url.replace(/\?.*$/, '').replace(/\/[A-Z]{2}-?\d+|\/\d+/g, '/:id');
      if ((byShape.get(shape) ?? 0) >= 2) continue;
      byShape.set(shape, (byShape.get(shape) ?? 0) + 1);
      const res = await fetch(`${base}${url}`, { headers: { cookie }, redirect: 'manual' });
      if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('text/html')) continue;
      const html = await res.text();
      // Pages, not the pieces htmx puts into them.
      if (!html.startsWith('<!doctype html>')) continue;
      seen.push(url);
      for (const m of html.matchAll(/href="(\/admin[^"#]*)"/g)) {
        const link = m[1]!.replaceAll('&amp;', '&');
        if (/\.csv|\/logout|\/events|\/assets|\/print\/|\/slip(\?|$)|\/photos\/|\.(png|jpe?g|pdf)|format=pdf/.test(link)) continue;
        if (!seen.includes(link)) queue.push(link);
      }
    }
    return seen;
  }

  for (const viewport of [{ width: 390, height: 844 }, { width: 1366, height: 768 }]) {
    it(`fits ${viewport.width}×${viewport.height} on every page, with no console error`, async () => {
      const context = await browser.newContext({ viewport, locale: 'th-TH' });
      const page = await context.newPage();
      await signInAt(page);
      const urls = await pagesFrom(page);
      expect(urls.length).toBeGreaterThan(30);
      const problems: string[] = [];
      for (const url of urls) {
        const seen = watchProblems(page);
        await page.goto(`${base}${url}`, { waitUntil: 'load' });
        const { scrollWidth, innerWidth, widest } = await page.evaluate<{ scrollWidth: number; innerWidth: number; widest: string }>(`(() => {
          const w = window.innerWidth;
          let widest = '';
          for (const el of document.querySelectorAll('main *')) {
            const r = el.getBoundingClientRect();
            if (r.right > w + 1 && getComputedStyle(el).position !== 'fixed' && !el.closest('.table-wrap, .scroll-x')) { widest = el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(r.right) + ' "' + (el.textContent || '').trim().slice(0, 40) + '"'; }
          }
          return { scrollWidth: document.documentElement.scrollWidth, innerWidth: w, widest };
        })()`);
        if (scrollWidth > innerWidth || widest) problems.push(`${url}: ${scrollWidth}px in ${innerWidth}px ${widest}`);
        if (viewport.width >= 900) {
          // The account and sign-out are in view on a laptop without scrolling anything.
          for (const sel of ['a[href="/admin/account"]', 'form[action="/admin/logout"] button']) {
            if ((await page.locator(sel).count()) === 0) {
              problems.push(`${url}: no ${sel}`);
              continue;
            }
            const box = await page.locator(sel).first().boundingBox();
            if (!box || box.y < 0 || box.y + box.height > viewport.height || !(await page.locator(sel).first().isVisible())) problems.push(`${url}: ${sel} not in view`);
          }
        }
        page.removeAllListeners('console');
        page.removeAllListeners('pageerror');
        page.removeAllListeners('response');
        problems.push(...seen.map((p) => `${url}: ${p}`));
      }
      await page.goto(`${base}/admin/orders`);
      await page.screenshot({ path: `/tmp/firsthour-orders-${viewport.width}.png` });
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('swaps the order page with htmx without a CSP refusal or any console error', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'th-TH' });
    const page = await context.newPage();
    await signInAt(page);
    const number = await makeApiOrder(t.app, 'PAGE-TEA', { status: 'paid', customer: { name: 'กาญจนา สุขใจ', phone: '062-333-4444' } });
    const problems = watchProblems(page);
    const csp: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) csp.push(msg.text());
    });
    await page.goto(`${base}/admin/orders/${number}`);
    await page.click('[data-action="confirmed"]');
    await expect.poll(() => page.locator('#order-page .badge.status-confirmed').count()).toBeGreaterThan(0);
    await page.fill('#order-page form[action$="/notes"] textarea', 'ลูกค้าขอให้ห่อของขวัญ');
    await page.click('#order-page form[action$="/notes"] button[type="submit"]');
    await expect.poll(() => page.locator('#order-page').textContent()).toContain('ลูกค้าขอให้ห่อของขวัญ');
    expect(csp).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
