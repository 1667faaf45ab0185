// Checks an uploaded image (a slip, a return photo, a logo) before anything decodes it: real
// format by magic bytes, byte size, and pixel count and shape from the header alone.

import { createHash } from 'node:crypto';
import { loadSharp } from './lazy.ts';

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const MAX_IMAGE_PIXELS = 25_000_000;
/** No photo or screenshot is this many times longer than wide; a 240 x 104000 strip is a bomb. */
export const MAX_IMAGE_ASPECT = 10;

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export type ImageRejectionCode =
  | 'NOT_AN_IMAGE'
  | 'UNSUPPORTED_FORMAT'
  | 'TOO_LARGE'
  | 'TOO_MANY_PIXELS'
  | 'CORRUPT_IMAGE';

export type ImageInspection =
  | { ok: true; format: ImageFormat; width: number; height: number; sha256: string }
  | { ok: false; code: ImageRejectionCode; message: string };

/** Thrown by the slip reader for an image the guard refused. */
export class ImageRejectedError extends Error {
  readonly code: ImageRejectionCode;
  readonly kind = 'invalid' as const;

  constructor(code: ImageRejectionCode, message: string) {
    super(message);
    this.name = 'ImageRejectedError';
    this.code = code;
  }
}

function startsWith(bytes: Buffer, signature: number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((value, i) => bytes[offset + i] === value);
}

// Formats someone might plausibly send instead of a screenshot; named so the
// answer can say "HEIC is not supported" rather than "not an image".
function sniffOtherImage(bytes: Buffer): string | null {
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'GIF';
  if (startsWith(bytes, [0x42, 0x4d]) && bytes.length > 26) return 'BMP';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'TIFF';
  if (startsWith(bytes, [0x66, 0x74, 0x79, 0x70], 4)) {
    const brand = bytes.subarray(8, 12).toString('latin1');
    if (/^(heic|heix|hevc|hevx|mif1|msf1)$/.test(brand)) return 'HEIC';
    if (/^avi[fs]$/.test(brand)) return 'AVIF';
  }
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46])) return 'PDF';
  return null;
}

export function sniffImageFormat(bytes: Buffer): ImageFormat | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return null;
}

function reject(code: ImageRejectionCode, message: string): ImageInspection {
  return { ok: false, code, message };
}

/**
 * Decides whether bytes are a slip-sized JPEG, PNG or WebP. Only the header
 * is parsed here (sharp's metadata does not decode pixels), so a 9000x9000
 * PNG bomb is refused in milliseconds. A truncated file whose header is
 * intact is caught by a cheap full decode at a tiny size, which is where
 * libjpeg/libpng notice the missing data.
 */
export async function inspectImage(bytes: Buffer): Promise<ImageInspection> {
  if (bytes.length === 0) return reject('NOT_AN_IMAGE', 'the file is empty');
  const format = sniffImageFormat(bytes);
  if (!format) {
    const other = sniffOtherImage(bytes);
    if (other) return reject('UNSUPPORTED_FORMAT', `${other} images are not accepted; send a JPEG, PNG or WebP screenshot`);
    return reject('NOT_AN_IMAGE', 'the file is not an image');
  }
  if (bytes.length > MAX_IMAGE_BYTES) {
    return reject('TOO_LARGE', `the image is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is 10 MB`);
  }

  const sharp = await loadSharp();
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes).metadata();
    width = meta.width ?? 0;
    height = meta.height ?? 0;
  } catch (err) {
    return reject('CORRUPT_IMAGE', `the image could not be read: ${(err as Error).message}`);
  }
  if (!width || !height) return reject('CORRUPT_IMAGE', 'the image has no dimensions');
  if (Math.max(width, height) / Math.min(width, height) > MAX_IMAGE_ASPECT) {
    return reject('TOO_MANY_PIXELS', `the image is ${width}x${height}, far longer than any photo or screenshot`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    return reject(
      'TOO_MANY_PIXELS',
      `the image is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} megapixels); the limit is 25 megapixels`,
    );
  }

  try {
    // shrink-on-load keeps this cheap for JPEG; failOn 'truncated' makes a
    // cut-off file an error rather than a grey lower half.
    await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated' })
      .resize({ width: 64, height: 64, fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (err) {
    return reject('CORRUPT_IMAGE', `the image is damaged: ${(err as Error).message}`);
  }

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { ok: true, format, width, height, sha256 };
}
