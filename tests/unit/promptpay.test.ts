import jsQRModule from 'jsqr';
import generatePayload from 'promptpay-qr';
import QRCode from 'qrcode';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import { crc16ccittFalse, encodeTlv, hasValidCrc, parseTlv, TlvFormatError, tryParseTlv } from '../../src/modules/payments/emv.ts';
import {
  buildPromptPayPayload,
  formatAmountMinor,
  parsePromptPayId,
  PromptPayInputError,
  renderPromptPayQrPng,
} from '../../src/modules/payments/promptpay.ts';

type JsQr = (typeof jsQRModule)['default'];
const jsQR: JsQr = (jsQRModule as unknown as { default?: JsQr }).default ?? (jsQRModule as unknown as JsQr);

const DESIGN_VECTOR = '00020101021229370016A0000006770101110113006681222333353037645802TH540530.0063043CAD';

/** Tag → value, with the merchant template (29) opened up as "29.00", "29.01"... */
function fieldsOf(payload: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { tag, value } of parseTlv(payload)) {
    if (tag === '29') for (const inner of parseTlv(value)) out[`29.${inner.tag}`] = inner.value;
    else out[tag] = value;
  }
  return out;
}

describe('EMV TLV helpers', () => {
  it('computes CRC-16/CCITT-FALSE with the standard check value', () => {
    expect(crc16ccittFalse('123456789')).toBe('29B1');
    expect(crc16ccittFalse('')).toBe('FFFF');
  });

  it('encodes and parses elements symmetrically', () => {
    const payload = encodeTlv('00', '01') + encodeTlv('29', encodeTlv('01', 'abc')) + encodeTlv('58', 'TH');
    expect(payload).toBe('00020129070103abc5802TH');
    expect(parseTlv(payload)).toEqual([
      { tag: '00', value: '01' },
      { tag: '29', value: '0103abc' },
      { tag: '58', value: 'TH' },
    ]);
  });

  it('refuses a length that runs past the end of the payload', () => {
    expect(() => parseTlv('0005abc')).toThrow(TlvFormatError);
    expect(tryParseTlv('0005abc')).toBeNull();
  });

  it('refuses a non-numeric tag or length and a truncated header', () => {
    expect(() => parseTlv('0A02ab')).toThrow(TlvFormatError);
    expect(() => parseTlv('00x2ab')).toThrow(TlvFormatError);
    expect(() => parseTlv('000201' + '58')).toThrow(TlvFormatError);
    expect(tryParseTlv('')).toEqual([]);
  });

  it('will not encode a value whose length would not fit or lie', () => {
    expect(() => encodeTlv('00', 'x'.repeat(100))).toThrow(TlvFormatError);
    expect(() => encodeTlv('0', 'x')).toThrow(TlvFormatError);
    expect(() => encodeTlv('00', 'บาท')).toThrow(TlvFormatError);
  });
});

