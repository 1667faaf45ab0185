import { describe, expect, it } from 'vitest';
import { checkS10, s10CheckDigit } from '#src/modules/shipping/carriers/s10.ts';

describe('S10 (UPU) check digit of Thailand Post barcodes', () => {
  it('computes the check digit of real-looking serials', () => {
    // 8·8 + 5·6 + 2·4 + 9·2 + 4·3 + 2·5 + 1·9 + 8·7 = 207; 207 mod 11 = 9; 11 − 9 = 2
    expect(s10CheckDigit('85294218')).toBe(2);
    // 1·8 + 2·6 + 3·4 + 4·2 + 5·3 + 6·5 + 7·9 + 8·7 = 204; 204 mod 11 = 6; 11 − 6 = 5 (the UPU's RR123456785)
    expect(s10CheckDigit('12345678')).toBe(5);
  });

  it('turns 10 into 0 and 11 into 5', () => {
    // 7·8 + 1·6 + 9·4 + 2·2 + 4·3 + 8·5 + 6·9 + 5·7 = 243; 243 mod 11 = 1; 11 − 1 = 10 → 0
    expect(s10CheckDigit('71924865')).toBe(0);
    // 4·8 + 3·6 + 4·4 + 6·2 + 4·3 + 0·5 + 9·9 + 7·7 = 220; 220 mod 11 = 0; 11 − 0 = 11 → 5
    expect(s10CheckDigit('43464097')).toBe(5);
  });

  it('accepts EMS and registered numbers, typed with spaces or in lower case', () => {
    expect(checkS10('ED852942182TH')).toEqual({ valid: true, trackingNumber: 'ED852942182TH' });
    expect(checkS10('rb 719 248 650 th')).toEqual({ valid: true, trackingNumber: 'RB719248650TH' });
    expect(checkS10('EE434640975TH')).toEqual({ valid: true, trackingNumber: 'EE434640975TH' });
    expect(checkS10('RR123456785TH')).toEqual({ valid: true, trackingNumber: 'RR123456785TH' });
  });

  it('refuses a mistyped digit with a Thai and an English reason', () => {
    const result = checkS10('ED852942183TH');
    expect(result).toMatchObject({ valid: false, reason: 'check_digit' });
    if (result.valid) throw new Error('unreachable');
    expect(result.message.th).toContain('ED852942183TH');
    expect(result.message.en).toContain('check digit');
    // Two neighbouring digits swapped: the weights catch it.
    expect(checkS10('ED825942182TH')).toMatchObject({ valid: false, reason: 'check_digit' });
  });

  it('refuses what is not 2 letters, 9 digits and 2 letters', () => {
    for (const bad of ['ED85294218TH', 'ED8529421822TH', '1D852942182TH', 'ED852942182T', 'TH470000001B', '']) {
      expect(checkS10(bad)).toMatchObject({ valid: false, reason: 'format' });
    }
  });
});
