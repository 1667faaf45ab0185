import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addressText } from '#src/lib/address.ts';
import { escapeHtml } from '#src/lib/html.ts';
import { likePattern } from '#src/lib/like-pattern.ts';
import { decimalAmount } from '#src/lib/money.ts';
import { withTimeout } from '#src/lib/timeout.ts';

describe('addressText', () => {
  it('prints the postcode once, whether or not the typed address already ends with it', () => {
    expect(addressText({ address: '99/1 ถ.พระราม 9 ห้วยขวาง กรุงเทพฯ 10310', postcode: '10310' })).toBe('99/1 ถ.พระราม 9 ห้วยขวาง กรุงเทพฯ 10310');
    expect(addressText({ address: '99/1 ถ.พระราม 9 ห้วยขวาง กรุงเทพฯ', postcode: '10310' })).toBe('99/1 ถ.พระราม 9 ห้วยขวาง กรุงเทพฯ 10310');
    expect(addressText({ address: 'บ้านเลขที่ 110310 ซอย 5', postcode: '10310' })).toBe('บ้านเลขที่ 110310 ซอย 5 10310');
    expect(addressText({ address: '12 หมู่ 3 เชียงใหม่', postcode: null })).toBe('12 หมู่ 3 เชียงใหม่');
  });
});

describe('likePattern', () => {
  it('finds the text anywhere and takes % and _ typed by the user literally', () => {
    expect(likePattern('กาแฟ')).toBe('%กาแฟ%');
    expect(likePattern('50%_off')).toBe('%50\\%\\_off%');
    expect(likePattern('a\\b')).toBe('%a\\\\b%');
  });
});

describe('escapeHtml', () => {
  it('turns every character that could open markup or close an attribute into an entity', () => {
    expect(escapeHtml(`ร้าน <b>"ป้า" & 'ลุง'</b>`)).toBe('ร้าน &lt;b&gt;&quot;ป้า&quot; &amp; &#39;ลุง&#39;&lt;/b&gt;');
  });
});

describe('decimalAmount', () => {
  it('writes satang as baht with two places, refunds with a minus', () => {
    expect(decimalAmount(125050)).toBe('1250.50');
    expect(decimalAmount(9000)).toBe('90.00');
    expect(decimalAmount(7)).toBe('0.07');
    expect(decimalAmount(-5)).toBe('-0.05');
    expect(decimalAmount(-150)).toBe('-1.50');
  });

  it('reads back as the same number of satang for any amount', () => {
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (satang) => Math.round(Number(decimalAmount(satang)) * 100) === satang));
  });
});

describe('withTimeout', () => {
  afterEach(() => vi.useRealTimers());

  it('passes the answer through when it comes in time', async () => {
    await expect(withTimeout(Promise.resolve('ok'), 60_000, () => new Error('late'))).resolves.toBe('ok');
  });

  it('rejects with the given error when no answer comes in time', async () => {
    vi.useFakeTimers();
    const late = withTimeout(new Promise<never>(() => {}), 3_000, () => new Error('no answer within 3000 ms'));
    const seen = expect(late).rejects.toThrow('no answer within 3000 ms');
    await vi.advanceTimersByTimeAsync(3_000);
    await seen;
  });
});
