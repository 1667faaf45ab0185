/**
 * Photos sent over Messenger and Instagram arrive as CDN URLs that stop working after a while, so each
 * one is downloaded as soon as its webhook is stored and kept on disk (under DATA_DIR, shared by the web
 * and worker processes) until the conversation reads it: a slip still pays its order when the event is
 * processed late (a worker down, a retry), long after its URL expired.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '#src/logger.ts';
import type { InboundRecord } from '#src/modules/conversations/index.ts';
import { imageUrlOf, storedItem } from './facebook.inbound.ts';

/** Long after any event is processed (retries included); the slip itself is kept with the payment. */
const KEEP_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 6 * 3_600_000;

export interface FacebookMediaOptions {
  dir: string;
  download: (url: string) => Promise<Buffer>;
  logger: Logger;
  now?: () => number;
}

export function createFacebookMedia(opts: FacebookMediaOptions) {
  const now = opts.now ?? Date.now;
  const pending = new Map<string, Promise<Buffer>>();
  /** Receipts being handled (a look on disk, then a download), for settled(). */
  const receipts = new Set<Promise<void>>();
  let prunedAt = 0;

  const fileOf = (key: string) => path.join(opts.dir, createHash('sha256').update(key).digest('hex').slice(0, 40));

  async function readKept(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(fileOf(key));
    } catch {
      return undefined;
    }
  }

  /** Downloads once per key at a time, and keeps the bytes (written whole, then renamed into place). */
  function download(key: string, url: string): Promise<Buffer> {
    let p = pending.get(key);
    if (!p) {
      p = (async () => {
        const bytes = await opts.download(url);
        const file = fileOf(key);
        await mkdir(opts.dir, { recursive: true });
        const part = `${file}.${process.pid}.part`;
        await writeFile(part, bytes);
        await rename(part, file);
        return bytes;
      })().finally(() => pending.delete(key));
      pending.set(key, p);
    }
    return p;
  }

  async function prune() {
    if (now() - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now();
    const names = await readdir(opts.dir).catch(() => [] as string[]);
    for (const name of names) {
      const file = path.join(opts.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && now() - info.mtimeMs > KEEP_MS) await unlink(file).catch(() => undefined);
    }
  }

  return {
    /** Starts downloading the photo of every stored item that carries one (not awaited by the webhook). */
    keep(records: InboundRecord[]): void {
      for (const r of records) {
        const item = storedItem.safeParse(r.payload);
        const url = item.success ? imageUrlOf(item.data) : undefined;
        if (!url) continue;
        const key = `${r.channel}:${r.eventId}`;
        const receipt = (async () => {
          if (pending.has(key) || (await stat(fileOf(key)).then(() => true, () => false))) return;
          await download(key, url);
        })()
          .catch((err: unknown) => opts.logger.warn({ err, channel: r.channel }, 'Messenger photo not downloaded on receipt; read from its URL later'))
          .finally(() => receipts.delete(receipt));
        receipts.add(receipt);
      }
      void prune().catch(() => undefined);
    },
    /** The photo's bytes: the download under way, the copy kept, or (not kept yet) a download now. */
    async fetch(key: string, url: string): Promise<Buffer> {
      const underway = pending.get(key);
      if (underway) return underway.catch(() => download(key, url));
      return (await readKept(key)) ?? download(key, url);
    },
    /** Resolves once the downloads under way have finished (shutdown, tests). */
    async settled(): Promise<void> {
      while (receipts.size > 0 || pending.size > 0) await Promise.allSettled([...receipts, ...pending.values()]);
    },
  };
}

export type FacebookMedia = ReturnType<typeof createFacebookMedia>;
