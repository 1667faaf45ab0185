/**
 * Browser tests drive Debian's /usr/bin/chromium through playwright-core (which never downloads a browser).
 * A suite that needs it skips with a clear reason on a machine without it:
 *
 *   describe.skipIf(!hasChromium())('web chat', () => { ... });   // reason: chromiumMissingReason()
 */
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, LaunchOptions } from 'playwright-core';
import { WAIT_MS } from '#tests/helpers/wait.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function hasPlaywrightCore(): boolean {
  try {
    createRequire(import.meta.url).resolve('playwright-core');
    return true;
  } catch {
    return false;
  }
}

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissingReason(): string | undefined {
  if (!isExecutable(CHROMIUM_PATH)) {
    return `${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install -y chromium) to run browser tests`;
  }
  if (!hasPlaywrightCore()) return 'playwright-core is not installed (npm ci installs it from devDependencies)';
  return undefined;
}

/** True when Debian's chromium and playwright-core are both there. */
export function hasChromium(): boolean {
  return chromiumMissingReason() === undefined;
}

/** Launches headless chromium; close the browser in afterAll. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const reason = chromiumMissingReason();
  if (reason) throw new Error(reason);
  // Imported here, not at the top, so that a suite on a machine without it can still load and skip.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    timeout: WAIT_MS,
    ...options,
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
  // Every page waits minutes, not Playwright's 30 s default: a loaded machine renders slowly.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (contextOptions) => {
    const context = await newContext(contextOptions);
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    return context;
  };
  return browser;
}
