// Reads a payment slip image: the verification QR (jsQR) and the printed
// text (tesseract.js, Thai + English, data from the installed packages).

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import jsQRModule from 'jsqr';
import sharp, { type Sharp } from 'sharp';
import Tesseract from 'tesseract.js';
import type { Page, Word, Worker } from 'tesseract.js';
import { ImageRejectedError, inspectImage, MAX_IMAGE_PIXELS } from './image-guard.ts';
import { parseSlipQr, type SlipQr } from './slip-qr.ts';
import { extractSlipFields, normalizeThaiText, REF_LABEL, type SlipParty } from './slip-text.ts';

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
const OCR_WIDTH = 760;
const FULL_MAX_WIDTH = 1600;

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
type Box = { x0: number; y0: number; x1: number; y1: number };

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

function decodeGray(bytes: Buffer, maxWidth: number): Promise<Gray> {
  // failOn 'truncated': the guard refused broken files already; this keeps
  // anything it missed from being read as half an image.
  const pipeline = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated' })
    .rotate()
    // Transparent PNGs: what shows on a phone is the image over white.
    .flatten({ background: '#ffffff' })
    .grayscale()
    // JPEG shrink-on-load makes a big photo cheap to bring down to size.
    .resize({ width: maxWidth, withoutEnlargement: true, kernel: 'lanczos3' });
  return toGray(pipeline);
}

function medianOfCentre(gray: Gray): number {
  const histogram = new Uint32Array(256);
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
    if (acc * 2 >= count) return v;
  }
  return 255;
}

function standardDeviation(gray: Gray): number {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let i = 0; i < gray.data.length; i += 5) {
    const v = gray.data[i] ?? 0;
    sum += v;
    sumSq += v * v;
    n++;
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
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 1; y < height - 1; y += 1) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      if (Math.abs((data[row + x + 1] ?? 0) - (data[row + x - 1] ?? 0)) > 60) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length < 200) return 0;
  const bins = new Float64Array(height * 2 + width);
  const score = (degrees: number): number => {
    const t = Math.tan((degrees * Math.PI) / 180);
    bins.fill(0);
    const offset = Math.ceil(width * Math.abs(t)) + 1;
    for (let i = 0; i < xs.length; i++) {
      const yy = Math.round((ys[i] ?? 0) - (xs[i] ?? 0) * t) + offset;
      bins[yy] = (bins[yy] ?? 0) + 1;
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
  const coarse = best;
  for (let a = coarse - 0.4; a <= coarse + 0.4; a += 0.1) {
    const s = score(a);
    if (s > bestScore) {
      bestScore = s;
      best = a;
    }
  }
  // Tesseract copes with under a degree; rotating costs a resample.
  return Math.abs(best) < 0.75 ? 0 : Math.round(best * 10) / 10;
}

/** A quiet band near the middle, so two halves can be read apart. */
function findSplitRow(gray: Gray): number {
  const { width, height, data } = gray;
  const energy = new Float64Array(height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let e = 0;
    for (let x = 1; x < width; x++) if (Math.abs((data[row + x] ?? 0) - (data[row + x - 1] ?? 0)) > 40) e++;
    energy[y] = e;
  }
  // The quietest row whose neighbours are quiet too: the middle of a gap
  // between lines, not the sliver under one line's vowels.
  const reach = 5;
  let bestRow = Math.floor(height / 2);
  let bestScore = Infinity;
  for (let y = Math.floor(height * 0.35); y <= Math.ceil(height * 0.6); y++) {
    let score = 0;
    for (let k = -reach; k <= reach; k++) score = Math.max(score, energy[Math.min(height - 1, Math.max(0, y + k))] ?? 0);
    score += Math.abs(y - height * 0.48) / height;
    if (score < bestScore) {
      bestScore = score;
      bestRow = y;
    }
  }
  return bestRow;
}

/**
 * A copy with the 1st-99th percentile stretched to full range (and turned
 * to dark-on-light for dark-mode slips). sharp's normalise() does the same
 * but costs ~100 ms on a slip; a lookup table here costs a few.
 */
function stretchContrast(gray: Gray, invert: boolean): Gray {
  const histogram = new Uint32Array(256);
  for (const v of gray.data) histogram[v] = (histogram[v] ?? 0) + 1;
  const total = gray.data.length;
  let low = 0;
  let high = 255;
  for (let v = 0, acc = 0; v < 256; v++) {
    acc += histogram[v] ?? 0;
    if (acc > total * 0.01) {
      low = v;
      break;
    }
  }
  for (let v = 255, acc = 0; v >= 0; v--) {
    acc += histogram[v] ?? 0;
    if (acc > total * 0.01) {
      high = v;
      break;
    }
  }
  const span = Math.max(1, high - low);
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const stretched = Math.round(((Math.min(high, Math.max(low, v)) - low) * 255) / span);
    lut[v] = invert ? 255 - stretched : stretched;
  }
  const out = Buffer.allocUnsafe(total);
  for (let i = 0; i < total; i++) out[i] = lut[gray.data[i] ?? 0] ?? 0;
  return { data: out, width: gray.width, height: gray.height };
}

