// PromptPay (EMVCo merchant-presented) payloads and QR images, the code a
// customer scans in their banking app to pay an order's exact amount.

import QRCode from 'qrcode';
import { z } from 'zod';
import { loadSharp } from '../../lib/lazy.ts';
import { crc16ccittFalse, encodeTlv } from './emv.ts';

const PROMPTPAY_AID = 'A000000677010111';

export type PromptPayIdType = 'phone' | 'nationalId' | 'eWallet';

export type PromptPayTarget = {
  type: PromptPayIdType;
  /** The value that goes into tag 29: `0066` + 9 digits, or 13 or 15 digits. */
  value: string;
};

export class PromptPayInputError extends Error {
  readonly code = 'INVALID_PROMPTPAY_INPUT' as const;
  readonly kind = 'invalid' as const;

  constructor(message: string) {
    super(message);
    this.name = 'PromptPayInputError';
  }
}

// Tag 54 holds at most 13 characters ("9999999999.99").
const MAX_AMOUNT_MINOR = 999_999_999_999;

const amountSchema = z
  .number()
  .int('amountMinor must be a whole number of satang')
  .positive('amountMinor must be more than zero')
  .max(MAX_AMOUNT_MINOR, 'amountMinor is too large for a PromptPay QR');

/**
 * Normalises a PromptPay id as a merchant would type it: Thai mobile
 * (0812223333, +66812223333, 66812223333), a 13-digit national or tax id,
 * or a 15-digit e-wallet id. Spaces and dashes are ignored.
 */
export function parsePromptPayId(id: string): PromptPayTarget {
  const raw = id.trim();
  if (!/^\+?[\d\s-]+$/.test(raw)) {
    throw new PromptPayInputError(`PromptPay id "${id}" must contain only digits (spaces, dashes and a leading + allowed)`);
  }
  const digits = raw.replace(/[^\d]/g, '');
  if (raw.startsWith('+') && !digits.startsWith('66')) {
    throw new PromptPayInputError(`PromptPay id "${id}" is not a Thai (+66) number`);
  }
  // A Thai mobile is 0 + 9 digits, or 66 + 9 digits without the trunk 0.
  if (/^0\d{9}$/.test(digits)) return { type: 'phone', value: `0066${digits.slice(1)}` };
  if (/^66\d{9}$/.test(digits)) return { type: 'phone', value: `00${digits}` };
  if (/^\d{13}$/.test(digits)) return { type: 'nationalId', value: digits };
  if (/^\d{15}$/.test(digits)) return { type: 'eWallet', value: digits };
  throw new PromptPayInputError(
    `PromptPay id "${id}" is neither a Thai mobile number (10 digits starting with 0, or +66), ` +
      'a 13-digit national/tax id, nor a 15-digit e-wallet id',
  );
}

/** Satang to the "150.00" form tag 54 wants, without going through floats. */
export function formatAmountMinor(amountMinor: number): string {
  const whole = Math.floor(amountMinor / 100);
  const fraction = amountMinor % 100;
  return `${whole}.${String(fraction).padStart(2, '0')}`;
}

const TARGET_TAG: Record<PromptPayIdType, string> = { phone: '01', nationalId: '02', eWallet: '03' };

/**
 * Builds the payload. With an amount it is dynamic (010212) so the app fills
 * in the exact sum; without, static (010211). Field order follows the DESIGN
 * test vector: 00, 01, 29, 53, 58, 54, 63.
 */
export function buildPromptPayPayload(input: { id: string; amountMinor?: number | undefined }): string {
  const target = parsePromptPayId(input.id);
  let amount: string | null = null;
  if (input.amountMinor !== undefined) {
    const parsed = amountSchema.safeParse(input.amountMinor);
    if (!parsed.success) {
      throw new PromptPayInputError(parsed.error.issues[0]?.message ?? 'invalid amountMinor');
    }
    amount = formatAmountMinor(parsed.data);
  }

  const merchant = encodeTlv('00', PROMPTPAY_AID) + encodeTlv(TARGET_TAG[target.type], target.value);
  const body =
    encodeTlv('00', '01') +
    encodeTlv('01', amount === null ? '11' : '12') +
    encodeTlv('29', merchant) +
    encodeTlv('53', '764') +
    encodeTlv('58', 'TH') +
    (amount === null ? '' : encodeTlv('54', amount)) +
    '6304';
  return body + crc16ccittFalse(body);
}

export type PromptPayQrOptions = {
  /** Pixel width of the PNG; default 512. */
  width?: number;
  /** Quiet zone in modules; default 2. */
  margin?: number;
  errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H';
};

/**
 * The QR as a PNG. Only the symbol (a few dozen modules square) is made on the main thread; scaling it
 * up and the PNG encode run in libvips's threads: the pure-JS encoder took ~100 ms of the event loop
 * per 512 px image.
 */
export async function renderPromptPayQrPng(payload: string, opts: PromptPayQrOptions = {}): Promise<Buffer> {
  // M survives the JPEG recompression chat apps apply to forwarded images.
  const symbol = QRCode.create(payload, { errorCorrectionLevel: opts.errorCorrectionLevel ?? 'M' });
  const margin = opts.margin ?? 2;
  const modules = symbol.modules.size;
  const side = modules + 2 * margin;
  const pixels = Buffer.alloc(side * side, 255);
  for (let row = 0; row < modules; row++) {
    for (let col = 0; col < modules; col++) if (symbol.modules.get(row, col)) pixels[(row + margin) * side + col + margin] = 0;
  }
  const width = Math.max(side, Math.round(opts.width ?? 512));
  const sharp = await loadSharp();
  return sharp(pixels, { raw: { width: side, height: side, channels: 1 } })
    .resize(width, width, { kernel: 'nearest' })
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
}
