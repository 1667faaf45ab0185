/**
 * A photo from chat, made ready before the event's transaction opens, so no transaction (and on the
 * embedded database, not its only connection) ever waits for a download, OCR or the bank: the photo
 * is fetched once; read as a slip only when it can be one (its sender has an order awaiting payment);
 * otherwise checked and kept (a return photo with the return, anything else as a chat photo). The
 * result goes into the transaction with the event, and what was read is kept in the database with the
 * slip, never in memory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '#src/config.ts';
import type { Db } from '#src/db/client.ts';
import { createFairQueue } from '#src/lib/fair-queue.ts';
import { ImageRejectedError, inspectImage, sniffImageFormat } from '#src/lib/image-guard.ts';
import type { Logger } from '#src/logger.ts';
import { conversationOf } from '#src/modules/conversations/index.ts';
import { awaitingPaymentStatuses, ordersOfCustomer } from '#src/modules/orders/index.ts';
import type { RemoteSlipVerifier } from '#src/modules/payments/remote-verifier.ts';
import { createSlipReader, type SlipReader } from '#src/modules/payments/slips/index.ts';
import { askBankFirst } from '#src/workflows/payments/verify-slip.ts';
import type { ChatPerson, InboundImage, PreparedPhoto } from './engine/engine.ts';

export interface PhotoIntakeOptions {
  db: Db;
  config: Config;
  logger: Logger;
  reader?: (() => SlipReader) | undefined;
  /** Slip reads at once across all customers (default: the OCR workers, or 2). */
  readSlots?: number | undefined;
  remote?: RemoteSlipVerifier | undefined;
}

export function createPhotoIntake(opts: PhotoIntakeOptions) {
  const { db, config, logger } = opts;
  let reader: SlipReader | undefined;
  const getReader = () => (reader ??= opts.reader ? opts.reader() : createSlipReader({ logger, workers: config.ocrWorkers }));
  // Slip reads take turns per customer: one at a time each, as many at once as there are OCR workers.
  const reads = createFairQueue(opts.readSlots ?? Math.max(1, config.ocrWorkers ?? 2));

  async function keep(folder: string, name: string, bytes: Buffer): Promise<string> {
    const dir = path.join(config.dataDir, folder);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    return file;
  }

  /** Fetches, checks and (when it can be a slip) reads one photo; never inside a transaction. */
  async function prepare(person: ChatPerson, image: InboundImage): Promise<PreparedPhoto> {
    const conversation = await conversationOf(db, person.channel, person.userId);
    const returning = conversation?.step === 'return';
    const [order] =
      conversation && !returning ? await ordersOfCustomer(db, conversation.customerId, { statuses: awaitingPaymentStatuses, limit: 1 }) : [];
    let bytes: Buffer;
    try {
      bytes = await image.fetch();
    } catch (err) {
      logger.warn({ err, reference: image.reference }, 'chat photo could not be fetched');
      return { kind: 'refused', code: 'UNREADABLE' };
    }
    if (!order) {
      // A return photo, or a chat photo: checked and kept, never read.
      const checked = await inspectImage(bytes);
      if (!checked.ok) return { kind: 'refused', code: checked.code };
      if (!returning && image.file) return { kind: 'kept', file: image.file };
      return { kind: 'kept', file: await keep(returning ? 'return-photos' : 'chat-photos', `${checked.sha256}.${checked.format}`, bytes) };
    }
    let reading;
    try {
      // The reader checks the image itself (size, pixels, shape) before any work on it.
      reading = await reads.run(`${person.channel}:${person.userId}`, () => getReader().read(bytes));
    } catch (err) {
      if (err instanceof ImageRejectedError) return { kind: 'refused', code: err.code };
      logger.warn({ err, reference: image.reference }, 'slip image could not be read');
      return { kind: 'refused', code: 'CORRUPT_IMAGE' };
    }
    const file = await keep('slips', `${reading.sha256}.${sniffImageFormat(bytes) ?? 'jpeg'}`, bytes);
    const bank =
      opts.remote && reading.isSlip
        ? { answer: await askBankFirst(db, { order, reading, config, now: new Date(), remote: opts.remote }) }
        : undefined;
    return { kind: 'read', file, reading, bank };
  }

  return {
    prepare,
    /** Slip reads waiting for their turn, and running now. */
    get reads() {
      return { waiting: reads.waiting, active: reads.active };
    },
    async close() {
      await reader?.close();
    },
  };
}

export type PhotoIntake = ReturnType<typeof createPhotoIntake>;
