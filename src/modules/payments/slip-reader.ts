// Reads a payment slip image: the verification QR (jsQR) and the printed
// text (tesseract.js, Thai + English, data from the installed packages).

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readlinkSync, renameSync, symlinkSync, copyFileSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import jsQRModule from 'jsqr';
import sharp, { type Sharp } from 'sharp';
import Tesseract from 'tesseract.js';
import type { Page, Worker } from 'tesseract.js';
import { ImageRejectedError, inspectImage, MAX_IMAGE_PIXELS } from './image-guard.ts';
import { parseSlipQr, type SlipQr } from './slip-qr.ts';
import { extractSlipFields, normalizeThaiText, type SlipParty } from './slip-text.ts';

// tesseract.js is CommonJS; its named exports are not visible to ESM.
const { createWorker, OEM, PSM } = Tesseract;
// jsqr is CommonJS whose module.exports is the function (with a .default
// copy); its typings describe only the ES default.
type JsQr = (typeof jsQRModule)['default'];
const jsQR: JsQr = (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr);

export type SlipReading = {
  /** Sending bank, short name (`KBANK`): from the QR when there is one. */
  bank: string | null;
  /** Satang. */
  amount: number | null;
  datetime: Date | null;
  transRef: string | null;
  receiver: SlipParty | null;
  sender: SlipParty | null;
  qr: { payload: string; crcValid: boolean } | null;
  /** 0..1: how much of the slip was read and how well it hangs together. */
  confidence: number;
  rawText: string;
  sha256: string;
  isSlip: boolean;
};

export type SlipReaderLogger = {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
};

export type SlipReaderOptions = {
  /** Warm tesseract workers; default: one per core, at most 2. */
  workers?: number;
  logger?: SlipReaderLogger;
};

export type SlipReader = {
  /** Resolves once every worker has loaded its language data. */
  ready(): Promise<void>;
  /** Throws ImageRejectedError for bytes that are not a usable image. */
  read(bytes: Buffer): Promise<SlipReading>;
  close(): Promise<void>;
};

// Slip text is 12-16 CSS px; at ~2 device px per CSS px a 720-800 px wide
// page gives tesseract the 20-30 px line height its LSTM works best at.
const OCR_WIDTH = Number(process.env.XW ?? 760);
// jsQR finds slip QRs at this width in a fraction of the full-size time.
const QR_FAST_WIDTH = 800;

const silentLogger: SlipReaderLogger = { info() {}, warn() {}, error() {}, debug() {} };

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
  const exported = (require(`@tesseract.js-data/${lang}`) as { langPath: string }).langPath;
  return exported;
}

/**
 * tesseract.js reads every language from one langPath, but each language
 * ships in its own package; so link both files into one folder. Nothing is
 * fetched: a missing file fails here, not with a download.
 */
function prepareLangPath(): string {
  const sources = (['eng', 'tha'] as const).map((lang) => ({
    lang,
    file: path.join(languageDir(lang), `${lang}.traineddata.gz`),
  }));
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
      // Not there yet, or a copy from a filesystem without symlinks.
      if (existsSync(target)) continue;
    }
    // Link under a temporary name, then rename: parallel test processes may
    // be doing the same thing at the same moment.
    const temp = `${target}.${process.pid}.${Date.now()}`;
    try {
      symlinkSync(file, temp);
    } catch {
      copyFileSync(file, temp);
    }
    try {
      renameSync(temp, target);
    } catch (err) {
      try {
        unlinkSync(temp);
      } catch {
        // already gone
      }
      if (!existsSync(target)) throw err;
    }
  }
  return dir;
}

// ---------------------------------------------------------------------------
// Worker pool

type Pool = {
  acquire(): Promise<Worker>;
  release(worker: Worker): void;
  size: number;
  terminate(): Promise<void>;
};

