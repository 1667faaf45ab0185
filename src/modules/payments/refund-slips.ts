// Photos of refund transfers, kept under DATA_DIR/refund-slips after their bytes are checked as an image.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors.ts';
import { inspectImage } from '../../lib/image-guard.ts';

/** Checks a refund slip image by its bytes (JPEG, PNG or WebP, size and pixel limits); throws REFUND_SLIP_INVALID. */
export async function checkRefundSlip(bytes: Buffer): Promise<'jpeg' | 'png' | 'webp'> {
  const inspection = await inspectImage(bytes);
  if (!inspection.ok) throw new AppError('REFUND_SLIP_INVALID', inspection.message, { reason: inspection.code });
  return inspection.format;
}

/** Where refund slip photos live, relative to DATA_DIR; `refunds.slip_path` is always relative to DATA_DIR and under here. */
export const REFUND_SLIPS_DIR = 'refund-slips';

/**
 * Keeps a refund slip photo under DATA_DIR/refund-slips, readable by the app's user only, and returns the
 * path to store in `refunds.slip_path` (relative to DATA_DIR). The bytes are checked first unless the
 * caller passes the format `checkRefundSlip` already found; a bad image throws REFUND_SLIP_INVALID.
 */
export async function saveRefundSlip(dataDir: string, bytes: Buffer, opts: { prefix: string; format?: 'jpeg' | 'png' | 'webp' }): Promise<string> {
  const format = opts.format ?? (await checkRefundSlip(bytes));
  await mkdir(path.join(dataDir, REFUND_SLIPS_DIR), { recursive: true });
  const relative = path.posix.join(REFUND_SLIPS_DIR, `${opts.prefix}-${randomUUID()}.${format === 'jpeg' ? 'jpg' : format}`);
  await writeFile(path.join(dataDir, relative), bytes, { mode: 0o600 });
  return relative;
}

/** Removes a slip kept by `saveRefundSlip` whose refund was never written. */
export async function removeRefundSlip(dataDir: string, slipPath: string): Promise<void> {
  const file = refundSlipFile(dataDir, slipPath);
  if (file) await rm(file, { force: true });
}

/**
 * The file of a stored slip path, or undefined when it would lie outside DATA_DIR/refund-slips (whatever
 * a row says, nothing else is ever read). Rows written before slip paths were made relative hold an
 * absolute path; it is accepted only when it, too, lies under DATA_DIR/refund-slips.
 */
export function refundSlipFile(dataDir: string, slipPath: string | null | undefined): string | undefined {
  if (!slipPath) return undefined;
  const root = path.resolve(dataDir, REFUND_SLIPS_DIR);
  const file = path.isAbsolute(slipPath) ? path.resolve(slipPath) : path.resolve(dataDir, slipPath);
  return file.startsWith(root + path.sep) ? file : undefined;
}

/** The content type of a slip file, by the extension `saveRefundSlip` gave it. */
export function refundSlipType(file: string): 'image/png' | 'image/webp' | 'image/jpeg' {
  return /\.png$/i.test(file) ? 'image/png' : /\.webp$/i.test(file) ? 'image/webp' : 'image/jpeg';
}