function whiteOut(gray: Gray, box: Box): void {
  const x0 = Math.max(0, Math.floor(box.x0));
  const x1 = Math.min(gray.width, Math.ceil(box.x1));
  for (let y = Math.max(0, Math.floor(box.y0)); y < Math.min(gray.height, Math.ceil(box.y1)); y++) {
    gray.data.fill(255, y * gray.width + x0, y * gray.width + x1);
  }
}

/**
 * The part of the image that is not a flat border: a slip pasted on a
 * plain canvas, or letterboxed by a chat app, would otherwise be shrunk
 * with its border to OCR width until its text is too small to read. Only
 * a border of one colour is cut; a textured photo background is left.
 */
function contentBox(gray: Gray): { left: number; top: number; width: number; height: number } | null {
  const { width, height, data } = gray;
  const corners = [data[0], data[width - 1], data[(height - 1) * width], data[height * width - 1]].map((v) => v ?? 0);
  corners.sort((a, b) => a - b);
  const background = ((corners[1] ?? 0) + (corners[2] ?? 0)) / 2;
  const differs = (v: number | undefined): boolean => Math.abs((v ?? 0) - background) > 24;
  const rowHasContent = (y: number): boolean => {
    let n = 0;
    for (let x = 0; x < width; x++) if (differs(data[y * width + x])) n++;
    return n > width * 0.005;
  };
  const colHasContent = (x: number, y0: number, y1: number): boolean => {
    let n = 0;
    for (let y = y0; y < y1; y++) if (differs(data[y * width + x])) n++;
    return n > (y1 - y0) * 0.005;
  };
  let top = 0;
  while (top < height && !rowHasContent(top)) top++;
  if (top === height) return null;
  let bottom = height - 1;
  while (bottom > top && !rowHasContent(bottom)) bottom--;
  let left = 0;
  while (left < width && !colHasContent(left, top, bottom + 1)) left++;
  let right = width - 1;
  while (right > left && !colHasContent(right, top, bottom + 1)) right--;
  // Not worth a resample for a thin border.
  if (right - left + 1 > width * 0.9 && bottom - top + 1 > height * 0.9) return null;
  const margin = Math.round(Math.max(width, height) * 0.01);
  const x0 = Math.max(0, left - margin);
  const y0 = Math.max(0, top - margin);
  return { left: x0, top: y0, width: Math.min(width, right + margin + 1) - x0, height: Math.min(height, bottom + margin + 1) - y0 };
}

// ---------------------------------------------------------------------------
// QR

// A slip QR decodes at this width in a fraction of the full-size time.
const QR_QUICK_WIDTH = 520;

function decodeQr(gray: Gray, inversion: 'dontInvert' | 'invertFirst' | 'attemptBoth'): { qr: SlipQr; box: Box } | null {
  const found = jsQR(toRgba(gray), gray.width, gray.height, { inversionAttempts: inversion });
  if (!found) return null;
  const qr = parseSlipQr(found.data);
  if (!qr) return null;
  const l = found.location;
  const xs = [l.topLeftCorner.x, l.topRightCorner.x, l.bottomLeftCorner.x, l.bottomRightCorner.x];
  const ys = [l.topLeftCorner.y, l.topRightCorner.y, l.bottomLeftCorner.y, l.bottomRightCorner.y];
  // The quiet zone around the symbol is part of the junk OCR would read.
  const pad = (Math.max(...xs) - Math.min(...xs)) * 0.12;
  return {
    qr,
    box: { x0: Math.min(...xs) - pad, y0: Math.min(...ys) - pad, x1: Math.max(...xs) + pad, y1: Math.max(...ys) + pad },
  };
}

