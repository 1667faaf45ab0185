/**
 * Flash Express request signing, exactly as its Open API documents it: every parameter sent except
 * `sign`, without those whose value is empty or only whitespace, sorted by name (ASCII, case-sensitive),
 * joined as k1=v1&k2=v2 (values not URL-encoded), then `&key=<secret key>`; the sign is the SHA-256 of
 * that string in upper-case hex. Pure, so the adapter, the fake and the tests share one definition.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type FlashParams = Readonly<Record<string, string | number | null | undefined>>;

/** The text that is hashed (the secret key included), for tests and for debugging a refused signature. */
export function flashStringToSign(params: FlashParams, secretKey: string): string {
  const names = Object.keys(params)
    .filter((name) => name !== 'sign')
    .filter((name) => {
      const value = params[name];
      return value !== undefined && value !== null && String(value).trim() !== '';
    })
    // Code-unit order is ASCII order for ASCII names; localeCompare would fold case.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const joined = names.map((name) => `${name}=${String(params[name])}`).join('&');
  return `${joined}&key=${secretKey}`;
}

export function flashSign(params: FlashParams, secretKey: string): string {
  return createHash('sha256').update(flashStringToSign(params, secretKey), 'utf8').digest('hex').toUpperCase();
}

/** Compares a received sign with the expected one in constant time (case-insensitive hex). */
export function flashSignMatches(params: FlashParams, secretKey: string, received: string | undefined): boolean {
  if (received === undefined) return false;
  const expected = Buffer.from(flashSign(params, secretKey), 'utf8');
  const got = Buffer.from(received.trim().toUpperCase(), 'utf8');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
