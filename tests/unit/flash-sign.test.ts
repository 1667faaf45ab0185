import { describe, expect, it } from 'vitest';
import { flashSign, flashSignMatches, flashStringToSign } from '#src/modules/shipping/carriers/flash-sign.ts';

// Expected digests computed outside this code: printf '%s' '<string>' | sha256sum, upper-cased.
describe('Flash Express signing (CARRIERS.md)', () => {
  const secret = 's3cr3t';

  it('signs mchId and nonceStr alone as a webhook is signed', () => {
    const params = { mchId: 'AA0001', nonceStr: '1525314174723' };
    expect(flashStringToSign(params, secret)).toBe('mchId=AA0001&nonceStr=1525314174723&key=s3cr3t');
    expect(flashSign(params, secret)).toBe('2741FF59ADD7F82AD4A274FED2DA8253114B61A14CC0FB7C4F07661B5580A2B1');
  });

  it('drops sign and blank values, sorts names by ASCII with upper case first, and does not URL-encode values', () => {
    const params = {
      srcname: 'lower',
      nonceStr: 'yyv6YJP436wCkdpNdghC',
      mchId: 'AA0001',
      dstName: 'สมหญิง ใจดี',
      remark: 'a&b=c',
      codAmount: 12500,
      Zeta: '9',
      empty: '',
      blank: '  \t ',
      missing: undefined,
      sign: 'WHATEVER-WAS-THERE',
    };
    expect(flashStringToSign(params, secret)).toBe(
      'Zeta=9&codAmount=12500&dstName=สมหญิง ใจดี&mchId=AA0001&nonceStr=yyv6YJP436wCkdpNdghC&remark=a&b=c&srcname=lower&key=s3cr3t',
    );
    expect(flashSign(params, secret)).toBe('DE48DB0A466A3019E7759533681BCF24D2E1807BA6CFECC78E2C090117BEF545');
  });

  it('gives upper-case hex of 64 characters and changes with any value or the key', () => {
    const base = { mchId: 'AA0001', nonceStr: 'n1', weight: 500 };
    const sign = flashSign(base, secret);
    expect(sign).toMatch(/^[0-9A-F]{64}$/);
    expect(flashSign({ ...base, weight: 501 }, secret)).not.toBe(sign);
    expect(flashSign(base, 's3cr3T')).not.toBe(sign);
    // A blank value signs as if it were not sent at all.
    expect(flashSign({ ...base, remark: ' ' }, secret)).toBe(sign);
  });

  it('accepts a matching sign in either case and refuses a wrong or missing one', () => {
    const params = { mchId: 'AA0001', nonceStr: '1525314174723' };
    expect(flashSignMatches(params, secret, '2741FF59ADD7F82AD4A274FED2DA8253114B61A14CC0FB7C4F07661B5580A2B1')).toBe(true);
    expect(flashSignMatches(params, secret, '2741ff59add7f82ad4a274fed2da8253114b61a14cc0fb7c4f07661b5580a2b1')).toBe(true);
    expect(flashSignMatches(params, secret, '2741FF59ADD7F82AD4A274FED2DA8253114B61A14CC0FB7C4F07661B5580A2B0')).toBe(false);
    expect(flashSignMatches(params, secret, 'short')).toBe(false);
    expect(flashSignMatches(params, secret, undefined)).toBe(false);
  });
});
