// The image thread: everything a slip read does to pixels (decode, QR search, orientation and
// skew, contrast, PNG encodes for OCR), away from the main thread where requests and the
// embedded database run. Started by image-pool.ts; one task at a time per thread.

import { parentPort } from 'node:worker_threads';
import sharp, { type Sharp } from 'sharp';
import { MAX_IMAGE_PIXELS } from '../../../lib/image-guard.ts';
import { lowerThreadPriority } from '../../../lib/thread.ts';
import {
  binarize,
  borderMedian,
  contentBox,
  estimateTextOrientation,
  findSplitRow,
  lightenDarkBands,
  firstChannel,
  medianOfCentre,
  standardDeviation,
  stretchContrast,
  whiteOut,
  type Gray,
} from './image-ops.ts';
import { boxAround, decodeQr, turnPoint, type QrHit } from './qr-image.ts';
import type { ImageTask, ImageTaskResult, LineResult, PrepareResult } from './image-tasks.ts';
import { planOcrSize } from './image-tasks.ts';

// Every image is seen once: libvips's operation cache (process-wide, 50 MB by default) would
// only hold on to decoded slips.
sharp.cache(false);
// Reading yields the cores to requests and the database (see BACKGROUND_NICE).
lowerThreadPriority();

// Phone screenshots are at most ~2400 px tall; a camera photo is brought down to this before
// anything else, so its copies for jsQR stay in the tens of MB.
const FULL_MAX_SIDE = 2000;
// A line read again is at most this wide, whatever its height asks for.
const LINE_MAX_WIDTH = 3000;
// A slip QR decodes at this size in a fraction of the full-size time.
const QR_QUICK_SIDE = 600;

function fromGray(gray: Gray): Sharp {
  return sharp(gray.data, { raw: { width: gray.width, height: gray.height, channels: 1 } });
}

// sharp turns one-channel raw input into sRGB unless told otherwise.
async function toGray(pipeline: Sharp): Promise<Gray> {
  const { data, info } = await pipeline.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { data: firstChannel(data, info.channels), width: info.width, height: info.height };
}

