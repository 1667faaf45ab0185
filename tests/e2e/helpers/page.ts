/** Checks every back-office browser test makes on its pages. */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Collects what the page complains about: script errors, console errors and refused resources (a CSP
 * violation is one). `allow` names addresses whose 4xx answers are part of the test (a refused sign-in).
 */
export function watchProblems(page: Page, opts: { allow?: RegExp } = {}): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()} ${msg.location().url}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !opts.allow?.test(res.url())) problems.push(`${res.status()} ${res.url()}`);
  });
  return problems;
}

/** The page fits its window: nothing to scroll sideways. */
export async function noHorizontalOverflow(page: Page) {
  // A string, evaluated in the page: this project's TypeScript has no DOM types.
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  expect(scrollWidth, `page is ${scrollWidth}px wide in a ${innerWidth}px window`).toBeLessThanOrEqual(innerWidth);
}
