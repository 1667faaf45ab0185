import { withTimeout } from '../../lib/timeout.ts';
import { launchChromium, type Chromium } from './chromium.ts';

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

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--hide-scrollbars', '--mute-audio'];

/** The address the document is served at inside the browser (answered from memory, never fetched). */
const DOCUMENT_URL = 'http://document.talad.invalid/';

/**
 * One Chromium shared by every request, launched on the first document (and again if it died or was
 * closed for being idle).
 * Documents are rendered offline, without JavaScript, each in a browser context of its own: the page
 * is answered from memory and every other request it makes is refused, so a stray external URL can
 * neither leak data nor hang the render.
 */
export function createPdfRenderer(opts: PdfRendererOptions): PdfRenderer {
  const limit = Math.max(1, opts.concurrency ?? 2);
  const timeout = opts.timeoutMs ?? 30_000;
  const idleMs = opts.idleMs ?? 60_000;
  let launching: Promise<Chromium> | undefined;
  let active = 0;
  const queue: (() => void)[] = [];
  /** Browsers closed on purpose (close(), or idle): their going away is no news. */
  const retired = new WeakSet<Chromium>();
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

  async function browser(): Promise<Chromium> {
    if (launching) {
      const current = await launching.catch(() => undefined);
      if (current?.isConnected()) return current;
      launching = undefined;
    }
    launching = launchChromium({ executablePath: opts.executablePath, args: ARGS, timeoutMs: timeout });
    const launched = await launching.catch((err: unknown) => {
      launching = undefined;
      throw err;
    });
    launched.onExit(() => {
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
    const b = await browser();
    const { browserContextId } = await b.send<{ browserContextId: string }>('Target.createBrowserContext', { disposeOnDetach: true });
    const stops: Array<() => void> = [];
    try {
      // Everything from the page's making to the last byte of the PDF, within the time allowed.
      const printed = (async () => {
        const { targetId } = await b.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank', browserContextId });
        const { sessionId } = await b.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
        const page = <T = Record<string, unknown>>(method: string, params?: Record<string, unknown>) => b.send<T>(method, params, sessionId);
        // The document from memory; anything else it asks for (an image URL, a font, a link) is refused.
        stops.push(
          b.on('Fetch.requestPaused', sessionId, (event) => {
            const { requestId, request } = event as { requestId: string; request: { url: string } };
            const answer =
              request.url === DOCUMENT_URL
                ? page('Fetch.fulfillRequest', { requestId, responseCode: 200, responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }], body: Buffer.from(html).toString('base64') })
                : page('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' });
            answer.catch(() => undefined);
          }),
        );
        const loaded = new Promise<void>((resolve) => stops.push(b.on('Page.loadEventFired', sessionId, () => resolve())));
        await Promise.all([page('Page.enable'), page('Emulation.setScriptExecutionDisabled', { value: true }), page('Fetch.enable', { patterns: [{ urlPattern: '*' }] })]);
        const { errorText } = await page<{ errorText?: string }>('Page.navigate', { url: DOCUMENT_URL });
        if (errorText) throw new Error(`the document did not load: ${errorText}`);
        await loaded;
        const { stream } = await page<{ stream: string }>('Page.printToPDF', { preferCSSPageSize: true, printBackground: true, transferMode: 'ReturnAsStream' });
        const parts: Buffer[] = [];
        for (;;) {
          const { data, base64Encoded, eof } = await page<{ data: string; base64Encoded?: boolean; eof: boolean }>('IO.read', { handle: stream, size: 1 << 20 });
          parts.push(Buffer.from(data, base64Encoded ? 'base64' : 'utf8'));
          if (eof) break;
        }
        await page('IO.close', { handle: stream });
        return Buffer.concat(parts);
      })();
      // Past the time allowed, the context goes (below) and what the print was waiting for fails unheard.
      return await withTimeout(printed, timeout, () => new Error(`the document was not printed in ${timeout} ms`));
    } finally {
      for (const stop of stops) stop();
      await b.send('Target.disposeBrowserContext', { browserContextId }).catch(() => undefined);
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
