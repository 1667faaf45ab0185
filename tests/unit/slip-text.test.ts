import { describe, expect, it } from 'vitest';
import { extractAmount, parseMoneyToSatang } from '../../src/modules/payments/slips/amount.ts';
import { dateHintFromTransRef, extractDatetime, matchMonth } from '../../src/modules/payments/slips/dates.ts';
import { extractParties } from '../../src/modules/payments/slips/names.ts';
import { detectBank, extractSlipFields, extractTransRef } from '../../src/modules/payments/slips/slip-text.ts';
import { normalizeThaiText } from '../../src/modules/payments/slips/thai.ts';

const iso = (d: Date | null | undefined): string | null => d?.toISOString() ?? null;
const when = (text: string, hint?: { ref: string; bank: string }): string | null =>
  iso(extractDatetime(normalizeThaiText(text), hint ? { transRefHint: hint.ref, bankShortHint: hint.bank } : {})?.datetime);

describe('normalizeThaiText', () => {
  it('turns the nikhahit + sara aa tesseract writes into sara am', () => {
    expect(normalizeThaiText('จํานวนเงิน')).toBe('จำนวนเงิน');
    expect(normalizeThaiText('โอนเงินสําเร็จ')).toBe('โอนเงินสำเร็จ');
  });

  it('keeps a tone mark in front of sara am whichever way it came', () => {
    expect(normalizeThaiText('น\u0E49\u0E4D\u0E32')).toBe('น้ำ');
    expect(normalizeThaiText('น\u0E4D\u0E49\u0E32')).toBe('น้ำ');
    expect(normalizeThaiText('น\u0E33\u0E49')).toBe('น้ำ');
  });

  it('repairs doubled sara e, doubled marks and invisible characters', () => {
    expect(normalizeThaiText('เเสงทอง')).toBe('แสงทอง');
    expect(normalizeThaiText('ศรีี\u200Bสุข')).toBe('ศรีสุข');
    expect(normalizeThaiText('a\u00A0b\r\nc')).toBe('a b\nc');
  });
});

describe('amounts', () => {
  it.each([
    ['จำนวนเงิน            17,234.00 บาท', 1723400],
    ['จำนวน:\n10,407.00 บาท\nค่าธรรมเนียม:\n0.00 บาท', 1040700],
    ['จำนวนเงิน\nAmount            58.26 THB\nค่าธรรมเนียม 0.00 THB', 5826],
    ['โอนเงินสำเร็จ\n฿100.00\nค่าธรรมเนียม      0.00 บาท', 10000],
    ['โอนเงินสำเร็จ\n839.83 บาท\nค่าธรรมเนียม 0.00 บาท', 83983],
    ['จำนวนเงิน\n13,830.00 บาท', 1383000],
    ['จํานวนเงิน          1,259.00', 125900],
    ['Amount: THB 2,500.50', 250050],
    ['จำนวนเงิน 50,000.00 บาท', 5000000],
    ['จำนวนเงิน 13, 830.00 บาท', 1383000],
  ])('reads %j as %i satang', (text, satang) => {
    expect(extractAmount(normalizeThaiText(text))?.satang).toBe(satang);
  });

  it('never takes the fee for the amount', () => {
    expect(extractAmount('ค่าธรรมเนียม 10.00 บาท\nจำนวนเงิน 250.00 บาท')?.satang).toBe(25000);
    expect(extractAmount('ค่าธรรมเนียม\n0.00 บาท')).toBeNull();
  });

  it('does not read times or dates as money', () => {
    expect(extractAmount('17 พ.ย. 69, 08:31 น.')).toBeNull();
    expect(extractAmount('22.11.2569 14.05')).toBeNull();
  });

  it('ignores a price without satang, as on a product photo', () => {
    expect(extractAmount('รักษ์โลก\nราคา 259 บาท')).toBeNull();
  });

  it('parses a single money figure', () => {
    expect(parseMoneyToSatang('1,250.00 บาท')).toBe(125000);
    expect(parseMoneyToSatang('฿ 0.29')).toBe(29);
    expect(parseMoneyToSatang('12,50')).toBe(1250);
    expect(parseMoneyToSatang('1,25.00')).toBeNull();
    expect(parseMoneyToSatang('abc')).toBeNull();
  });
});

