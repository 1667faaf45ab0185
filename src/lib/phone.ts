/**
 * Thai phone numbers as customers type them: 0812345678, 081-234-5678, 081 234 5678, +66812345678,
 * 66812345678, +66 (0) 81... All become 66 + the national number without its leading 0.
 */
export function normalizeThaiPhone(input: string): string | null {
  let digits = input.replace(/[\s\-().]/g, '');
  if (digits.startsWith('+')) digits = digits.slice(1);
  if (!/^\d+$/.test(digits)) return null;
  if (digits.startsWith('660')) digits = `66${digits.slice(3)}`;
  if (digits.startsWith('0')) digits = `66${digits.slice(1)}`;
  // Mobiles have 9 national digits (6x, 8x, 9x); Bangkok and provincial landlines have 8.
  if (/^66[689]\d{8}$/.test(digits) || /^66[2-7]\d{7}$/.test(digits)) return digits;
  return null;
}

/** The way Thais write a number: 081-234-5678 for mobiles, 02-123-4567 for Bangkok landlines. */
export function formatThaiPhone(normalized: string): string {
  const national = `0${normalized.slice(2)}`;
  if (national.length === 10) return `${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`;
  if (national.length === 9) return `${national.slice(0, 2)}-${national.slice(2, 5)}-${national.slice(5)}`;
  return national;
}