/** On the OCR image, shrunk; the box comes back in OCR-image pixels. */
async function findQrQuickly(image: Gray, inverted: boolean): Promise<{ qr: SlipQr; box: Box } | null> {
  // Dark-mode slips were inverted for OCR, and their QR with them.
  const inversion = inverted ? 'invertFirst' : 'dontInvert';
  if (image.width > QR_QUICK_WIDTH) {
    const small = await toGray(fromGray(image).resize({ width: QR_QUICK_WIDTH }));
    const hit = decodeQr(small, inversion);
    const k = image.width / small.width;
    if (hit) return { qr: hit.qr, box: { x0: hit.box.x0 * k, y0: hit.box.y0 * k, x1: hit.box.x1 * k, y1: hit.box.y1 * k } };
  }
  // A deskewed photo's QR is softer; OCR size still beats a full decode.
  return decodeQr(image, inversion);
}

/**
 * For when the quick pass failed: the image at full size with both
 * polarities (the recipe the fixtures README found to decode every slip),
 * then its lower and upper parts enlarged, for a small QR in a big photo.
 */
async function findQrThoroughly(full: Gray): Promise<SlipQr | null> {
  const attempts: Array<{ top: number; height: number; scale: number }> = [
    { top: 0, height: full.height, scale: 1 },
    { top: Math.floor(full.height * 0.45), height: full.height - Math.floor(full.height * 0.45), scale: 1.6 },
    { top: 0, height: Math.ceil(full.height * 0.55), scale: 1.6 },
  ];
  for (const { top, height, scale } of attempts) {
    // Let OCR results and other requests through between synchronous decodes.
    await new Promise((resolve) => setImmediate(resolve));
    const gray =
      scale === 1
        ? full
        : await toGray(
            fromGray(full)
              .extract({ left: 0, top, width: full.width, height })
              .resize({ width: Math.min(2400, Math.round(full.width * scale)) }),
          );
    const hit = decodeQr(gray, 'attemptBoth');
    if (hit) return hit.qr;
  }
  return null;
}

// ---------------------------------------------------------------------------
// OCR

type OcrLine = { text: string; box: Box; words: Array<{ text: string; box: Box }> };
type OcrResult = { text: string; confidence: number; lines: OcrLine[] };

function encodePng(gray: Gray, top = 0, height = gray.height): Promise<Buffer> {
  return fromGray(gray)
    .extract({ left: 0, top, width: gray.width, height })
    .toColourspace('b-w')
    .png({ compressionLevel: 1 })
    .toBuffer();
}

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

function collectLines(page: Page, offsetY: number): { text: string; lines: OcrLine[] } {
  const lines: OcrLine[] = [];
  const out: string[] = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        let text = line.text;
        for (const word of line.words) {
          const fixed = restoreBahtSign(word);
          if (fixed !== word.text) text = text.replace(word.text, fixed);
        }
        const shift = (b: { x0: number; y0: number; x1: number; y1: number }): Box => ({
          x0: b.x0,
          x1: b.x1,
          y0: b.y0 + offsetY,
          y1: b.y1 + offsetY,
        });
        lines.push({
          text: text.trimEnd(),
          box: shift(line.bbox),
          words: line.words.map((w) => ({ text: w.text, box: shift(w.bbox) })),
        });
        out.push(text.endsWith('\n') ? text : `${text}\n`);
      }
    }
  }
  return { text: out.join(''), lines };
}

async function recognize(pool: Pool, png: Buffer, offsetY: number): Promise<OcrResult> {
  const worker = await pool.acquire();
  try {
    const { data } = await worker.recognize(png, {}, { text: true, blocks: true });
    const { text, lines } = collectLines(data, offsetY);
    return { text, confidence: data.confidence, lines };
  } finally {
    pool.release(worker);
  }
}