function createPool(workers: Worker[]): Pool {
  const idle = [...workers];
  const waiting: Array<(worker: Worker) => void> = [];
  return {
    size: workers.length,
    acquire() {
      const worker = idle.pop();
      if (worker) return Promise.resolve(worker);
      return new Promise((resolve) => waiting.push(resolve));
    },
    release(worker) {
      const next = waiting.shift();
      if (next) next(worker);
      else idle.push(worker);
    },
    async terminate() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

// ---------------------------------------------------------------------------
// Image preparation

type Gray = { data: Buffer; width: number; height: number };

function firstChannel(data: Buffer, channels: number): Buffer {
  if (channels === 1) return data;
  const out = Buffer.alloc(data.length / channels);
  for (let i = 0, j = 0; j < out.length; i += channels, j++) out[j] = data[i] ?? 0;
  return out;
}

function toRgba(gray: Gray): Uint8ClampedArray {
  const out = new Uint8ClampedArray(gray.width * gray.height * 4);
  const src = gray.data;
  for (let i = 0, j = 0; i < src.length; i++, j += 4) {
    const v = src[i] ?? 0;
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
    out[j + 3] = 255;
  }
  return out;
}

function fromGray(gray: Gray): Sharp {
  return sharp(gray.data, { raw: { width: gray.width, height: gray.height, channels: 1 } });
}

// sharp turns one-channel raw input into sRGB unless told otherwise.
async function toGray(pipeline: Sharp): Promise<Gray> {
  const { data, info } = await pipeline.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { data: firstChannel(data, info.channels), width: info.width, height: info.height };
}

function resizeGray(gray: Gray, width: number): Promise<Gray> {
  return toGray(fromGray(gray).resize({ width, kernel: 'lanczos3' }));
}

function medianOfCentre(gray: Gray): number {
  const histogram = new Array<number>(256).fill(0);
  const x0 = Math.floor(gray.width * 0.2);
  const x1 = Math.ceil(gray.width * 0.8);
  const y0 = Math.floor(gray.height * 0.2);
  const y1 = Math.ceil(gray.height * 0.8);
  let count = 0;
  for (let y = y0; y < y1; y += 2) {
    for (let x = x0; x < x1; x += 2) {
      const v = gray.data[y * gray.width + x] ?? 0;
      histogram[v] = (histogram[v] ?? 0) + 1;
      count++;
    }
  }
  let acc = 0;
  for (let v = 0; v < 256; v++) {
    acc += histogram[v] ?? 0;
    if (acc >= count / 2) return v;
  }
  return 255;
}

function contrastSpread(gray: Gray): number {
  let min = 255;
  let max = 0;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let i = 0; i < gray.data.length; i += 7) {
    const v = gray.data[i] ?? 0;
    sum += v;
    sumSq += v * v;
    n++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
}

/**
 * Skew of a photographed screen, from the horizontal-edge profile: rows of
 * text line up best at the angle that makes the profile spikiest. Small
 * angles only; screenshots come back as 0.
 */
function estimateSkewDegrees(gray: Gray): number {
  const { width, height, data } = gray;
  const points: number[] = [];
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const d = Math.abs((data[row + x + 1] ?? 0) - (data[row + x - 1] ?? 0));
      if (d > 60) points.push(x, y);
    }
  }
  if (points.length < 200) return 0;
  const score = (degrees: number): number => {
    const t = Math.tan((degrees * Math.PI) / 180);
    const bins = new Float64Array(height + width);
    const offset = Math.ceil(width * Math.abs(t)) + 1;
    for (let i = 0; i < points.length; i += 2) {
      const x = points[i] ?? 0;
      const y = points[i + 1] ?? 0;
      const yy = Math.round(y - x * t) + offset;
      if (yy >= 0 && yy < bins.length) bins[yy] = (bins[yy] ?? 0) + 1;
    }
    let s = 0;
    for (const b of bins) s += b * b;
    return s;
  };
  let best = 0;
  let bestScore = score(0);
  for (let a = -5; a <= 5; a += 0.5) {
    const s = score(a);
    if (s > bestScore) {
      bestScore = s;
      best = a;
    }
  }
  for (let a = best - 0.4; a <= best + 0.4; a += 0.1) {
    const s = score(a);
    if (s > bestScore * 1.0001) {
      bestScore = s;
      best = a;
    }
  }
  return Math.abs(best) < 0.4 ? 0 : Math.round(best * 10) / 10;
}

