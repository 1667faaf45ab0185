/**
 * Photos sent in the web chat, kept on the disk beside the embedded database: each visitor has a quota,
 * all visitors together have one, and an upload is removed after the set days. A slip or a return photo
 * is copied out of here when it is taken (slips/, return-photos/), so removing uploads loses neither.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export interface UploadLimits {
  /** Bytes one visitor may keep. */
  perVisitor: number;
  /** Bytes all visitors together may keep. */
  total: number;
}

export const webchatUploadsDir = (dataDir: string) => path.join(dataDir, 'uploads', 'webchat');

async function filesOf(dir: string): Promise<{ file: string; size: number; mtimeMs: number }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out = [];
  for (const name of names) {
    try {
      const s = await stat(path.join(dir, name));
      if (s.isFile()) out.push({ file: path.join(dir, name), size: s.size, mtimeMs: s.mtimeMs });
    } catch {
      // Removed meanwhile.
    }
  }
  return out;
}

/** Visitors' folders (their ids). */
async function visitorsOf(root: string): Promise<string[]> {
  try {
    return (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

/**
 * Decides whether one more upload fits: 'visitor' or 'total' when it does not. The total is counted by
 * walking the folder at most once a minute and adding what was let in since.
 */
export function createUploadQuota(dataDir: string, limits: UploadLimits, opts: { recountMs?: number } = {}) {
  const root = webchatUploadsDir(dataDir);
  let total: { bytes: number; at: number } | undefined;
  async function totalBytes(now: number): Promise<number> {
    if (!total || now - total.at > (opts.recountMs ?? 60_000)) {
      let bytes = 0;
      for (const v of await visitorsOf(root)) for (const f of await filesOf(path.join(root, v))) bytes += f.size;
      total = { bytes, at: now };
    }
    return total.bytes;
  }
  return {
    async admit(visitorId: string, size: number): Promise<'visitor' | 'total' | undefined> {
      const mine = (await filesOf(path.join(root, visitorId))).reduce((n, f) => n + f.size, 0);
      if (mine + size > limits.perVisitor) return 'visitor';
      if ((await totalBytes(Date.now())) + size > limits.total) return 'total';
      total!.bytes += size;
      return undefined;
    },
  };
}

/** Removes web-chat uploads older than `before`, and the folders left empty; how many files went. */
export async function pruneWebchatUploads(dataDir: string, before: Date): Promise<number> {
  const root = webchatUploadsDir(dataDir);
  let removed = 0;
  for (const visitor of await visitorsOf(root)) {
    const dir = path.join(root, visitor);
    const files = await filesOf(dir);
    for (const f of files) {
      if (f.mtimeMs >= before.getTime()) continue;
      await rm(f.file, { force: true });
      removed++;
    }
    if ((await readdir(dir).catch(() => ['?'])).length === 0) await rm(dir, { recursive: true, force: true });
  }
  return removed;
}
