import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspectImage } from '../../lib/image-guard.ts';

/** Photos staff send from the inbox: checked by their content, named by their hash, served publicly for LINE to fetch. */
export const staffPhotoName = /^[0-9a-f]{64}\.(jpeg|png|webp)$/;
export const staffPhotoDir = (dataDir: string) => path.join(dataDir, 'chat-out');

/** Stores a photo after the same checks as every upload (a real JPEG, PNG or WebP of sane size); its file name, or why not. */
export async function storeStaffPhoto(dataDir: string, bytes: Buffer): Promise<{ ok: true; name: string } | { ok: false; code: string }> {
  const checked = await inspectImage(bytes);
  if (!checked.ok) return { ok: false, code: checked.code };
  const name = `${checked.sha256}.${checked.format}`;
  await mkdir(staffPhotoDir(dataDir), { recursive: true });
  await writeFile(path.join(staffPhotoDir(dataDir), name), bytes);
  return { ok: true, name };
}
