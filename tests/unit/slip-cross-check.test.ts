import { describe, expect, it } from 'vitest';
import { checkSlip } from '../../src/modules/payments/slip-checks.ts';
import { extractAmount, repairMoneyPunctuation } from '../../src/modules/payments/slips/amount.ts';
import { REVIEW_BELOW, settleFields } from '../../src/modules/payments/slips/cross-check.ts';
import { parseSlipQr, type SlipQr } from '../../src/modules/payments/slips/slip-qr.ts';

function crc16(s: string): string {
  let crc = 0xffff;
  for (const b of Buffer.from(s, 'utf8')) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** A slip QR for a bank code and reference, with a correct CRC. */
function slipQr(bankCode: string, ref: string): SlipQr {
  const tlv = (tag: string, value: string): string => `${tag}${String(value.length).padStart(2, '0')}${value}`;
  const body = `${tlv('00', `${tlv('00', '000001')}${tlv('01', bankCode)}${tlv('02', ref)}`)}${tlv('51', 'TH')}9104`;
  const qr = parseSlipQr(`${body}${crc16(body)}`);
  if (!qr?.crcValid) throw new Error('bad test QR');
  return qr;
}

const bblSlip = (printedTime: string): string =>
  [
    'Bangkok Bank',
    'โอนเงินสำเร็จ',
    `22 Jan 2026 ${printedTime}`,
    'จาก นางสาว อัญชลี นาคสวัสดิ์',
    'xxx-x-xx801-9',
    'ไปยัง นาย กิตติพงษ์ ชัยมงคล',
    'XXX-X-X4194-X',
    'จำนวนเงิน 58.26 THB',
    'ค่าธรรมเนียม 0.00 THB',
    'เลขที่อ้างอิง 2601221920565456033',
  ].join('\n');

const settle = (text: string, qr: SlipQr | null, refFromLine?: { text: string; confidence: number }) =>
  settleFields({ text, lineConfidence: text.split('\n').map(() => 90), qr, ocrConfidence: 90, refFromLine });

describe('fields checked against the slip QR and reference', () => {
  it('takes the time the QR reference encodes over a misread printed one, and records the disagreement', () => {
    const s = settle(bblSlip('19:39'), slipQr('002', '2601221920565456033'));
    expect(s.datetime.value?.toISOString()).toBe('2026-01-22T12:20:00.000Z');
    expect(s.disagreements).toContainEqual({ field: 'datetime', printed: '2026-01-22 19:39', encoded: '2026-01-22 19:20' });
  });

  it('is sure of a printed time the reference confirms', () => {
    const s = settle(bblSlip('19:20'), slipQr('002', '2601221920565456033'));
    expect(s.datetime.value?.toISOString()).toBe('2026-01-22T12:20:00.000Z');
    expect(s.datetime.confidence).toBeGreaterThan(0.9);
    expect(s.disagreements).toEqual([]);
  });

  it('sends the time to review when the reference holds only the date and the printed date was wrong', () => {
    const text = 'SCB\nโอนเงินสำเร็จ\n23 พ.ย. 2569 - 14:05\nจำนวนเงิน 120.00\nรหัสอ้างอิง 20261122frWpj2LQHHNhITBH3X';
    const s = settle(text, slipQr('014', '20261122frWpj2LQHHNhITBH3X'));
    expect(s.datetime.value?.toISOString()).toBe('2026-11-22T07:05:00.000Z');
    expect(s.datetime.confidence).toBeLessThan(REVIEW_BELOW);
    expect(s.disagreements.map((d) => d.field)).toContain('datetime');
  });

  it('fills a month read as junk from the K PLUS reference, whose time agrees with the printed one', () => {
    const text = 'K PLUS\nโอนเงินสำเร็จ\n10n.n. 68, 10:39 น.\nจำนวน:\n770.00 บาท';
    const s = settle(text, slipQr('004', '0191103900BOR7552519'));
    expect(s.datetime.value?.toISOString()).toBe('2025-07-10T03:39:00.000Z');
    expect(s.datetime.confidence).toBeGreaterThanOrEqual(REVIEW_BELOW);
  });

  it('names the bank from the QR, recording a printed bank that says otherwise', () => {
    const s = settle(`K PLUS\n${bblSlip('19:20')}`, slipQr('002', '2601221920565456033'));
    expect(s.bank).toEqual({ value: 'BBL', confidence: 1 });
    expect(s.disagreements).toContainEqual({ field: 'bank', printed: 'KBANK', encoded: 'BBL' });
  });

  it('without a QR, fills a month read as Latin letters from a printed reference that checks out', () => {
    const text = 'ttb\nโอนเงินสำเร็จ\n17 w.U. 69, 08:31 น.\nจำนวนเงิน 100.00 บาท\nหมายเลขอ้างอิง\n20261117630063898514';
    const s = settle(text, null);
    expect(s.transRef.value).toBe('20261117630063898514');
    expect(s.datetime.value?.toISOString()).toBe('2026-11-17T01:31:00.000Z');
  });

  it('lets a second reading of the reference replace the first only when it checks out better', () => {
    const text = 'SCB\nโอนเงินสำเร็จ\n21 ส.ค. 2568 - 01:51\nจำนวนเงิน 11,314.70\nรหัสอ้างอิง 2025O8Z1frWpj2LQ';
    const line = (ref: string) => ({ text: ref, confidence: 90 });
    // The first reading's date does not parse; the second's matches the printed date.
    expect(settle(text, null, line('20250821frWpj2LQHHNhITBH3X')).transRef.value).toBe('20250821frWpj2LQHHNhITBH3X');
    // Junk read through half a QR does not replace a reference that checks out.
    const good = text.replace('2025O8Z1frWpj2LQ', '20250821frWpj2LQHHNhITBH3X');
    expect(settle(good, null, line('6695601Meld20250')).transRef.value).toBe('20250821frWpj2LQHHNhITBH3X');
    // Both check out: the reading made for references wins, trusted less than had they agreed.
    const agreed = settle(good, null, line('20250821frWpj2LQHHNhITBH3X')).transRef;
    const differed = settle(good, null, line('20250821frWpj2LQHHNh9TBH3X')).transRef;
    expect(differed.value).toBe('20250821frWpj2LQHHNh9TBH3X');
    expect(differed.confidence).toBeLessThan(agreed.confidence);
  });
});

describe('amounts', () => {
  it('repairs a stray dot among the thousands only when it can be read one way', () => {
    expect(repairMoneyPunctuation('3.380.00 บาท')).toEqual({ line: '3,380.00 บาท', repaired: true });
    expect(repairMoneyPunctuation('12.500,00')).toEqual({ line: '12,500.00', repaired: true });
    expect(repairMoneyPunctuation('3,380.00')).toEqual({ line: '3,380.00', repaired: false });
    expect(extractAmount('จำนวนเงิน\n3.380.00')?.satang).toBe(338_000);
    expect(extractAmount('จำนวนเงิน\n33.80.00')).toBeNull();
  });

  it('trusts a repaired or unlabelled amount less than a clean labelled one', () => {
    const clean = settle('โอนเงินสำเร็จ\nจำนวนเงิน 3,380.00 บาท', null).amount;
    const repaired = settle('โอนเงินสำเร็จ\nจำนวนเงิน 3.380.00 บาท', null).amount;
    expect(clean).toMatchObject({ value: 338_000 });
    expect(repaired).toMatchObject({ value: 338_000 });
    expect(repaired.confidence).toBeLessThan(clean.confidence);
  });

  it('trusts an unlabelled amount printed bigger than the rest more than one printed small', () => {
    const text = 'ttb touch\nโอนเงินสำเร็จ\n839.83\nหมายเลขอ้างอิง 20251105869887003793';
    const base = { text, lineConfidence: [90, 90, 90, 90], qr: null, ocrConfidence: 90 };
    const big = settleFields({ ...base, lineHeight: [20, 24, 48, 20] }).amount;
    const small = settleFields({ ...base, lineHeight: [20, 24, 20, 20] }).amount;
    expect(big.value).toBe(83_983);
    expect(big.confidence).toBeGreaterThan(small.confidence);
    expect(big.confidence).toBeGreaterThanOrEqual(REVIEW_BELOW);
  });

  it('is unsure of an amount from a badly read line', () => {
    const text = 'โอนเงินสำเร็จ\nจำนวนเงิน 3,380.00 บาท';
    const s = settleFields({ text, lineConfidence: [90, 30], qr: null, ocrConfidence: 40 });
    expect(s.amount.confidence).toBeLessThan(settle(text, null).amount.confidence);
  });
});

describe('review for fields read unsurely', () => {
  const facts = {
    isSlip: true,
    amount: 5_826,
    datetime: new Date('2026-01-22T00:04:00Z'),
    transRef: '2601220704565456033',
    receiver: { name: 'นาย กิตติพงษ์ ชัยมงคล', account: 'XXX-X-X4194-X' },
    qr: { payload: 'x', crcValid: true },
  };
  const ctx = {
    owed: 5_826,
    orderCreatedAt: new Date('2026-01-22T00:00:00Z'),
    now: new Date('2026-01-22T01:00:00Z'),
    receivers: { accounts: [], names: ['กิตติพงษ์ ชัยมงคล'] },
    refSeenBefore: false,
    imageSeenBefore: false,
  };

  it('passes a slip whose fields were all read surely', () => {
    expect(checkSlip({ ...facts, fieldConfidence: { amount: 0.9, datetime: 0.97, receiver: 0.9 } }, ctx).reasons).toEqual([]);
  });

  it('sends amount, time or a name-matched receiver read below the threshold to review', () => {
    const unsure = checkSlip({ ...facts, fieldConfidence: { amount: 0.4, datetime: 0.5, receiver: 0.3 } }, ctx).reasons;
    expect(unsure).toEqual(expect.arrayContaining(['unreadable_amount', 'unreadable_date', 'receiver']));
  });

  it('trusts a receiver matched by account digits however its name was read', () => {
    const byAccount = { ...ctx, receivers: { accounts: ['1234541940'], names: [] } };
    expect(checkSlip({ ...facts, fieldConfidence: { amount: 0.9, datetime: 0.97, receiver: 0.3 } }, byAccount).reasons).toEqual([]);
  });
});