describe('dates and times', () => {
  // 22 November 2569 BE = 2026 CE, 14:05 in Bangkok = 07:05 UTC.
  it.each([
    ['22 พ.ย. 69 14:05 น.', '2026-11-22T07:05:00.000Z'],
    ['22 พ.ย. 69, 14:05 น.', '2026-11-22T07:05:00.000Z'],
    ['22 พ.ย. 2569 - 14:05', '2026-11-22T07:05:00.000Z'],
    ['22 พ.ย. 2569 14:05:32', '2026-11-22T07:05:32.000Z'],
    ['22 พ.ย. 69 14:05:32', '2026-11-22T07:05:32.000Z'],
    ['22/11/2569 14:05:32', '2026-11-22T07:05:32.000Z'],
    ['22 Nov 2026 14:05', '2026-11-22T07:05:00.000Z'],
    ['22 Nov 26, 14:05', '2026-11-22T07:05:00.000Z'],
    ['22 พฤศจิกายน 2569 เวลา 14:05 น.', '2026-11-22T07:05:00.000Z'],
    ['วันที่ทำรายการ            22/11/2569 14:05:32', '2026-11-22T07:05:32.000Z'],
    ['Nov 22, 2026 14:05', '2026-11-22T07:05:00.000Z'],
  ])('reads %j', (text, expected) => {
    expect(when(text)).toBe(expected);
  });

  it('knows every Thai month abbreviation', () => {
    const months = ['ม.ค.', 'ก.พ.', 'มี.ค.', 'เม.ย.', 'พ.ค.', 'มิ.ย.', 'ก.ค.', 'ส.ค.', 'ก.ย.', 'ต.ค.', 'พ.ย.', 'ธ.ค.'];
    months.forEach((m, i) => {
      expect(matchMonth(m), m).toEqual({ month: i + 1, script: 'thai' });
      expect(when(`5 ${m} 68 10:12 น.`), m).toBe(new Date(Date.UTC(2025, i, 5, 3, 12)).toISOString());
    });
  });

  it('tells ม.ค. (January) from มี.ค. (March) and forgives a stray OCR vowel', () => {
    expect(matchMonth('ม.ค.')?.month).toBe(1);
    expect(matchMonth('มี.ค.')?.month).toBe(3);
    expect(matchMonth('พ.ุย.')?.month).toBe(11);
    expect(when('13 พ.ุย. 68 13:55 u.')).toBe('2025-11-13T06:55:00.000Z');
  });

  it('turns just-after-midnight Bangkok time into the previous UTC day', () => {
    expect(when('1 ม.ค. 2569 00:30')).toBe('2025-12-31T17:30:00.000Z');
  });

  it('does not take the phone status-bar clock for the transfer time', () => {
    expect(when('08:33        all 81%\nโอนเงินสำเร็จ')).toBeNull();
  });

  it('refuses impossible dates', () => {
    expect(when('31 ก.พ. 69 10:00')).toBeNull();
    expect(when('32/01/2569 10:00')).toBeNull();
  });

  it('fills a month OCR could not read from the date in the bank reference', () => {
    // Krungthai prints "24 มิ.ย. 2569"; tesseract read the month as "0.9.".
    expect(when('24 0.9. 2569 - 14:44')).toBeNull();
    expect(when('24 0.9. 2569 - 14:44', { ref: '2606244018F0Q2Y504', bank: 'KTB' })).toBe('2026-06-24T07:44:00.000Z');
    // The day OCR did read must agree with the reference.
    expect(when('25 0.9. 2569 - 14:44', { ref: '2606244018F0Q2Y504', bank: 'KTB' })).toBeNull();
  });

  it('uses the K PLUS day-of-year and time only when OCR read the year', () => {
    // 0 + day 350 + 21:56:00 → 16 Dec 2025 (2568 BE).
    expect(dateHintFromTransRef('0350215600APM9272796', 'KBANK')).toMatchObject({ day: 350, hour: 21, minute: 56 });
    expect(when('16 5.A. 68, 21:56 น.', { ref: '0350215600APM9272796', bank: 'KBANK' })).toBe('2025-12-16T14:56:00.000Z');
  });

  it('reads the date in references of the banks that embed one', () => {
    expect(dateHintFromTransRef('20250821frWpj2LQHHh9TBH3X', 'SCB')).toMatchObject({ year: 2025, month: 8, day: 21 });
    expect(dateHintFromTransRef('2601220704565456033', 'BBL')).toMatchObject({ year: 2026, month: 1, day: 22, hour: 7, minute: 4 });
    expect(dateHintFromTransRef('BAYM2602121523749669', 'BAY')).toMatchObject({ year: 2026, month: 2, day: 12, hour: 15 });
    expect(dateHintFromTransRef('261016NYXEJT93', 'GSB')).toMatchObject({ year: 2026, month: 10, day: 16 });
    expect(dateHintFromTransRef('20261117630063898514', 'TTB')).toMatchObject({ year: 2026, month: 11, day: 17 });
    expect(dateHintFromTransRef('20261399', 'SCB')).toBeNull();
    expect(dateHintFromTransRef('2026112212', 'UOB')).toBeNull();
  });
});