const REF_WHITELIST = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Where the printed reference is: right of its label, or the next line.
 * Only needed when there is no QR; Thai+English OCR garbles mixed-case
 * references (SCB's 25 characters) that English alone reads cleanly.
 */
function findRefBox(lines: OcrLine[], width: number): Box | null {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const label = REF_LABEL.exec(normalizeThaiText(line.text));
    if (!label) continue;
    const labelEnd = normalizeThaiText(line.text).slice(0, label.index + label[0].length).replace(/\s+/g, '').length;
    let seen = 0;
    const after = line.words.filter((w) => {
      seen += normalizeThaiText(w.text).replace(/\s+/g, '').length;
      return seen > labelEnd && /[A-Za-z0-9]/.test(w.text);
    });
    const pad = (line.box.y1 - line.box.y0) * 0.35;
    const first = after[0];
    if (first && after.reduce((n, w) => n + w.text.length, 0) >= 8) {
      return { x0: first.box.x0 - pad, y0: line.box.y0 - pad, x1: Math.min(width, line.box.x1 + pad * 3), y1: line.box.y1 + pad };
    }
    const next = lines[i + 1];
    if (next && /[A-Za-z0-9]{6,}/.test(next.text.replace(/\s+/g, ''))) {
      return { x0: next.box.x0 - pad, y0: next.box.y0 - pad, x1: Math.min(width, next.box.x1 + pad * 3), y1: next.box.y1 + pad };
    }
  }
  return null;
}

