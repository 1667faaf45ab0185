/**
 * UPU S10 item identifiers (EMS, registered mail: ED852942182TH): two letters, an 8-digit serial, a check
 * digit, the two-letter country. Check digit: serial digits weighted 8 6 4 2 3 5 9 7, then 11 − (sum mod 11),
 * where 10 becomes 0 and 11 becomes 5.
 */
import type { TrackingNumberCheck } from './port.ts';

const WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7] as const;

/** The check digit of an 8-digit serial. */
export function s10CheckDigit(serial: string): number {
  if (!/^\d{8}$/.test(serial)) throw new RangeError(`an S10 serial is 8 digits, not "${serial}"`);
  const sum = WEIGHTS.reduce((n, w, i) => n + w * Number(serial[i]), 0);
  const check = 11 - (sum % 11);
  return check === 10 ? 0 : check === 11 ? 5 : check;
}

/** What staff type or a scanner sends, made comparable: upper case, no spaces or dashes. */
export function normalizeS10(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

export function checkS10(input: string): TrackingNumberCheck {
  const n = normalizeS10(input);
  const m = /^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$/.exec(n);
  if (!m) {
    return {
      valid: false,
      reason: 'format',
      message: {
        th: 'เลขพัสดุไปรษณีย์ไทยมี 13 ตัว: อักษร 2 ตัว ตัวเลข 9 หลัก และอักษร 2 ตัว เช่น ED852942182TH',
        en: 'A Thailand Post number has 13 characters: 2 letters, 9 digits and 2 letters, such as ED852942182TH',
      },
    };
  }
  if (s10CheckDigit(m[1]!) !== Number(m[2])) {
    return {
      valid: false,
      reason: 'check_digit',
      message: {
        th: `เลขพัสดุ ${n} ไม่ถูกต้อง (เลขตรวจสอบไม่ตรง) กรุณาตรวจสอบอีกครั้ง`,
        en: `${n} is not a valid number (its check digit does not match); please check it again`,
      },
    };
  }
  return { valid: true, trackingNumber: n };
}