describe('transaction reference', () => {
  it.each([
    ['เลขที่รายการ:\n0350215600APM9272796', '0350215600APM9272796'],
    ['รหัสอ้างอิง: 20260307gny6jYNWTTaTHHp3e', '20260307gny6jYNWTTaTHHp3e'],
    ['เลขที่อ้างอิง          2601220704565456033\nReference No.', '2601220704565456033'],
    ['หมายเลขอ้างอิง   20261117630063898514', '20261117630063898514'],
    ['รหัสอ้างอิง                    [=]:  pr\n26091149312H0T7Z1K', '26091149312H0T7Z1K'],
    ['เลขที่อ้างอิง BAYM26O2121523749669', 'BAYM2602121523749669'],
  ])('finds it in %j', (text, ref) => {
    expect(extractTransRef(normalizeThaiText(text))).toBe(ref);
  });

  it('falls back to a long reference-shaped token when the label is lost', () => {
    expect(extractTransRef('Pisin 59.75 THB\nxx 2604210224423140404')).toBe('2604210224423140404');
  });

  it('does not mistake an account or a phone number for the reference', () => {
    expect(extractTransRef('XXX-X-XX598-5\n0812223333\nxxxxxxxxxxx3306')).toBeNull();
  });
});

describe('sender and receiver', () => {
  it('takes the payer first and the payee second, with their masked accounts', () => {
    const text = [
      'จาก',
      'นาย เอกชัย เพชรรัตน์',
      'ธ.กรุงศรีอยุธยา XXX-X-X6766-X',
      'ไปยัง',
      'นาย สุทธิพงษ์ สมบูรณ์ชัย',
      'ธ.กรุงเทพ %%%-%-%%743-4',
    ].join('\n');
    expect(extractParties(text)).toEqual({
      sender: { name: 'นาย เอกชัย เพชรรัตน์', account: 'XXX-X-X6766-X' },
      receiver: { name: 'นาย สุทธิพงษ์ สมบูรณ์ชัย', account: 'xxx-x-xx743-4' },
    });
  });

  it('reads names in a two-column layout and shops and companies', () => {
    const text = 'จาก                      น.ส. ปวีณา สุขใจ\nXXX-X-xx250-9\nไปยัง        ร้าน น้องเมย์ คอสเมติก\nxxx-x-xx114-0';
    expect(extractParties(text).receiver).toEqual({ name: 'ร้าน น้องเมย์ คอสเมติก', account: 'xxx-x-xx114-0' });
    expect(extractParties('นาย ก ข\nXXX-X-X1234-X\nบริษัท ไทยเฟรช มาร์เก็ต จำกัด\nxxx-x-xx063-5').receiver?.name).toBe(
      'บริษัท ไทยเฟรช มาร์เก็ต จำกัด',
    );
  });

  it('maps a title OCR bent out of shape back to the real one', () => {
    expect(extractParties('นาย ณัฐพล ศรีสุข\nXXX-X-XX598-5\nหอก. รุ่งเรืองการค้า\nXXXX-XXXX-3177').receiver?.name).toBe(
      'หจก. รุ่งเรืองการค้า',
    );
    expect(extractParties('นาย ก ข\nXXX-X-X1234-X\n@ ราน ข้าวมันไก่\nXXXX-XXXX-7366').receiver?.name).toBe('ร้าน ข้าวมันไก่');
  });

  it('puts back the thanthakhat OCR drops from common name endings', () => {
    expect(extractParties('นาย สมศักดิ แก้วมณี\nxxx-x-x7737-x').sender?.name).toBe('นาย สมศักดิ์ แก้วมณี');
    expect(extractParties('น.ส. ชนิดา นาคสวัสดิ\nXXX-XXX-6328').sender?.name).toBe('น.ส. ชนิดา นาคสวัสดิ์');
  });

  it('trusts the "to" label above a lone name whose payer OCR missed', () => {
    const text = 'จาก\nuw เบญจวรรณ รักษ์ไทย\nธ.ทหารไทยธนชาต\nไปที่\nบริษัท ไทยเฟรช มาร์เก็ต จำกัด\nธ.กรุงเทพ\nXXX-X-Xx063-5';
    expect(extractParties(text)).toEqual({
      sender: null,
      receiver: { name: 'บริษัท ไทยเฟรช มาร์เก็ต จำกัด', account: 'XXX-X-Xx063-5' },
    });
  });

  it('knows a lone name after the first account belongs to the receiver', () => {
    const text = 'จาก\nua กัลยา ใจดี\nXXX-X-XX077-3\nไปที่\nร้าน ข้าวมันไก่ป้าแดง\nxxxxxxxxxxx3306';
    expect(extractParties(text)).toEqual({
      sender: null,
      receiver: { name: 'ร้าน ข้าวมันไก่ป้าแดง', account: 'xxxxxxxxxxx3306' },
    });
  });
});