/**
 * Turns every region into dark text on white: the local background (median
 * over ~100 px) says whether a region is light or dark; dark ones (dark
 * mode, coloured headers with white text) are inverted, and each pixel is
 * divided by its background, which also wipes out desk and fabric texture
 * around a photographed phone. Tesseract's layout analysis drops lines that
 * sit on such texture or on a dark band.
 */
async function flattenBackground(gray: Gray): Promise<Gray> {
  const { width, height, data } = gray;
  const sw = Math.max(1, Math.round(width / 4));
  const sh = Math.max(1, Math.round(height / 4));
  const small = await toGray(fromGray(gray).resize({ width: sw, height: sh, fit: 'fill' }));
  const step = 6;
  const half = 12;
  const gw = Math.ceil(sw / step);
  const gh = Math.ceil(sh / step);
  const grid = Buffer.alloc(gw * gh);
  const histogram = new Uint32Array(256);
  for (let ty = 0; ty < gh; ty++) {
    for (let tx = 0; tx < gw; tx++) {
      histogram.fill(0);
      let n = 0;
      const cx = tx * step + step / 2;
      const cy = ty * step + step / 2;
      const y0 = Math.max(0, Math.floor(cy - half));
      const y1 = Math.min(sh, Math.ceil(cy + half));
      const x0 = Math.max(0, Math.floor(cx - half));
      const x1 = Math.min(sw, Math.ceil(cx + half));
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const v = small.data[y * sw + x] ?? 0;
          histogram[v] = (histogram[v] ?? 0) + 1;
          n++;
        }
      }
      let acc = 0;
      let v = 0;
      for (; v < 255; v++) {
        acc += histogram[v] ?? 0;
        if (acc * 2 >= n) break;
      }
      grid[ty * gw + tx] = v;
    }
  }
  const background = await toGray(
    fromGray({ data: grid, width: gw, height: gh }).resize({ width, height, fit: 'fill', kernel: 'linear' }),
  );
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) {
    let p = data[i] ?? 255;
    let b = background.data[i] ?? 255;
    if (b < 110) {
      p = 255 - p;
      b = 255 - b;
    }
    out[i] = Math.min(255, Math.round((p * 255) / Math.max(b, 24)));
  }
  return toGray(fromGray({ data: out, width, height }).normalise());
}

/** A row near the middle with no text on it, so two halves can be read apart. */
function findSplitRow(gray: Gray): number {
  const { width, height, data } = gray;
  const energy = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let e = 0;
    for (let x = 1; x < width; x++) e += Math.abs((data[row + x] ?? 0) - (data[row + x - 1] ?? 0)) > 40 ? 1 : 0;
    energy[y] = e;
  }
  // The quietest row whose neighbours are quiet too: the middle of a gap
  // between lines, not the thin gap under one line's vowels.
  const reach = 5;
  let bestRow = Math.floor(height / 2);
  let bestScore = Infinity;
  for (let y = Math.floor(height * 0.4); y <= Math.ceil(height * 0.6); y++) {
    let score = 0;
    for (let k = -reach; k <= reach; k++) score = Math.max(score, energy[Math.min(height - 1, Math.max(0, y + k))] ?? 0);
    // Prefer the middle when several gaps are equally clean.
    score += Math.abs(y - height / 2) / height;
    if (score < bestScore) {
      bestScore = score;
      bestRow = y;
    }
  }
  return bestRow;
}

