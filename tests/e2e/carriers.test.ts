import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productVariants } from '#src/db/schema/index.ts';
import { linesOf } from '#src/modules/orders/index.ts';
import { splitOrder } from '#src/workflows/orders/split-order.ts';
import { startCarrierBed, type CarrierBed } from '#tests/helpers/carriers.ts';
import { makeProduct } from '#tests/helpers/factories.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';
import { eq } from 'drizzle-orm';
import { chromiumMissingReason, hasChromium, launchBrowser } from './helpers/browser.ts';
import { noHorizontalOverflow, watchProblems } from './helpers/page.ts';

// Issue 17 in a browser: a split order's parcels booked from their buttons, a booking cancelled, and the
// desk's bulk booking whose page polls its progress until each order has its number or reason.
describe.skipIf(!hasChromium())(`carrier bookings in a browser ${chromiumMissingReason() ?? ''}`, () => {
  let bed: CarrierBed;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    bed = await startCarrierBed({ name: 'carriers-e2e' });
    base = await bed.t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await bed?.close();
  });

  async function signedIn(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'th-TH' });
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.fill('input[name="email"]', 'owner@example.com');
    await page.fill('input[name="password"]', 'correct horse battery');
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
    return page;
  }

  it('books the parcels of a split order one by one and cancels a booking (phone and desktop)', async () => {
    const skus = [];
    for (const [grams, price] of [[1_200, 89_000], [300, 25_000]] as const) {
      const { sku } = await makeProduct(bed.db(), { price, nameTh: grams > 1000 ? 'หม้อหุงข้าว' : 'กาแฟคั่วบด', stock: { MAIN: 50 } });
      await bed.db().update(productVariants).set({ weightGrams: grams }).where(eq(productVariants.sku, sku));
      skus.push(sku);
    }
    for (const viewport of [{ width: 390, height: 844 }, { width: 1366, height: 768 }]) {
      const { order } = await bed.confirmedLineOrder({ lines: skus.map((sku) => ({ sku, qty: 1 })) });
      const lines = await linesOf(bed.db(), order.id);
      const parcels = await splitOrder(bed.db(), { number: order.number, actor: 'staff', parcels: lines.map((l) => ({ lines: [{ orderLineId: l.id, qty: 1 }] })) });
      const page = await signedIn(viewport);
      const problems = watchProblems(page);
      await page.goto(`${base}/admin/orders/${order.number}`);
      for (const p of parcels) {
        await Promise.all([page.waitForURL(/done=booked/), page.click(`[data-book-parcel="${p.id}"]`)]);
      }
      expect(bed.flashOf(order.number)).toHaveLength(2);
      for (const p of bed.flashOf(order.number)) await expect.poll(() => page.locator('#shipments').textContent()).toContain(p.pno);
      await noHorizontalOverflow(page);
      await page.screenshot({ path: `/tmp/carriers-split-${viewport.width}.png`, fullPage: true });
      // The second parcel's booking cancelled: it is planned again, with its book button back.
      const [, second] = (await bed.parcelsOf(order.id)).filter((s) => s.status === 'booked');
      await Promise.all([page.waitForURL(/done=bookingCancelled/), page.click(`[data-cancel-booking="${second!.id}"]`)]);
      await expect.poll(() => page.locator('[data-book-parcel]').count()).toBe(1);
      await page.screenshot({ path: `/tmp/carriers-cancelled-${viewport.width}.png`, fullPage: true });
      expect(problems).toEqual([]);
      await page.context().close();
    }
  });

  it('shows the bulk booking progress while it runs, then each result and the retry of the failed ones', async () => {
    const numbers = [];
    for (let i = 0; i < 6; i++) numbers.push((await bed.confirmedLineOrder({ qty: 1 })).order.number);
    const page = await signedIn({ width: 1366, height: 768 });
    const problems = watchProblems(page);
    await page.goto(`${base}/admin/orders?status=confirmed`);
    for (const n of numbers) await page.check(`input[name="numbers"][value="${n}"]`);
    // Flash answers slowly at first, then refuses a few: the page shows the run going on.
    bed.flash.failNext(2, 'late-response', { only: '/open/v3/orders', hangMs: 1_500 });
    bed.flash.failNext(9, 'code0', { only: '/open/v3/orders' });
    await Promise.all([page.waitForURL(/\/admin\/orders\/bulk\/book\/[0-9a-f-]+$/), page.click('[data-bulk-book]')]);
    await expect.poll(() => page.locator('#bulk-book').getAttribute('data-status'), { timeout: WAIT_MS }).toBe('running');
    await page.screenshot({ path: '/tmp/carriers-bulk-running.png', fullPage: true });
    await expect.poll(() => page.locator('#bulk-book').getAttribute('data-status'), { timeout: WAIT_MS }).toBe('done');
    await page.screenshot({ path: '/tmp/carriers-bulk-done.png', fullPage: true });
    const failed = await page.locator('.result-failed').count();
    expect(failed + (await page.locator('.result-done').count())).toBe(6);
    // Booked in this run, even through a lost answer that Flash's "already have it" settled: not "booked before".
    expect(await page.locator('#bulk-book').textContent()).not.toContain('จองไว้ก่อนแล้ว');
    if (failed > 0) {
      await page.click('[data-retry]');
      await expect.poll(() => page.locator('#bulk-book').getAttribute('data-status'), { timeout: WAIT_MS }).toBe('done');
      await expect.poll(() => page.locator('.result-done').count()).toBe(failed);
    }
    for (const n of numbers) expect(bed.flashOf(n)).toHaveLength(1);
    expect(problems).toEqual([]);
  });
});
