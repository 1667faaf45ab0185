import { describe, expect, it } from 'vitest';
import { BANKS, bankByCode, bankByShort } from '../../src/modules/payments/banks.ts';
import { crc16ccittFalse, encodeTlv } from '../../src/modules/payments/emv.ts';
import { buildPromptPayPayload } from '../../src/modules/payments/promptpay.ts';
import { parseSlipQr } from '../../src/modules/payments/slips/slip-qr.ts';

function makeSlipQrPayload(opts: { bankCode?: string; transRef?: string; apiId?: string } = {}): string {
  const inner =
    encodeTlv('00', opts.apiId ?? '000001') +
    encodeTlv('01', opts.bankCode ?? '014') +
    encodeTlv('02', opts.transRef ?? '20261122aB3dE5fG7hJ9kL2mN');
  const body = encodeTlv('00', inner) + encodeTlv('51', 'TH') + '9104';
  return body + crc16ccittFalse(body);
}

describe('parseSlipQr', () => {
  it('reads the K PLUS example from the fixtures README', () => {
    const payload = '00410006000001010300402200350215600APM92727965102TH910495DB';
    expect(parseSlipQr(payload)).toEqual({
      payload,
      crcValid: true,
      bankCode: '004',
      bankShort: 'KBANK',
      transRef: '0350215600APM9272796',
      apiId: '000001',
      country: 'TH',
    });
  });

  it('names the sending bank for every code in the table', () => {
    for (const bank of BANKS) {
      const parsed = parseSlipQr(makeSlipQrPayload({ bankCode: bank.code, transRef: '2611221405ABCDEF12' }));
      expect(parsed?.bankShort, bank.code).toBe(bank.short);
      expect(parsed?.crcValid).toBe(true);
    }
  });

  it('flags a payload whose CRC does not match instead of dropping it', () => {
    const good = makeSlipQrPayload();
    const wrongCrc = good.slice(0, -4) + (good.slice(-4) === '0000' ? '0001' : '0000');
    expect(parseSlipQr(wrongCrc)).toMatchObject({ crcValid: false, bankShort: 'SCB' });
  });

  it('flags a reference edited after the bank signed it', () => {
    const good = makeSlipQrPayload({ transRef: '2601220704565456033', bankCode: '002' });
    const forged = good.replace('2601220704565456033', '2601220704565456034');
    expect(parseSlipQr(forged)).toMatchObject({ crcValid: false, transRef: '2601220704565456034' });
  });

  it('keeps an unknown bank code but gives it no short name', () => {
    expect(parseSlipQr(makeSlipQrPayload({ bankCode: '099' }))).toMatchObject({ bankCode: '099', bankShort: null, crcValid: true });
  });

  it('is not fooled by a PromptPay payment code', () => {
    expect(parseSlipQr(buildPromptPayPayload({ id: '0812223333', amountMinor: 3000 }))).toBeNull();
  });

  it('answers null for text that is not a slip QR', () => {
    for (const text of ['', 'https://example.com/slip/123', 'hello', '0099abc', '00410006000001', makeSlipQrPayload().slice(0, -2)]) {
      expect(parseSlipQr(text), text).toBeNull();
    }
  });

  it('answers null when the sub-template lacks the bank or the reference', () => {
    const noRef = encodeTlv('00', encodeTlv('00', '000001') + encodeTlv('01', '004')) + encodeTlv('51', 'TH') + '9104';
    expect(parseSlipQr(noRef + crc16ccittFalse(noRef))).toBeNull();
  });

  it('tolerates whitespace around a scanned payload', () => {
    const payload = makeSlipQrPayload();
    expect(parseSlipQr(`  ${payload}\n`)).toMatchObject({ payload, crcValid: true });
  });
});

describe('bank table', () => {
  it('covers every code DESIGN.md lists, with Thai and English names', () => {
    const codes = ['002', '004', '006', '011', '014', '022', '024', '025', '030', '033', '034', '066', '067', '069', '071', '073'];
    expect(BANKS.map((b) => b.code).sort()).toEqual(codes);
    for (const bank of BANKS) {
      expect(bank.nameTh).toMatch(/^ธนาคาร/);
      expect(bank.nameEn.length).toBeGreaterThan(2);
      expect(bank.nameKeywords.length).toBeGreaterThan(0);
    }
    expect(bankByCode('004')?.short).toBe('KBANK');
    expect(bankByShort('scb')?.code).toBe('014');
    expect(bankByCode('999')).toBeNull();
  });
});