describe('buildPromptPayPayload', () => {
  it('reproduces the DESIGN.md test vector for 0812223333 and 30 baht', () => {
    expect(buildPromptPayPayload({ id: '0812223333', amountMinor: 3000 })).toBe(DESIGN_VECTOR);
  });

  it('accepts the same mobile written with +66 or 66', () => {
    for (const id of ['+66812223333', '66812223333', '081-222-3333', ' 081 222 3333 ']) {
      expect(buildPromptPayPayload({ id, amountMinor: 3000 })).toBe(DESIGN_VECTOR);
    }
  });

  it('makes a static code (010211, no amount) when no amount is given', () => {
    const payload = buildPromptPayPayload({ id: '0812223333' });
    const fields = fieldsOf(payload);
    expect(fields['01']).toBe('11');
    expect(fields['54']).toBeUndefined();
    expect(hasValidCrc(payload, '63')).toBe(true);
  });

  it('puts a 13-digit national or tax id in tag 02 and a 15-digit e-wallet id in tag 03', () => {
    const tax = fieldsOf(buildPromptPayPayload({ id: '0105561234567', amountMinor: 15000 }));
    expect(tax['29.02']).toBe('0105561234567');
    expect(tax['29.01']).toBeUndefined();
    expect(tax['54']).toBe('150.00');
    const wallet = fieldsOf(buildPromptPayPayload({ id: '004999123456789' }));
    expect(wallet['29.03']).toBe('004999123456789');
  });

  it('renders satang exactly, without floating-point drift', () => {
    expect(formatAmountMinor(1)).toBe('0.01');
    expect(formatAmountMinor(15050)).toBe('150.50');
    expect(formatAmountMinor(123456789)).toBe('1234567.89');
    expect(fieldsOf(buildPromptPayPayload({ id: '0812223333', amountMinor: 29 }))['54']).toBe('0.29');
  });

  it('rejects ids that are not a Thai mobile, a 13-digit id or a 15-digit e-wallet', () => {
    for (const id of ['', '12345', '081222333', '08122233334', '+1 415 555 0100', 'abc0812223333', '12345678901234']) {
      expect(() => buildPromptPayPayload({ id }), id).toThrow(PromptPayInputError);
    }
    expect(() => parsePromptPayId('0812223333x')).toThrow(/PromptPay id/);
  });

  it('rejects amounts that are not a positive whole number of satang', () => {
    for (const amountMinor of [0, -100, 10.5, Number.NaN, 1e13]) {
      expect(() => buildPromptPayPayload({ id: '0812223333', amountMinor }), String(amountMinor)).toThrow(PromptPayInputError);
    }
  });

  // promptpay-qr writes 58 (country) before 53 (currency); DESIGN.md's vector,
  // which bank apps accept, has 53 then 58 then 54. EMV readers look fields
  // up by tag, so the two payloads are compared field by field, and each
  // must carry a CRC that is valid for its own byte order.
  it.each([
    ['0812223333', 30],
    ['0899999999', 150.5],
    ['+66612345678', 1234.56],
    ['0105561234567', 99],
    ['1234567890123', 0.01],
    ['004999123456789', 2500],
    ['0812223333', undefined],
    ['0105561234567', undefined],
  ])('agrees with the promptpay-qr package for %s, amount %s', (id, baht) => {
    const ours = buildPromptPayPayload({ id, amountMinor: baht === undefined ? undefined : Math.round(baht * 100) });
    const theirs = generatePayload(id, baht === undefined ? {} : { amount: baht });
    expect(hasValidCrc(ours, '63')).toBe(true);
    expect(hasValidCrc(theirs, '63')).toBe(true);
    const { '63': _ourCrc, ...ourFields } = fieldsOf(ours);
    const { '63': _theirCrc, ...theirFields } = fieldsOf(theirs);
    expect(ourFields).toEqual(theirFields);
  });
});

describe('renderPromptPayQrPng', () => {
  it('draws a PNG that decodes back to the same payload', async () => {
    const payload = buildPromptPayPayload({ id: '0812223333', amountMinor: 125050 });
    const png = await renderPromptPayQrPng(payload, { width: 400 });
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const decoded = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
    expect(decoded?.data).toBe(payload);
  });

  it('makes only the symbol on the main thread: the pure-JS PNG encoder (~100 ms of event loop per image) is never used', async () => {
    const toBuffer = vi.spyOn(QRCode, 'toBuffer');
    const toDataURL = vi.spyOn(QRCode, 'toDataURL');
    try {
      const payload = buildPromptPayPayload({ id: '0812223333', amountMinor: 9_900 });
      const png = await renderPromptPayQrPng(payload);
      expect(toBuffer).not.toHaveBeenCalled();
      expect(toDataURL).not.toHaveBeenCalled();
      const meta = await sharp(png).metadata();
      expect([meta.width, meta.height]).toEqual([512, 512]);
    } finally {
      toBuffer.mockRestore();
      toDataURL.mockRestore();
    }
  });
});
