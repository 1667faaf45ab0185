// tesseract.js workers for slip text, with the language data from the installed packages
// (never downloaded). Loaded on first use and stopped after a while unused: each Thai + English
// worker holds ~100 MB, which a small server should not pay for while no slip arrives.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Word, Worker } from 'tesseract.js';
import type { Box } from './image-ops.ts';
import type { Budget } from '../../../lib/budget.ts';
import { usableMemory } from '../../../lib/memory.ts';

export type OcrWord = { text: string; box: Box; confidence: number };
export type OcrLine = { text: string; box: Box; words: OcrWord[]; confidence: number };
export type OcrResult = { text: string; confidence: number; lines: OcrLine[] };

export type OcrLogger = { info(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };

/** Under this much memory (a 1-2 GB VPS, or a container limited to that) the OCR workers are kept lean. */
const SMALL_SERVER_BYTES = 3 * 2 ** 30;

/**
 * How many Thai + English workers to keep by default: one on a small server or on two cores or fewer
 * (a second would take the last core from the requests and the database, and another ~100 MB, for a
 * slip read in 0.5 s instead of 0.75), else two. OCR_WORKERS overrides it.
 */
export function defaultOcrWorkers(memoryBytes = usableMemory(), cores = availableParallelism()): number {
  if (memoryBytes < SMALL_SERVER_BYTES) return 1;
  return Math.max(1, Math.min(2, Math.floor(cores / 2)));
}

/**
 * How long the workers stay after the last slip: ten minutes, two on a small server, where the
 * memory they hold (some 150 MB) is wanted back sooner; the next slip starts them again in seconds.
 */
export function defaultOcrIdleMs(memoryBytes = usableMemory()): number {
  return memoryBytes < SMALL_SERVER_BYTES ? 2 * 60_000 : 10 * 60_000;
}

// ---------------------------------------------------------------------------
// Language data

const require = createRequire(import.meta.url);

function languageDir(lang: 'eng' | 'tha'): string {
  const pkgDir = path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`));
  // 4.0.0_best_int is the LSTM-only model tesseract.js itself picks for OEM
  // LSTM_ONLY; the package's exported langPath (4.0.0) also carries the
  // legacy engine we never run, and its Thai output comes back letter-spaced.
  const best = path.join(pkgDir, '4.0.0_best_int');
  if (existsSync(path.join(best, `${lang}.traineddata.gz`))) return best;
  return (require(`@tesseract.js-data/${lang}`) as { langPath: string }).langPath;
}

/**
 * tesseract.js reads every language from one langPath, but each language
 * ships in its own package; so link both files into one folder. Nothing is
 * fetched: a missing file fails here, not with a download.
 */
function prepareLangPath(): string {
  const sources = (['eng', 'tha'] as const).map((lang) => ({ lang, file: path.join(languageDir(lang), `${lang}.traineddata.gz`) }));
  for (const { file } of sources) {
    if (!existsSync(file)) throw new Error(`tesseract language data missing: ${file}`);
  }
  const key = createHash('sha1').update(sources.map((s) => s.file).join('|')).digest('hex').slice(0, 12);
  const dir = path.join(tmpdir(), `talad-tessdata-${key}`);
  mkdirSync(dir, { recursive: true });
  for (const { lang, file } of sources) {
    const target = path.join(dir, `${lang}.traineddata.gz`);
    try {
      if (readlinkSync(target) === file) continue;
    } catch {
      // Missing, or not our link: (re)made below.
    }
    // Link under a temporary name, then rename over: parallel test
    // processes may be doing the same at the same moment.
    const temp = `${target}.${process.pid}.${Date.now()}`;
    try {
      symlinkSync(file, temp);
    } catch {
      copyFileSync(file, temp);
    }
    renameSync(temp, target);
  }
  return dir;
}

// ---------------------------------------------------------------------------
// Reading a page's result

/**
 * The baht sign (฿) has a bar through it that rises above and drops below
 * the digits; tesseract reads it as "8". A leading "8" that overhangs the
 * digits after it at both ends is turned back into "฿".
 */
function restoreBahtSign(word: Word): string {
  if (!/^8\d[\d,]*[.,]\d{2}/.test(word.text) || word.symbols.length < 4) return word.text;
  const [first, ...rest] = word.symbols;
  if (!first) return word.text;
  const digits = rest.filter((s) => /\d/.test(s.text));
  const heights = digits.map((s) => s.bbox.y1 - s.bbox.y0).sort((a, b) => a - b);
  const median = heights[Math.floor(heights.length / 2)];
  if (!median) return word.text;
  const above = Math.min(...digits.map((s) => s.bbox.y0)) - first.bbox.y0;
  const below = first.bbox.y1 - Math.max(...digits.map((s) => s.bbox.y1));
  if (above >= 1 && below >= 1 && above + below >= Math.max(3, median * 0.08)) return `฿${word.text.slice(1)}`;
  return word.text;
}

function collectLines(page: Page, offsetY: number): OcrResult {
  const lines: OcrLine[] = [];
  const out: string[] = [];
  const shift = (b: Box): Box => ({ x0: b.x0, x1: b.x1, y0: b.y0 + offsetY, y1: b.y1 + offsetY });
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        let text = line.text;
        for (const word of line.words) {
          const fixed = restoreBahtSign(word);
          if (fixed !== word.text) text = text.replace(word.text, fixed);
        }
        lines.push({
          text: text.trimEnd(),
          box: shift(line.bbox),
          confidence: line.confidence,
          words: line.words.map((w) => ({ text: w.text, box: shift(w.bbox), confidence: w.confidence })),
        });
        out.push(text.endsWith('\n') ? text : `${text}\n`);
      }
    }
  }
  return { text: out.join(''), confidence: page.confidence, lines };
}

// ---------------------------------------------------------------------------
// Pool

export type OcrPool = {
  readonly size: number;
  /** Starts the workers now (they otherwise start on the first read). */
  ready(): Promise<void>;
  /**
   * Page text with line and word boxes, shifted down by offsetY. 'block' reads the page as one
   * block of text (a label and its value stay on one line); 'column' lets line sizes vary (a
   * big amount in a header) and thresholds locally (light grey print), for a second reading.
   */
  readPage(png: Uint8Array, offsetY: number, layout?: 'block' | 'column'): Promise<OcrResult>;
  /** One line of Thai and English text; confidence is its least sure letter's. */
  readLine(png: Uint8Array): Promise<{ text: string; confidence: number }>;
  /**
   * One line of reference characters, read by a page worker allowed only A-Z, a-z and 0-9. A worker of
   * its own for English alone held about 50 MB more while the page workers were alive, and read the
   * references of QR-less slips no better (20 of 23 right against 21 of 23 this way).
   */
  readRefLine(png: Uint8Array): Promise<{ text: string; confidence: number }>;
  close(): Promise<void>;
};

/** tesseract.js's worker script behind a line that lowers the thread's priority (ocr-thread.cjs). */
const OCR_THREAD = fileURLToPath(new URL('./ocr-thread.cjs', import.meta.url));

const REF_WHITELIST = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

type Started = { page: Worker[]; idle: Worker[]; waiting: Array<(w: Worker) => void> };

export function createOcrPool(opts: { size: number; budget: Budget; logger: OcrLogger; idleMs?: number }): OcrPool {
  let started: Promise<Started> | null = null;
  let busy = 0;
  let idleTimer: NodeJS.Timeout | null = null;
  let closed = false;
  const idleMs = opts.idleMs ?? defaultOcrIdleMs();

  /** A Thai + English worker: the pool's only kind (pages, lines and reference lines). */
  async function make(langPath: string, params: Record<string, string>): Promise<Worker> {
    // Loaded here, not at the top: the app pays for tesseract.js only once a slip arrives.
    const { default: Tesseract } = await import('tesseract.js');
    const worker = await Tesseract.createWorker(['tha', 'eng'], Tesseract.OEM.LSTM_ONLY, {
      langPath,
      workerPath: OCR_THREAD,
      gzip: true,
      // Never write a cache into the working directory, never download.
      cacheMethod: 'none',
      errorHandler: (err: unknown) => opts.logger.error({ err }, 'tesseract worker error'),
    });
    await worker.setParameters(params);
    return worker;
  }

  function start(): Promise<Started> {
    started ??= (async () => {
      const began = Date.now();
      const langPath = prepareLangPath();
      const { default: Tesseract } = await import('tesseract.js');
      const page = await Promise.all(
        Array.from({ length: opts.size }, () =>
          make(langPath, {
            // One uniform block keeps a label and its value on one line
            // ("จำนวนเงิน   1,250.00 บาท"); automatic layout splits them apart.
            tessedit_pageseg_mode: Tesseract.PSM.SINGLE_BLOCK,
            // The PNGs we hand over carry no density; without this tesseract
            // guesses one and warns about it on every image.
            user_defined_dpi: '300',
          }),
        ),
      );
      opts.logger.info({ workers: opts.size, ms: Date.now() - began }, 'slip OCR workers ready');
      return { page, idle: [...page], waiting: [] };
    })();
    // A failed start is tried again on the next read.
    started.catch(() => {
      started = null;
    });
    return started;
  }

  function touch(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
  }

  function rest(): void {
    if (busy > 0 || closed) return;
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (busy === 0) void stop();
    }, idleMs).unref();
  }

  async function stop(): Promise<void> {
    const s = started;
    started = null;
    if (!s) return;
    try {
      const { page } = await s;
      await Promise.all(page.map((w) => w.terminate()));
    } catch {
      // A pool that never started has nothing to stop.
    }
  }

  async function withWorker<T>(use: (w: Worker) => Promise<T>): Promise<T> {
    if (closed) throw new Error('slip reader is closed');
    busy++;
    touch();
    try {
      const s = await start();
      return await opts.budget.run(async () => {
        const worker = s.idle.pop() ?? (await new Promise<Worker>((resolve) => s.waiting.push(resolve)));
        try {
          return await use(worker);
        } finally {
          const next = s.waiting.shift();
          if (next) next(worker);
          else s.idle.push(worker);
        }
      });
    } finally {
      busy--;
      rest();
    }
  }

  return {
    size: opts.size,
    async ready() {
      await start();
      rest();
    },
    readPage(png, offsetY, layout = 'block') {
      return withWorker(async (worker) => {
        if (layout === 'block') {
          const { data } = await worker.recognize(Buffer.from(png), {}, { text: true, blocks: true });
          return collectLines(data, offsetY);
        }
        const { default: Tesseract } = await import('tesseract.js');
        // Tiled (adaptive) Otsu as well: one threshold for the whole page drops
        // light grey small print (the date on a shrunk or blurred photo).
        await worker.setParameters({ tessedit_pageseg_mode: Tesseract.PSM.SINGLE_COLUMN, thresholding_method: '1' } as Record<string, string>);
        try {
          const { data } = await worker.recognize(Buffer.from(png), {}, { text: true, blocks: true });
          return collectLines(data, offsetY);
        } finally {
          await worker.setParameters({ tessedit_pageseg_mode: Tesseract.PSM.SINGLE_BLOCK, thresholding_method: '0' } as Record<string, string>);
        }
      });
    },
    readLine(png) {
      return withWorker(async (worker) => {
        const { default: Tesseract } = await import('tesseract.js');
        await worker.setParameters({ tessedit_pageseg_mode: Tesseract.PSM.SINGLE_LINE });
        try {
          const { data } = await worker.recognize(Buffer.from(png), {}, { text: true, blocks: true });
          const words = (data.blocks ?? []).flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words)));
          const thai = words.filter((w) => /[\u0E01-\u0E4E]/.test(w.text));
          return { text: data.text.trim(), confidence: thai.length ? Math.min(...thai.map((w) => w.confidence)) : 0 };
        } finally {
          await worker.setParameters({ tessedit_pageseg_mode: Tesseract.PSM.SINGLE_BLOCK });
        }
      });
    },
    readRefLine(png) {
      return withWorker(async (worker) => {
        const { default: Tesseract } = await import('tesseract.js');
        await worker.setParameters({ tessedit_pageseg_mode: Tesseract.PSM.SINGLE_LINE, tessedit_char_whitelist: REF_WHITELIST });
        try {
          const { data } = await worker.recognize(Buffer.from(png), {}, { text: true, blocks: true });
          // The weakest word: one doubtful letter is what makes a reference wrong.
          const words = (data.blocks ?? []).flatMap((b) => b.paragraphs.flatMap((p) => p.lines.flatMap((l) => l.words)));
          const confidence = words.length ? Math.min(...words.map((w) => w.confidence)) : data.confidence;
          return { text: data.text.replace(/\s+/g, ''), confidence };
        } finally {
          await worker.setParameters({ tessedit_pageseg_mode: Tesseract.PSM.SINGLE_BLOCK, tessedit_char_whitelist: '' });
        }
      });
    },
    async close() {
      closed = true;
      touch();
      await stop();
    },
  };
}
