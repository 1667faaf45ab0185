/**
 * Photos sent while an order awaits payment: fetched, checked as images, read (QR + OCR) and verified.
 * Reading takes about a second, so the inbox processor starts it before it opens the event's
 * transaction (prepare); the transaction then only waits for the result.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '#src/config.ts';
import type { Logger } from '#src/logger.ts';
import { formatMoney } from '#src/lib/money.ts';
import { inspectImage } from '#src/lib/image-guard.ts';
import type { RemoteSlipVerifier } from '#src/modules/payments/remote-verifier.ts';
import { createSlipReader, type SlipReader, type SlipReading } from '#src/modules/payments/slips/index.ts';
import { awaitsPayment, lockOrder } from '#src/modules/orders/index.ts';
import { verifySlip } from '#src/workflows/payments/verify-slip.ts';
import { messages } from '#templates/messages/index.ts';
import type { SlipHandler } from './engine.ts';
import type { OutMessage } from './messages.ts';

type Prepared =
  | { ok: true; reading: SlipReading; bytes: Buffer; format: string }
  | { ok: false; code: keyof (typeof messages)['th']['imageRefused'] };

export interface SlipHandlingOptions {
  config: Config;
  logger: Logger;
  /** Where slip images are kept, by their SHA-256. */
  dir: string;
  reader?: () => SlipReader;
  paymentQr?: (orderNumber: string, amount: number, locale: 'th' | 'en') => OutMessage | undefined;
  remote?: RemoteSlipVerifier;
}

export function createSlipHandling(opts: SlipHandlingOptions) {
  let reader: SlipReader | undefined;
  const getReader = () => (reader ??= opts.reader ? opts.reader() : createSlipReader({ logger: opts.logger, workers: opts.config.ocrWorkers }));
  const cache = new Map<string, Promise<Prepared>>();

  async function read(fetch: () => Promise<Buffer>): Promise<Prepared> {
    let bytes: Buffer;
    try {
      bytes = await fetch();
    } catch (err) {
      opts.logger.warn({ err }, 'slip image could not be fetched');
      return { ok: false, code: 'UNREADABLE' };
    }
    const checked = await inspectImage(bytes);
    if (!checked.ok) return { ok: false, code: checked.code };
    try {
      return { ok: true, reading: await getReader().read(bytes), bytes, format: checked.format };
    } catch (err) {
      opts.logger.warn({ err }, 'slip image could not be read');
      return { ok: false, code: 'CORRUPT_IMAGE' };
    }
  }

  /** Starts reading a photo; the result waits for the event's transaction (one per reference). */
  function prepare(reference: string, fetch: () => Promise<Buffer>): Promise<Prepared> {
    let p = cache.get(reference);
    if (!p) {
      p = read(fetch);
      if (cache.size > 200) cache.delete(cache.keys().next().value!);
      cache.set(reference, p);
    }
    return p;
  }

  const onSlip: SlipHandler = async (tx, ctx) => {
    const m = messages[ctx.locale];
    const prepared = await prepare(ctx.reference, ctx.fetch);
    cache.delete(ctx.reference);
    if (!prepared.ok) return [{ type: 'text', text: m.imageRefused[prepared.code] }];
    if (!prepared.reading.isSlip) return [{ type: 'text', text: m.notASlip }];
    const order = await lockOrder(tx, ctx.order.number);
    if (!awaitsPayment(order)) return [{ type: 'text', text: m.imageWithoutOrder }];

    const file = path.join(opts.dir, `${prepared.reading.sha256}.${prepared.format}`);
    await mkdir(opts.dir, { recursive: true });
    await writeFile(file, prepared.bytes);
    const outcome = await verifySlip(tx, {
      order,
      reading: prepared.reading,
      imagePath: file,
      config: opts.config,
      now: new Date(),
      remote: opts.remote,
    });
    const money = (n: number) => formatMoney(n, order.currency, ctx.locale);
    if (outcome.verdict === 'review') {
      opts.logger.info({ order: order.number, reasons: outcome.reasons }, 'slip needs review');
      return [{ type: 'text', text: m.slipInReview(order.number) }];
    }
    if (outcome.remaining > 0) {
      const qr = opts.paymentQr?.(order.number, outcome.remaining, ctx.locale);
      return [{ type: 'text', text: m.slipPartial(order.number, money(outcome.paid), money(outcome.remaining)) }, ...(qr ? [qr] : [])];
    }
    return [{ type: 'text', text: m.slipAccepted(order.number, money(outcome.paid)), buttons: [{ label: m.button.status, command: 'status' }] }];
  };

  return {
    prepare,
    onSlip,
    async close() {
      await reader?.close();
    },
  };
}

export type SlipHandling = ReturnType<typeof createSlipHandling>;