describe('bank from text', () => {
  it('prefers the app name in the header over bank names in the body', () => {
    expect(detectBank('krungsri  KMA\nทำรายการสำเร็จ\nธ.กรุงเทพ xxx')?.short).toBe('BAY');
    expect(detectBank('SCB EASY\nโอนเงินสำเร็จ\nธ.กสิกรไทย')?.short).toBe('SCB');
    expect(detectBank('K PLUS\nโอนเงินสำเร็จ')?.short).toBe('KBANK');
    expect(detectBank('MyMo ออมสิน GSB')?.short).toBe('GSB');
    expect(detectBank('ttb. touch\nโอนเงินสำเร็จ')?.short).toBe('TTB');
    expect(detectBank('@ Krungthai NEXT')?.short).toBe('KTB');
  });

  it('otherwise takes the first bank mentioned, the payer’s', () => {
    expect(detectBank('โอนเงินสำเร็จ\n\n\n\n\n\nนาย ก ข\nธ.ไทยพาณิชย์\nนาย ค ง\nธ.กสิกรไทย')?.short).toBe('SCB');
    expect(detectBank('no bank here')).toBeNull();
  });
});

describe('extractSlipFields', () => {
  it('reads a whole slip', () => {
    const text = [
      'krungsri KMA',
      'ทํารายการสําเร็จ',
      'จาก',
      'นาย เอกชัย เพชรรัตน์',
      'ธ.กรุงศรีอยุธยา XXX-X-X6766-X',
      'ไปยัง',
      'นาย สุทธิพงษ์ สมบูรณ์ชัย',
      'ธ.กรุงเทพ XXX-X-XX743-4',
      'จํานวนเงิน                   17,234.00 บาท',
      'ค่าธรรมเนียม                               0.00 บาท',
      'วันที่ทํารายการ            12/02/2569 15:23:25',
      'เลขที่อ้างอิง           BAYM2602121523749669',
    ].join('\n');
    const fields = extractSlipFields(text);
    expect(fields).toMatchObject({
      amount: 1723400,
      amountLabelled: true,
      transRef: 'BAYM2602121523749669',
      receiver: { name: 'นาย สุทธิพงษ์ สมบูรณ์ชัย', account: 'XXX-X-XX743-4' },
      sender: { name: 'นาย เอกชัย เพชรรัตน์', account: 'XXX-X-X6766-X' },
      successMarker: true,
    });
    expect(fields.bank?.short).toBe('BAY');
    expect(iso(fields.datetime)).toBe('2026-02-12T08:23:25.000Z');
    expect(fields.labelCount).toBeGreaterThanOrEqual(4);
  });

  it('finds nothing payment-like on a product photo', () => {
    const fields = extractSlipFields('รักษ์โลก\nราคา 259 บาท');
    expect(fields).toMatchObject({ amount: null, datetime: null, transRef: null, successMarker: false, bank: null });
  });
});