type Prepared = {
  sha256: string;
  full: Gray;
  ocr: Gray;
  dark: boolean;
  flat: boolean;
  skew: number;
};

async function prepare(bytes: Buffer, sha256: string): Promise<Prepared> {
  // failOn 'truncated': the guard already refused broken files; this keeps a
  // file damaged in a way it missed from being read as half an image.
  const decoded = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated' })
    .rotate()
    // Transparent PNGs: what shows on a phone is the image over white.
    .flatten({ background: '#ffffff' })
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const full: Gray = { data: firstChannel(decoded.data, decoded.info.channels), width: decoded.info.width, height: decoded.info.height };
  const small = await resizeGray(full, Math.min(OCR_WIDTH, full.width));
  const flat = contrastSpread(small) < 4;
  const dark = medianOfCentre(small) < 90;

  let pipeline = fromGray(full);
  if (dark) pipeline = pipeline.negate({ alpha: false });
  // Upscaling small screenshots helps as much as downscaling big ones.
  let ocr = await toGray(pipeline.resize({ width: OCR_WIDTH, kernel: 'lanczos3' }).normalise());
  if (process.env.XFLAT) ocr = await flattenBackground(await resizeGray(full, OCR_WIDTH));

  let skew = 0;
  if (!flat) {
    skew = estimateSkewDegrees(await resizeGray(ocr, 380));
    if (skew !== 0) ocr = await toGray(fromGray(ocr).rotate(-skew, { background: { r: 255, g: 255, b: 255 } }));
  }
  return { sha256, full, ocr, dark, flat, skew };
}

// ---------------------------------------------------------------------------
// QR

function decodeQrOnce(gray: Gray, inversion: 'dontInvert' | 'attemptBoth'): SlipQr | 'other' | null {
  const found = jsQR(toRgba(gray), gray.width, gray.height, { inversionAttempts: inversion });
  if (!found) return null;
  return parseSlipQr(found.data) ?? 'other';
}

function crop(gray: Gray, top: number, height: number, scale: number): Promise<Gray> {
  return toGray(
    fromGray(gray)
      .extract({ left: 0, top, width: gray.width, height })
      .resize({ width: Math.round(gray.width * scale) }),
  );
}

/**
 * Cheapest first: a downscaled copy finds nearly every slip QR; then the
 * full-size image with both polarities; then halves enlarged, for a QR that
 * is small in a large photo.
 */
