// EMVCo-style TLV helpers shared by the PromptPay payload we show customers
// and the bank e-slip verification QR we read back from their slips.

export type TlvField = { tag: string; value: string };

export class TlvFormatError extends Error {
  readonly code = 'MALFORMED_TLV' as const;
  readonly kind = 'invalid' as const;
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'TlvFormatError';
    this.offset = offset;
  }
}

/**
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR)
 * over the UTF-8 bytes, as 4 uppercase hex digits. CRC("123456789") = "29B1".
 */
export function crc16ccittFalse(input: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(input, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** One TLV element: 2-digit tag, 2-digit decimal length, value. */
export function encodeTlv(tag: string, value: string): string {
  if (!/^\d{2}$/.test(tag)) throw new TlvFormatError(`TLV tag must be two digits, got "${tag}"`, 0);
  // EMV lengths count characters; every value we emit is ASCII, where that
  // equals bytes. Anything else would make the length lie to a bank app.
  if (!/^[\x20-\x7e]*$/.test(value)) {
    throw new TlvFormatError(`TLV value for tag ${tag} must be printable ASCII`, 0);
  }
  if (value.length > 99) throw new TlvFormatError(`TLV value for tag ${tag} is longer than 99 characters`, 0);
  return `${tag}${String(value.length).padStart(2, '0')}${value}`;
}

/**
 * Splits a TLV string into its top-level fields. Strict: a non-numeric tag or
 * length, or a length running past the end, throws TlvFormatError, because a
 * payload that does not parse cleanly is not one a bank produced.
 */
export function parseTlv(payload: string): TlvField[] {
  const fields: TlvField[] = [];
  let pos = 0;
  while (pos < payload.length) {
    if (pos + 4 > payload.length) {
      throw new TlvFormatError(`truncated TLV header at offset ${pos}`, pos);
    }
    const tag = payload.slice(pos, pos + 2);
    const lengthText = payload.slice(pos + 2, pos + 4);
    if (!/^\d{2}$/.test(tag)) throw new TlvFormatError(`non-numeric TLV tag "${tag}" at offset ${pos}`, pos);
    if (!/^\d{2}$/.test(lengthText)) {
      throw new TlvFormatError(`non-numeric TLV length "${lengthText}" at offset ${pos + 2}`, pos + 2);
    }
    const length = Number(lengthText);
    const start = pos + 4;
    if (start + length > payload.length) {
      throw new TlvFormatError(
        `TLV tag ${tag} declares ${length} characters but only ${payload.length - start} remain`,
        pos + 2,
      );
    }
    fields.push({ tag, value: payload.slice(start, start + length) });
    pos = start + length;
  }
  return fields;
}

/** parseTlv that answers null instead of throwing, for untrusted input. */
export function tryParseTlv(payload: string): TlvField[] | null {
  try {
    return parseTlv(payload);
  } catch (err) {
    if (err instanceof TlvFormatError) return null;
    throw err;
  }
}

/**
 * Whether the payload ends with `<crcTag>04XXXX` and XXXX is the CRC of
 * everything before XXXX (the tag and length included, as EMVCo requires).
 */
export function hasValidCrc(payload: string, crcTag: string): boolean {
  const crcField = payload.slice(-8, -4);
  if (crcField !== `${crcTag}04`) return false;
  return crc16ccittFalse(payload.slice(0, -4)) === payload.slice(-4).toUpperCase();
}
