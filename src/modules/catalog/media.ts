// Product photos: checked by content, resized to WebP (1200 px and a 300 px thumbnail) and kept under
// DATA_DIR/media/products/<productId>/; products.images lists the stored file names in order.

import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors.ts';
import { sniffImageFormat } from '../../lib/image-guard.ts';
import { loadSharp } from '../../lib/lazy.ts';

export const MAX_PRODUCT_IMAGE_BYTES = 10 * 1024 * 1024;
export const MAX_PRODUCT_IMAGE_FILES = 10;
export const MAX_PRODUCT_IMAGE_PIXELS = 40_000_000;
export const MAX_PRODUCT_IMAGE_SIDE = 8000;

/** A stored file name: 16 hex digits of the original's SHA-256, optionally "-thumb", ".webp". */
export const mediaFileName = /^[0-9a-f]{16}(-thumb)?\.webp$/;

export function productMediaDir(dataDir: string, productId: number): string {
  return path.join(dataDir, 'media', 'products', String(productId));
}

/** The public address of a stored image (relative to PUBLIC_URL), as chat and the back office show it. */
export function productImagePath(productId: number, file: string, thumb = false): string {
  if (/^https?:\/\//.test(file) || file.startsWith('/')) return file;
  return `/media/products/${productId}/${thumb ? file.replace(/\.webp$/, '-thumb.webp') : file}`;
}

export type ProductImageProblem = 'notImage' | 'tooLarge' | 'tooManyPixels' | 'corrupt';

function refuse(reason: ProductImageProblem, message: string, params: Record<string, string | number> = {}): never {
  throw new AppError('PRODUCT_IMAGE_INVALID', message, { reason, ...params });
}

/**
 * Checks the bytes (JPEG, PNG or WebP by their magic bytes, size, dimensions from the header before any
 * decoding) and writes the resized image and its thumbnail. Returns the stored file name.
 */
export async function storeProductImage(dataDir: string, productId: number, bytes: Buffer): Promise<string> {
  if (bytes.length === 0 || !sniffImageFormat(bytes)) refuse('notImage', 'The file is not a JPEG, PNG or WebP image');
  if (bytes.length > MAX_PRODUCT_IMAGE_BYTES) refuse('tooLarge', 'The image is larger than 10 MB');
  const sharp = await loadSharp();
  let width = 0;
  let height = 0;
  try {
    const meta = await sharp(bytes).metadata();
    width = meta.width ?? 0;
    height = meta.height ?? 0;
  } catch {
    refuse('corrupt', 'The image could not be read');
  }
  if (!width || !height) refuse('corrupt', 'The image has no dimensions');
  if (width > MAX_PRODUCT_IMAGE_SIDE || height > MAX_PRODUCT_IMAGE_SIDE || width * height > MAX_PRODUCT_IMAGE_PIXELS) {
    refuse('tooManyPixels', `The image is ${width}x${height}; at most 8000 px a side and 40 megapixels`, { width, height });
  }
  const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.webp`;
  let large: Buffer;
  let thumb: Buffer;
  try {
    const source = () => sharp(bytes, { limitInputPixels: MAX_PRODUCT_IMAGE_PIXELS, failOn: 'truncated' }).rotate();
    large = await source().resize({ width: 1200, height: 1200, fit: 'inside', withoutEnlargement: true }).webp({ quality: 82 }).toBuffer();
    thumb = await source().resize({ width: 300, height: 300, fit: 'inside', withoutEnlargement: true }).webp({ quality: 75 }).toBuffer();
  } catch {
    refuse('corrupt', 'The image is damaged');
  }
  const dir = productMediaDir(dataDir, productId);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, name), large);
  await writeFile(path.join(dir, name.replace(/\.webp$/, '-thumb.webp')), thumb);
  return name;
}

/** Removes a stored image and its thumbnail; a file already gone is fine. */
export async function removeProductImage(dataDir: string, productId: number, file: string): Promise<void> {
  if (!mediaFileName.test(file)) return;
  const dir = productMediaDir(dataDir, productId);
  await rm(path.join(dir, file), { force: true });
  await rm(path.join(dir, file.replace(/\.webp$/, '-thumb.webp')), { force: true });
}