async function findSlipQr(full: Gray): Promise<{ qr: SlipQr | null; otherQr: boolean }> {
  let otherQr = false;
  const attempts: Array<() => Promise<Gray> | Gray> = [
    () => (full.width > QR_FAST_WIDTH ? resizeGray(full, QR_FAST_WIDTH) : full),
    () => full,
    () => crop(full, Math.floor(full.height * 0.4), full.height - Math.floor(full.height * 0.4), 1.5),
    () => crop(full, 0, Math.ceil(full.height * 0.6), 1.5),
  ];
  for (const [i, attempt] of attempts.entries()) {
    if (i === 0 && full.width <= QR_FAST_WIDTH) continue;
    const gray = await attempt();
    const result = decodeQrOnce(gray, i === 0 ? 'dontInvert' : 'attemptBoth');
    if (result === 'other') otherQr = true;
    else if (result) return { qr: result, otherQr };
    // Give the event loop a turn between synchronous decodes.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { qr: null, otherQr };
}

// ---------------------------------------------------------------------------
// OCR

type OcrResult = { text: string; confidence: number };

async function encodePng(gray: Gray, top = 0, height = gray.height): Promise<Buffer> {
  return fromGray(gray)
    .extract({ left: 0, top, width: gray.width, height })
    .toColourspace('b-w')
    .png({ compressionLevel: 1 })
    .toBuffer().then(async (b) => { if (process.env.XDUMP) (await import('node:fs')).writeFileSync(`/tmp/slipwork/dump-${top}.png`, b); return b; });
}

/**
 * The baht sign (฿) has a bar through it that rises above and drops below
 * the digits; tesseract reads it as "8". A leading "8" noticeably taller
 * than the digits after it is turned back into "฿".
 */
function restoreBahtSigns(page: Page): string {
  const out: string[] = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        let text = line.text;
        for (const word of line.words) {
          if (process.env.XSYM && /^8\d/.test(word.text)) console.error('SYM', JSON.stringify(word.symbols.map((s) => [s.text, s.bbox])));
          if (!/^8\d[\d,]*[.,]\d{2}/.test(word.text) || word.symbols.length < 4) continue;
          const [first, ...rest] = word.symbols;
          if (!first) continue;
          const digitHeights = rest
            .filter((s) => /\d/.test(s.text))
            .map((s) => s.bbox.y1 - s.bbox.y0)
            .sort((a, b) => a - b);
          const median = digitHeights[Math.floor(digitHeights.length / 2)];
          if (!median) continue;
          const above = Math.min(...rest.map((s) => s.bbox.y0)) - first.bbox.y0;
          const below = first.bbox.y1 - Math.max(...rest.map((s) => s.bbox.y1));
          if (above >= 1 && below >= 1 && above + below >= Math.max(3, median * 0.08)) text = text.replace(word.text, `฿${word.text.slice(1)}`);
        }
        out.push(text.endsWith('\n') ? text : `${text}\n`);
      }
    }
  }
  return out.join('');
}

async function recognize(pool: Pool, png: Buffer): Promise<OcrResult> {
  const worker = await pool.acquire();
  try {
    const { data } = await worker.recognize(png, {}, { text: true, blocks: true });
    const text = data.blocks ? restoreBahtSigns(data) : data.text;
    return { text, confidence: data.confidence };
  } finally {
    pool.release(worker);
  }
}

async function ocrPage(pool: Pool, image: Gray): Promise<OcrResult> {
  if (pool.size < 2 || image.height < 400) return recognize(pool, await encodePng(image));
  // Two halves on two workers halve the wall-clock time on a 2-core box;
  // splitting on an empty row keeps every text line whole.
  const split = findSplitRow(image);
  const [top, bottom] = await Promise.all([encodePng(image, 0, split), encodePng(image, split, image.height - split)]);
  const [a, b] = await Promise.all([recognize(pool, top), recognize(pool, bottom)]);
  return { text: `${a.text.trimEnd()}\n${b.text}`, confidence: (a.confidence + b.confidence) / 2 };
}

