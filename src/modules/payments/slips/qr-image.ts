// The slip QR in an image (jsQR), and where points land as the image is turned. Run in the
// image threads.

import jsQRModule from 'jsqr';
import type { Box, Gray } from './image-ops.ts';
import { parseSlipQr, type SlipQr } from './slip-qr.ts';

// jsqr is CommonJS whose module.exports is the function (with a .default copy);
// its typings describe only the ES default.
type JsQr = (typeof jsQRModule)['default'];
const jsQR: JsQr = (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr);

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

export type Point = { x: number; y: number };

export type QrHit = {
  qr: SlipQr;
  box: Box;
  /** The symbol's four corners. */
  corners: Point[];
  /** Degrees clockwise the QR (printed upright on every slip) is turned in the image. */
  angle: number;
};

export function decodeQr(gray: Gray, inversion: 'dontInvert' | 'invertFirst' | 'attemptBoth'): QrHit | null {
  const found = jsQR(toRgba(gray), gray.width, gray.height, { inversionAttempts: inversion });
  if (!found) return null;
  const qr = parseSlipQr(found.data);
  if (!qr) return null;
  const l = found.location;
  const xs = [l.topLeftCorner.x, l.topRightCorner.x, l.bottomLeftCorner.x, l.bottomRightCorner.x];
  const ys = [l.topLeftCorner.y, l.topRightCorner.y, l.bottomLeftCorner.y, l.bottomRightCorner.y];
  // The quiet zone around the symbol is part of the junk OCR would read.
  const pad = (Math.max(...xs) - Math.min(...xs)) * 0.12;
  // The top edge runs from the top-left to the top-right finder pattern.
  const angle =
    (Math.atan2(l.topRightFinderPattern.y - l.topLeftFinderPattern.y, l.topRightFinderPattern.x - l.topLeftFinderPattern.x) * 180) / Math.PI;
  return {
    qr,
    angle,
    corners: [l.topLeftCorner, l.topRightCorner, l.bottomRightCorner, l.bottomLeftCorner].map((p) => ({ x: p.x, y: p.y })),
    box: { x0: Math.min(...xs) - pad, y0: Math.min(...ys) - pad, x1: Math.max(...xs) + pad, y1: Math.max(...ys) + pad },
  };
}

/**
 * Where a point lands when the image (width x height) is turned as sharp turns it: a quarter
 * turn clockwise (0, 90, 180, 270), then `degrees` clockwise about the centre on a canvas grown
 * to hold the whole turned image.
 */
export function turnPoint(p: Point, width: number, height: number, quarter: number, degrees: number): Point {
  let { x, y } = p;
  let w = width;
  let h = height;
  const q = ((quarter % 360) + 360) % 360;
  if (q === 90) [x, y, w, h] = [h - 1 - y, x, h, w];
  else if (q === 180) [x, y] = [w - 1 - x, h - 1 - y];
  else if (q === 270) [x, y, w, h] = [y, w - 1 - x, h, w];
  if (degrees === 0) return { x, y };
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const w2 = Math.abs(w * cos) + Math.abs(h * sin);
  const h2 = Math.abs(w * sin) + Math.abs(h * cos);
  const dx = x - w / 2;
  const dy = y - h / 2;
  return { x: dx * cos - dy * sin + w2 / 2, y: dx * sin + dy * cos + h2 / 2 };
}

/** The box around points, grown by `pad` of its width on each side. */
export function boxAround(points: Point[], pad: number): Box {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const grow = (Math.max(...xs) - Math.min(...xs)) * pad;
  return { x0: Math.min(...xs) - grow, y0: Math.min(...ys) - grow, x1: Math.max(...xs) + grow, y1: Math.max(...ys) + grow };
}
