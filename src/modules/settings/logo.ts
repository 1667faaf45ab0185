import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSharp } from '../../lib/lazy.ts';
import { inspectImage } from '../../lib/image-guard.ts';

export const MAX_LOGO_BYTES = 5 * 1024 * 1024;
const LOGO_MAX_PX = 600;

/**
 * Stores an uploaded logo: checked by its content (JPEG/PNG/WebP by magic bytes, size and pixels read from
 * the header), resized to at most 600 px and re-encoded as PNG, so nothing of the upload is kept verbatim.
 * Returns the DATA_DIR-relative path, named by the content's hash.
 */
export async function storeLogo(dataDir: string, bytes: Buffer): Promise<{ ok: true; logoPath: string } | { ok: false }> {
  if (bytes.length === 0 || bytes.length > MAX_LOGO_BYTES) return { ok: false };
  const checked = await inspectImage(bytes);
  if (!checked.ok) return { ok: false };
  const sharp = await loadSharp();
  let png: Buffer;
  try {
    png = await sharp(bytes, { limitInputPixels: 25_000_000 })
      .rotate()
      .resize({ width: LOGO_MAX_PX, height: LOGO_MAX_PX, fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer();
  } catch {
    return { ok: false };
  }
  const logoPath = `media/shop/logo-${createHash('sha256').update(png).digest('hex').slice(0, 32)}.png`;
  const file = path.join(dataDir, logoPath);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, png);
  return { ok: true, logoPath };
}

/** The stored logo's bytes, or undefined when none is set or the file is gone. */
export async function readLogo(dataDir: string, logoPath: string | undefined): Promise<Buffer | undefined> {
  if (!logoPath || !/^media\/shop\/logo-[0-9a-f]{16,64}\.png$/.test(logoPath)) return undefined;
  try {
    return await readFile(path.join(dataDir, logoPath));
  } catch {
    return undefined;
  }
}