function decodeGray(bytes: Uint8Array): Promise<Gray> {
  // failOn 'truncated': the guard refused broken files already; this keeps
  // anything it missed from being read as half an image.
  const pipeline = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated' })
    .rotate()
    // Transparent PNGs: what shows on a phone is the image over white.
    .flatten({ background: '#ffffff' })
    .grayscale()
    // JPEG shrink-on-load makes a big photo cheap to bring down to size.
    .resize({ width: FULL_MAX_SIDE, height: FULL_MAX_SIDE, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' });
  return toGray(pipeline);
}

async function scaled(gray: Gray, maxSide: number): Promise<{ image: Gray; k: number }> {
  if (Math.max(gray.width, gray.height) <= maxSide) return { image: gray, k: 1 };
  const image = await toGray(fromGray(gray).resize({ width: maxSide, height: maxSide, fit: 'inside' }));
  return { image, k: gray.width / image.width };
}

/**
 * The slip QR: first on a small copy (most slips), then at full size with
 * both polarities. Corners come back in `full`'s pixels.
 */
async function findQr(full: Gray): Promise<QrHit | null> {
  const quick = await scaled(full, QR_QUICK_SIDE);
  const hit = decodeQr(quick.image, 'attemptBoth');
  if (hit) {
    const k = quick.k;
    return { ...hit, corners: hit.corners.map((p) => ({ x: p.x * k, y: p.y * k })) };
  }
  return quick.k !== 1 ? decodeQr(full, 'attemptBoth') : null;
}

const normalise = (degrees: number): number => {
  let d = degrees % 360;
  if (d <= -180) d += 360;
  if (d > 180) d -= 360;
  return d;
};

async function rotate(gray: Gray, quarter: number, skew: number): Promise<Gray> {
  let out = gray;
  if (quarter % 360 !== 0) out = await toGray(fromGray(out).rotate(((quarter % 360) + 360) % 360));
  // Tesseract copes with under a degree; rotating costs a resample.
  if (Math.abs(skew) >= 0.75) {
    const fill = borderMedian(out);
    out = await toGray(fromGray(out).rotate(skew, { background: { r: fill, g: fill, b: fill } }));
  }
  return out;
}

async function prepare(task: Extract<ImageTask, { kind: 'prepare' }>): Promise<PrepareResult> {
  const began = performance.now();
  const ms: Record<string, number> = {};
  const lap = (name: string): void => {
    ms[name] = Math.round(performance.now() - began - Object.values(ms).reduce((a, b) => a + b, 0));
  };
  const full = await decodeGray(task.bytes);
  lap('decode');
  if (standardDeviation(full) < 3) return { kind: 'prepare', flat: true };

  // Which way up: the QR is printed upright, so its own angle says it,
  // tilt included. Without one, the run of the text lines gives the skew
  // and whether the page lies on its side, but not which side is up.
  const qrHit = task.skipQr ? null : await findQr(full);
  let quarter: number;
  let skew: number;
  let source: 'qr' | 'text' | 'none';
  if (qrHit) {
    const turn = normalise(-qrHit.angle);
    quarter = Math.round(turn / 90) * 90;
    skew = Math.round((turn - quarter) * 10) / 10;
    source = 'qr';
  } else {
    const small = await scaled(full, 400);
    let text = estimateTextOrientation(small.image, 25);
    quarter = text?.sideways ? -90 : 0;
    // Lying on its side: turn the small copy too and measure the skew on it.
    if (text?.sideways) text = estimateTextOrientation(await toGray(fromGray(small.image).rotate(270)), 25);
    // Lines running down to the right were turned clockwise: turn them back.
    skew = text && !text.sideways ? -text.skew : 0;
    source = text ? 'text' : 'none';
  }
  lap(source === 'qr' ? 'qr' : 'qr+text');
  quarter += task.turn ?? 0;
  const upright = await rotate(full, quarter, skew);
  lap('rotate');

  const content = contentBox(upright);
  const region = content ?? { left: 0, top: 0, width: upright.width, height: upright.height };
  const size = planOcrSize(region.width, region.height);
  if (!size) return { kind: 'prepare', flat: false, refused: `${region.width}x${region.height} is no slip's shape` };
  const base = await toGray(
    (content ? fromGray(upright).extract(content) : fromGray(upright)).resize({ width: size.width, height: size.height, fit: 'fill', kernel: 'lanczos3' }),
  );
  const dark = medianOfCentre(base) < 90;
  const ocr = stretchContrast(base, dark);
  lightenDarkBands(ocr);

  // Blank the QR out of what OCR reads: its modules are what tesseract
  // wastes most time on, and they come out as junk text.
  if (qrHit) {
    const k = size.width / region.width;
    const corners = qrHit.corners.map((p) => {
      const t = turnPoint(p, full.width, full.height, quarter, Math.abs(skew) >= 0.75 ? skew : 0);
      return { x: (t.x - region.left) * k, y: (t.y - region.top) * k };
    });
    // The quiet zone around the symbol is part of the junk OCR would read.
    whiteOut(ocr, boxAround(corners, 0.12));
  }

  lap('contrast+qrBlank');
  // Two pieces, however many OCR workers read them: tesseract reads a slip cut in two more surely than
  // whole (the slip bench, one worker: three amounts read wrong with confidence whole, none in two pieces).
  const split = ocr.height >= 400 ? findSplitRow(ocr) : ocr.height;
  const bounds = split < ocr.height ? [{ top: 0, height: split }, { top: split, height: ocr.height - split }] : [{ top: 0, height: ocr.height }];
  const pieces = await Promise.all(
    bounds.map(async ({ top, height }) => ({
      top,
      png: await fromGray(ocr).extract({ left: 0, top, width: ocr.width, height }).toColourspace('b-w').png({ compressionLevel: 1 }).toBuffer(),
    })),
  );
  lap('encode');
  return {
    kind: 'prepare',
    flat: false,
    ms,
    qr: qrHit ? qrHit.qr.payload : null,
    orientation: { quarter: ((quarter % 360) + 360) % 360, skew, source },
    dark,
    trimmed: content !== null,
    input: { width: full.width, height: full.height },
    ocrImage: { data: ocr.data, width: ocr.width, height: ocr.height },
    geometry: { quarter, skew: Math.abs(skew) >= 0.75 ? skew : 0, region, k: size.width / region.width, dark },
    pieces,
  };
}

/** One line of the slip, cut from the image at full size, enlarged and made clean black on white, as a PNG. */
async function line(task: Extract<ImageTask, { kind: 'line' }>): Promise<LineResult> {
  const { geometry: g, box } = task;
  const upright = await rotate(await decodeGray(task.bytes), g.quarter, g.skew);
  const left = Math.max(0, Math.floor(g.region.left + box.x0 / g.k));
  const top = Math.max(0, Math.floor(g.region.top + box.y0 / g.k));
  const width = Math.min(upright.width, Math.ceil(g.region.left + box.x1 / g.k)) - left;
  const height = Math.min(upright.height, Math.ceil(g.region.top + box.y1 / g.k)) - top;
  if (width < 20 || height < 8) return { kind: 'line', png: null };
  // A line is brought to a text height OCR reads well, never wider than LINE_MAX_WIDTH (a bounded copy).
  const raw = await toGray(
    fromGray(upright).extract({ left, top, width, height }).resize({ width: LINE_MAX_WIDTH, height: task.height, fit: 'inside', kernel: 'lanczos3' }),
  );
  const cut = stretchContrast(raw, g.dark);
  // Anti-aliased edges are where tesseract trades a 9 for an I.
  if (task.binarize) binarize(cut);
  // Text is the smaller part of a line: white text on dark comes out inverted.
  if (medianOfCentre(cut) < 100) for (let i = 0; i < cut.data.length; i++) cut.data[i] = 255 - (cut.data[i] ?? 0);
  const png = await fromGray(cut)
    .extend({ top: 12, bottom: 12, left: 12, right: 12, background: '#ffffff' })
    .toColourspace('b-w')
    .png({ compressionLevel: 1 })
    .toBuffer();
  return { kind: 'line', png };
}

async function run(task: ImageTask): Promise<ImageTaskResult> {
  switch (task.kind) {
    case 'prepare':
      return prepare(task);
    case 'line':
      return line(task);
  }
}

const port = parentPort;
if (port) {
  port.on('message', (message: { id: number; task: ImageTask }) => {
    run(message.task).then(
      // Copied, not transferred: sharp's buffers may live outside the JS heap.
      (result) => port.postMessage({ id: message.id, result }),
      (err: unknown) => port.postMessage({ id: message.id, error: { message: (err as Error).message ?? String(err) } }),
    );
  });
}