// ---------------------------------------------------------------------------

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function createSlipReader(options: SlipReaderOptions = {}): SlipReader {
  const logger = options.logger ?? silentLogger;
  const count = Math.max(1, Math.floor(options.workers ?? Math.min(2, availableParallelism())));
  let closed = false;

  const poolPromise: Promise<Pool> = (async () => {
    const langPath = prepareLangPath();
    const started = Date.now();
    const workers = await Promise.all(
      Array.from({ length: count }, () =>
        createWorker(['tha', 'eng'], OEM.LSTM_ONLY, {
          langPath,
          gzip: true,
          // Never write a cache into the working directory, never download.
          cacheMethod: 'none',
          errorHandler: (err: unknown) => logger.error({ err }, 'tesseract worker error'),
        }),
      ),
    );
    await Promise.all(
      workers.map((w) =>
        w.setParameters({
          tessedit_pageseg_mode: (process.env.XPSM ?? PSM.AUTO) as typeof PSM.AUTO,
          // The PNGs we hand over carry no density; without this tesseract
          // guesses one and prints a warning for every image.
          user_defined_dpi: process.env.XDPI ?? '300',
        }),
      ),
    );
    logger.info({ workers: count, ms: Date.now() - started }, 'slip reader ready');
    return createPool(workers);
  })();
  // Surfaces on the first read(); this only stops an unhandled rejection.
  poolPromise.catch((err: unknown) => logger.error({ err }, 'slip reader failed to start'));

  async function read(bytes: Buffer): Promise<SlipReading> {
    if (closed) throw new Error('slip reader is closed');
    const started = performance.now();
    const inspection = await inspectImage(bytes);
    if (!inspection.ok) throw new ImageRejectedError(inspection.code, inspection.message);
    const pool = await poolPromise;

    const prepStarted = performance.now();
    const prepared = await prepare(bytes, inspection.sha256);
    const prepMs = performance.now() - prepStarted;
    const empty: SlipReading = {
      bank: null,
      amount: null,
      datetime: null,
      transRef: null,
      receiver: null,
      sender: null,
      qr: null,
      confidence: 0,
      rawText: '',
      sha256: inspection.sha256,
      isSlip: false,
    };
    if (prepared.flat) {
      logger.debug({ sha256: inspection.sha256 }, 'flat image, nothing to read');
      return empty;
    }

    const ocrPromise = ocrPage(pool, prepared.ocr);
    // jsQR runs on this thread while the workers read text on theirs.
    await new Promise((resolve) => setImmediate(resolve));
    const qrStarted = performance.now();
    const { qr } = await findSlipQr(prepared.full);
    const qrMs = performance.now() - qrStarted;
    const ocr = await ocrPromise;
    const ocrMs = performance.now() - qrStarted;

    const rawText = normalizeThaiText(ocr.text);
    const fields = extractSlipFields(rawText, { transRefHint: qr?.transRef ?? null, bankShortHint: qr?.bankShort ?? null });

    const transRef = qr?.transRef ?? fields.transRef;
    const bank = qr?.bankShort ?? fields.bank?.short ?? null;
    const textLooksLikeSlip =
      fields.amount !== null &&
      fields.amountLabelled &&
      (fields.datetime !== null || fields.transRef !== null || fields.successMarker) &&
      fields.labelCount >= 2;
    const isSlip = qr !== null || textLooksLikeSlip;

    let confidence = 0;
    if (qr) confidence += qr.crcValid ? 0.35 : 0.1;
    if (fields.amount !== null) confidence += fields.amountLabelled ? 0.2 : 0.1;
    if (fields.datetime) confidence += fields.datetimeSource === 'text' ? 0.15 : 0.1;
    if (transRef) confidence += qr && fields.transRef === qr.transRef ? 0.1 : 0.06;
    if (bank) confidence += qr && fields.bank?.short === qr.bankShort ? 0.05 : 0.03;
    if (fields.receiver?.name) confidence += 0.1;
    confidence += 0.05 * Math.max(0, Math.min(1, ocr.confidence / 100));
    if (!isSlip) confidence = Math.min(confidence, 0.2);

    logger.debug(
      {
        sha256: inspection.sha256,
        ms: Math.round(performance.now() - started),
        prepMs: Math.round(prepMs),
        qrMs: Math.round(qrMs),
        ocrMs: Math.round(ocrMs),
        dark: prepared.dark,
        skew: prepared.skew,
        qr: qr ? { bank: qr.bankShort, crcValid: qr.crcValid } : null,
      },
      'slip read',
    );

    return {
      bank,
      amount: fields.amount,
      datetime: fields.datetime,
      transRef,
      receiver: fields.receiver,
      sender: fields.sender,
      qr: qr ? { payload: qr.payload, crcValid: qr.crcValid } : null,
      confidence: round2(Math.min(1, confidence)),
      rawText,
      sha256: inspection.sha256,
      isSlip,
    };
  }

  return {
    async ready() {
      await poolPromise;
    },
    read,
    async close() {
      if (closed) return;
      closed = true;
      try {
        const pool = await poolPromise;
        await pool.terminate();
      } catch {
        // A pool that never started has nothing to stop.
      }
    },
  };
}
