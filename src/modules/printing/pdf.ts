import type { Browser } from 'playwright-core';

export interface PdfRenderer {
  /** The PDF of a self-contained HTML document; its CSS @page decides the paper size. */
  render(html: string): Promise<Buffer>;
  /** Closes the browser if one runs; a later render launches a new one. */
  close(): Promise<void>;
  /** Whether a browser is running now (it is closed after idleMs without a document). */
  running(): boolean;
}

export interface PdfRendererOptions {
  executablePath: string;
  /** Pages rendered at once; further requests wait their turn (Chromium is heavy on a small server). */
  concurrency?: number;
  timeoutMs?: number;
  /**
   * Chromium is closed this long after the last document (default a minute): its processes hold some
   * 350 MB, which a small server should not keep for a label printed once a day. The next document
   * launches it again (about a second).
   */
  idleMs?: number;
  logger?: { warn(obj: unknown, msg?: string): void };
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/**
 * One Chromium shared by every request, launched on the first document (and again if it died or was
 * closed for being idle).
 * Documents are rendered offline: every request the page makes is refused, so a stray external
 * URL can neither leak data nor hang the render.
 */
export function createPdfRenderer(opts: PdfRendererOptions): PdfRenderer {
  const limit = Math.max(1, opts.concurrency ?? 2);
  const timeout = opts.timeoutMs ?? 30_000;
  const idleMs = opts.idleMs ?? 60_000;
  let launching: Promise<Browser> | undefined;
  let active = 0;
  const queue: (() => void)[] = [];
  /** Browsers closed on purpose (close(), or idle): their going away is no news. */
  const retired = new WeakSet<Browser>();
  let idleTimer: NodeJS.Timeout | undefined;

  /** Closes the browser on purpose (no "went away" warning); a later render launches a new one. */
  async function shut(): Promise<void> {
    const current = launching;
    launching = undefined;
    const b = current ? await current.catch(() => undefined) : undefined;
    if (!b) return;
    retired.add(b);
    await b.close().catch(() => undefined);
  }

  /** After the last document in flight: close the browser once idleMs pass without another. */
  function rest(): void {
    if (active > 0 || !launching) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (active === 0) void shut();
    }, idleMs).unref();
  }

  async function browser(): Promise<Browser> {
    if (launching) {
      const current = await launching.catch(() => undefined);
      if (current?.isConnected()) return current;
      launching = undefined;
    }
    const { chromium } = await import('playwright-core');
    launching = chromium.launch({ executablePath: opts.executablePath, headless: true, args: ARGS, timeout });
    const launched = await launching.catch((err: unknown) => {
      launching = undefined;
      throw err;
    });
    launched.on('disconnected', () => {
      if (!retired.has(launched)) opts.logger?.warn({}, 'the PDF browser went away; the next document starts a new one');
    });
    return launched;
  }

  async function slot(): Promise<() => void> {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active += 1;
    return () => {
      active -= 1;
      queue.shift()?.();
      rest();
    };
  }

  async function renderOnce(html: string): Promise<Buffer> {
    const context = await (await browser()).newContext({ javaScriptEnabled: false, offline: true });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(timeout);
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      return await page.pdf({ preferCSSPageSize: true, printBackground: true });
    } finally {
      await context.close().catch(() => undefined);
    }
  }

  return {
    async render(html) {
      const release = await slot();
      try {
        try {
          return await renderOnce(html);
        } catch (err) {
          // A browser that crashed between two documents: start a fresh one and try once more.
          const current = launching ? await launching.catch(() => undefined) : undefined;
          if (current?.isConnected()) throw err;
          launching = undefined;
          return await renderOnce(html);
        }
      } finally {
        release();
      }
    },
    async close() {
      clearTimeout(idleTimer);
      idleTimer = undefined;
      await shut();
    },
    running: () => launching !== undefined,
  };
}
