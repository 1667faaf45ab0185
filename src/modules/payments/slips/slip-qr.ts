// Reads the small verification QR a Thai banking app prints on a transfer
// slip: API id, sending bank and transaction reference, guarded by a CRC.

import { bankByCode } from '../banks.ts';
import { hasValidCrc, tryParseTlv } from '../emv.ts';

export type SlipQr = {
  payload: string;
  /** False means the payload was altered after the bank made it. */
  crcValid: boolean;
  bankCode: string;
  /** Short bank name (`KBANK`), or null for a code missing from our table. */
  bankShort: string | null;
  transRef: string;
  apiId: string;
  country: string;
};

/**
 * Parses a decoded QR string; null when it is not a slip verification QR
 * (a PromptPay code, a URL, a payload that does not parse). A slip whose CRC
 * does not match still comes back, with crcValid false, so the caller can
 * tell a forged slip from a photo that is not a slip at all.
 */
export function parseSlipQr(payload: string): SlipQr | null {
  const text = payload.trim();
  const fields = tryParseTlv(text);
  if (!fields || fields.length < 3) return null;

  const [first] = fields;
  if (!first || first.tag !== '00') return null;
  const inner = tryParseTlv(first.value);
  if (!inner) return null;

  const apiId = inner.find((f) => f.tag === '00')?.value;
  const bankCode = inner.find((f) => f.tag === '01')?.value;
  const transRef = inner.find((f) => f.tag === '02')?.value;
  // A PromptPay payload also starts with tag 00 ("01"), so the sub-template
  // shape is what tells a slip QR apart.
  if (!apiId || !/^\d{6}$/.test(apiId)) return null;
  if (!bankCode || !/^\d{3}$/.test(bankCode)) return null;
  if (!transRef || !/^[A-Za-z0-9]{6,40}$/.test(transRef)) return null;

  const country = fields.find((f) => f.tag === '51')?.value ?? '';
  const crcField = fields.at(-1);
  if (!crcField || crcField.tag !== '91' || crcField.value.length !== 4) return null;

  return {
    payload: text,
    crcValid: hasValidCrc(text, '91'),
    bankCode,
    bankShort: bankByCode(bankCode)?.short ?? null,
    transRef,
    apiId,
    country,
  };
}