function otsuThreshold(data: Buffer): number {
  const histogram = new Float64Array(256);
  for (const v of data) histogram[v] = (histogram[v] ?? 0) + 1;
  const total = data.length;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * (histogram[v] ?? 0);
  let sumBelow = 0;
  let weightBelow = 0;
  let best = 128;
  let bestVariance = -1;
  for (let t = 0; t < 256; t++) {
    weightBelow += histogram[t] ?? 0;
    if (weightBelow === 0 || weightBelow === total) continue;
    sumBelow += t * (histogram[t] ?? 0);
    const meanBelow = sumBelow / weightBelow;
    const meanAbove = (sumAll - sumBelow) / (total - weightBelow);
    const variance = weightBelow * (total - weightBelow) * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return best;
}

async function readRefLine(worker: Worker, image: Gray, box: Box): Promise<string | null> {
  const left = Math.max(0, Math.floor(box.x0));
  const top = Math.max(0, Math.floor(box.y0));
  const width = Math.min(image.width, Math.ceil(box.x1)) - left;
  const height = Math.min(image.height, Math.ceil(box.y1)) - top;
  if (width < 20 || height < 8) return null;
  const line = await toGray(fromGray(image).extract({ left, top, width, height }).resize({ height: 96, kernel: 'lanczos3' }));
  // A clean black-on-white line: anti-aliased edges are where tesseract
  // trades a 9 for an I.
  const threshold = otsuThreshold(line.data);
  for (let i = 0; i < line.data.length; i++) line.data[i] = (line.data[i] ?? 0) > threshold ? 255 : 0;
  const png = await fromGray(line)
    .extend({ top: 12, bottom: 12, left: 12, right: 12, background: '#ffffff' })
    .toColourspace('b-w')
    .png({ compressionLevel: 1 })
    .toBuffer();
  const { data } = await worker.recognize(png);
  const token = data.text.replace(/\s+/g, '');
  return /^[A-Za-z0-9]{10,32}$/.test(token) && /\d{4}/.test(token) ? token : null;
}

// ---------------------------------------------------------------------------

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

type Workers = { pool: Pool; eng: Worker };

export function createSlipReader(options: SlipReaderOptions = {}): SlipReader {
  const logger = options.logger ?? silentLogger;
  const count = Math.max(1, Math.floor(options.workers ?? Math.min(2, availableParallelism())));
  let closed = false;

  const workersPromise: Promise<Workers> = (async () => {
    const langPath = prepareLangPath();
    const started = Date.now();
    const make = (langs: string[]): Promise<Worker> =>
      createWorker(langs, OEM.LSTM_ONLY, {
        langPath,
        gzip: true,
        // Never write a cache into the working directory, never download.
        cacheMethod: 'none',
        errorHandler: (err: unknown) => logger.error({ err }, 'tesseract worker error'),
      });
    const [eng, ...workers] = await Promise.all([make(['eng']), ...Array.from({ length: count }, () => make(['tha', 'eng']))]);
    if (!eng) throw new Error('tesseract worker did not start');
    await Promise.all([
      ...workers.map((w) =>
        w.setParameters({
          // One uniform block keeps a label and its value on one line
          // ("จำนวนเงิน   1,250.00 บาท"); automatic layout splits them apart.
          tessedit_pageseg_mode: PSM.SINGLE_BLOCK,
          // The PNGs we hand over carry no density; without this tesseract
          // guesses one and warns about it on every image.
          user_defined_dpi: '300',
        }),
      ),
      eng.setParameters({
        tessedit_pageseg_mode: PSM.SINGLE_LINE,
        tessedit_char_whitelist: REF_WHITELIST,
        user_defined_dpi: '300',
      }),
    ]);
    logger.info({ workers: count, ms: Date.now() - started }, 'slip reader ready');
    return { pool: createPool(workers), eng };
  })();
  // Surfaces on the first read(); this only prevents an unhandled rejection.
  workersPromise.catch((err: unknown) => logger.error({ err }, 'slip reader failed to start'));

  const inFlight = new Set<Promise<unknown>>();

  function read(bytes: Buffer): Promise<SlipReading> {
    if (closed) return Promise.reject(new Error('slip reader is closed'));
    const job = readSlip(bytes);
    inFlight.add(job);
    const forget = (): void => {
      inFlight.delete(job);
    };
    job.then(forget, forget);
    return job;
  }

  async function readSlip(bytes: Buffer): Promise<SlipReading> {
    const started = performance.now();
    const inspection = await inspectImage(bytes);
    if (!inspection.ok) throw new ImageRejectedError(inspection.code, inspection.message);
    const { pool, eng } = await workersPromise;
    const sha256 = inspection.sha256;
    const notASlip: SlipReading = {
      bank: null,
      amount: null,
      datetime: null,
      transRef: null,
      receiver: null,
      sender: null,
      qr: null,
      confidence: 0,
      rawText: '',
      sha256,
      isSlip: false,
    };

    // One decode serves everything. Phone screenshots are at most ~1400 px
    // wide, so this is the full image for them; a 24-megapixel camera photo
    // is capped so its RGBA copy for jsQR stays in the tens of MB.
    const full = await decodeGray(bytes, FULL_MAX_WIDTH);
    const content = contentBox(full);
    const base = await toGray(
      (content ? fromGray(full).extract(content) : fromGray(full)).resize({ width: OCR_WIDTH, kernel: 'lanczos3' }),
    );
    if (standardDeviation(base) < 3) {
      logger.debug({ sha256 }, 'flat image, nothing to read');
      return notASlip;
    }
    const dark = medianOfCentre(base) < 90;
    let ocrInput = stretchContrast(base, dark);
    const skew = estimateSkewDegrees(await toGray(fromGray(ocrInput).resize({ width: 380 })));
    if (skew !== 0) ocrInput = await toGray(fromGray(ocrInput).rotate(-skew, { background: '#ffffff' }));

    // Two halves on two workers: about half the wall-clock time on two
    // cores. The top half starts at once; the quick QR pass runs meanwhile
    // on this thread, so the QR (usually low on the slip) can be blanked
    // out of the bottom half before it is read: its modules are what
    // tesseract wastes most time on, and they come out as junk text.
    const ocrStarted = performance.now();
    const split = pool.size >= 2 && ocrInput.height >= 400 ? findSplitRow(ocrInput) : ocrInput.height;
    const topPromise = recognize(pool, await encodePng(ocrInput, 0, split), 0);
    // Awaited below; this only keeps a failure from counting as unhandled
    // while the QR work in between is still running.
    topPromise.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const quickStarted = performance.now();
    const quick = await findQrQuickly(ocrInput, dark);
    const quickQrMs = performance.now() - quickStarted;
    if (quick) whiteOut(ocrInput, quick.box);
    const bottomPromise =
      split < ocrInput.height ? recognize(pool, await encodePng(ocrInput, split, ocrInput.height - split), split) : null;
    bottomPromise?.catch(() => undefined);
    // jsQR runs on this thread while the workers read text on theirs.
    const qr = quick?.qr ?? (await findQrThoroughly(full));
    const [top, bottom] = await Promise.all([topPromise, bottomPromise]);
    const ocr: OcrResult = bottom
      ? {
          text: `${top.text.trimEnd()}\n${bottom.text}`,
          confidence: (top.confidence + bottom.confidence) / 2,
          lines: [...top.lines, ...bottom.lines],
        }
      : top;
    const ocrMs = performance.now() - ocrStarted;

    let rawText = normalizeThaiText(ocr.text);
    let fields = extractSlipFields(rawText, { transRefHint: qr?.transRef ?? null, bankShortHint: qr?.bankShort ?? null });

    // Without a QR the printed reference is all there is: read it again,
    // alone and in English, where tesseract gets mixed-case ids right.
    let refFromLine: string | null = null;
    if (!qr && fields.amount !== null) {
      const box = findRefBox(ocr.lines, ocrInput.width);
      if (box) {
        // From the full-size image when its geometry matches (no deskew):
        // more pixels per character than the OCR copy.
        const origin = content ?? { left: 0, top: 0, width: full.width, height: full.height };
        const source =
          skew === 0 && origin.width > ocrInput.width
            ? { image: dark ? stretchContrast(full, true) : full, k: origin.width / ocrInput.width, dx: origin.left, dy: origin.top }
            : { image: ocrInput, k: 1, dx: 0, dy: 0 };
        refFromLine = await readRefLine(eng, source.image, {
          x0: box.x0 * source.k + source.dx,
          y0: box.y0 * source.k + source.dy,
          x1: box.x1 * source.k + source.dx,
          y1: box.y1 * source.k + source.dy,
        });
      }
      if (refFromLine && refFromLine !== fields.transRef) {
        rawText = `${rawText.trimEnd()}\nRef: ${refFromLine}\n`;
        fields = { ...fields, transRef: refFromLine };
      }
    }

    const transRef = qr?.transRef ?? fields.transRef;
    const bank = qr?.bankShort ?? fields.bank?.short ?? null;
    const textLooksLikeSlip =
      fields.amount !== null &&
      (fields.successMarker || fields.labelCount >= 3) &&
      (fields.datetime !== null || fields.transRef !== null || fields.bank !== null);
    const isSlip = qr !== null || textLooksLikeSlip;

    let confidence = 0;
    if (qr) confidence += qr.crcValid ? 0.35 : 0.1;
    if (fields.amount !== null) confidence += fields.amountLabelled ? 0.2 : 0.12;
    if (fields.datetime) confidence += fields.datetimeSource === 'text' ? 0.15 : 0.1;
    if (transRef) confidence += qr && fields.transRef === qr.transRef ? 0.1 : 0.06;
    if (bank) confidence += qr && fields.bank?.short === qr.bankShort ? 0.05 : 0.03;
    if (fields.receiver?.name) confidence += 0.1;
    confidence += 0.05 * Math.max(0, Math.min(1, ocr.confidence / 100));
    if (!isSlip) confidence = Math.min(confidence, 0.2);

    logger.debug(
      {
        sha256,
        ms: Math.round(performance.now() - started),
        quickQrMs: Math.round(quickQrMs),
        ocrMs: Math.round(ocrMs),
        dark,
        skew,
        split,
        trimmed: content !== null,
        qr: qr ? { bank: qr.bankShort, crcValid: qr.crcValid, pass: quick ? 'quick' : 'thorough' } : null,
        refFromLine: refFromLine !== null,
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
      sha256,
      isSlip,
    };
  }

  return {
    async ready() {
      await workersPromise;
    },
    read,
    async close() {
      if (closed) return;
      closed = true;
      // Reads already started finish; terminating under them would leave
      // their promises hanging forever.
      await Promise.allSettled([...inFlight]);
      try {
        const { pool, eng } = await workersPromise;
        await Promise.all([pool.terminate(), eng.terminate()]);
      } catch {
        // A reader that never started has nothing to stop.
      }
    },
  };
}
