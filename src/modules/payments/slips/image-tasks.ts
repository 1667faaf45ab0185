// What the main thread asks of an image thread and what comes back, plus the size rule for the
// image OCR reads (shared by both sides, and tested on its own).

import type { Box } from './image-ops.ts';

export type RawGray = { data: Uint8Array; width: number; height: number };

export type ImageTask =
  | {
      kind: 'prepare';
      bytes: Uint8Array;
      /** Degrees to turn beyond what the image itself suggests (90, 180, 270): a retry. */
      turn?: number;
      /** Skip the QR search (a retry of an image already searched). */
      skipQr?: boolean;
    }
  | {
      kind: 'line';
      /** The image as sent, read again at full size: more pixels per letter than the OCR copy. */
      bytes: Uint8Array;
      geometry: Geometry;
      /** The line, in the OCR image's pixels. */
      box: Box;
      /** Text height to bring the line to (px). */
      height: number;
      /** Made pure black on white (references), or left grey (names, whose marks are thin). */
      binarize: boolean;
    };

/** How the OCR image was made from the decoded one: turned, cut to `region`, scaled by k. */
export type Geometry = {
  quarter: number;
  skew: number;
  region: { left: number; top: number; width: number; height: number };
  k: number;
  dark: boolean;
};

export type Orientation = {
  /** Quarter turn applied, clockwise: 0, 90, 180 or 270. */
  quarter: number;
  /** Small rotation applied after it, degrees clockwise. */
  skew: number;
  /** What told the way up: the QR's own angle, the run of the text lines, or nothing. */
  source: 'qr' | 'text' | 'none';
};

export type PrepareResult =
  | { kind: 'prepare'; flat: true }
  | { kind: 'prepare'; flat: false; refused: string }
  | {
      kind: 'prepare';
      flat: false;
      /** Milliseconds per step, for the log. */
      ms: Record<string, number>;
      /** The decoded slip QR payload, when one was found. */
      qr: string | null;
      orientation: Orientation;
      dark: boolean;
      trimmed: boolean;
      /** The decoded image's size, after EXIF orientation and the first size cap. */
      input: { width: number; height: number };
      /** The image OCR reads, upright, contrast-stretched, QR blanked. */
      ocrImage: RawGray;
      geometry: Geometry;
      pieces: Array<{ top: number; png: Uint8Array }>;
    };

export type LineResult = { kind: 'line'; png: Uint8Array | null };
export type ImageTaskResult = PrepareResult | LineResult;

// Slip text is 12-16 CSS px; at ~2 device px per CSS px a 720-800 px wide
// page gives tesseract the 20-30 px line height its LSTM works best at.
export const OCR_WIDTH = 760;
/** The most pixels OCR is ever given for one slip (760 x ~2600). */
export const OCR_MAX_PIXELS = 2_000_000;
/** A slip, even a long-scrolled one, is not more than this many times taller than wide (or wider than tall). */
export const MAX_SLIP_ASPECT = 5;
/** A slip is never enlarged for OCR (issue 23): a small one is read at its own size. */
export const MAX_ENLARGEMENT = 1;

/**
 * The size the slip's content is brought to for OCR: OCR_WIDTH wide at most, never larger than it is
 * (MAX_ENLARGEMENT), and never more than OCR_MAX_PIXELS. null for a shape no slip has (a 240 x 104000
 * strip), which is not read at all.
 */
export function planOcrSize(width: number, height: number): { width: number; height: number } | null {
  if (width < 1 || height < 1) return null;
  if (height / width > MAX_SLIP_ASPECT || width / height > MAX_SLIP_ASPECT) return null;
  let k = Math.min(OCR_WIDTH / width, MAX_ENLARGEMENT);
  if (width * height * k * k > OCR_MAX_PIXELS) k = Math.sqrt(OCR_MAX_PIXELS / (width * height));
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}
