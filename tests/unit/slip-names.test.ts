import { describe, expect, it } from 'vitest';
import { receiverMatch } from '../../src/modules/payments/slip-checks.ts';
import { extractParties, matchTitle, namesMatch } from '../../src/modules/payments/slips/names.ts';
import { loadSlipManifest } from '../fixtures/slips/fixtures.ts';

const receiverOf = (nameLine: string, account = 'XXX-X-XX353-9'): ReturnType<typeof extractParties>['receiver'] =>
  extractParties(`จาก\nนาย ก ข\nXXX-X-X1234-X\nไปยัง\n${nameLine}\n${account}`).receiver;

describe('titles on slip names', () => {
  it.each([
    ['นาย สมชาย ใจดี', 'นาย สมชาย ใจดี'],
    ['นาง ศิริพร ศรีสุข', 'นาง ศิริพร ศรีสุข'],
    ['นางสาว กัลยา ใจดี', 'นางสาว กัลยา ใจดี'],
    ['น.ส. ชนิดา นาคสวัสดิ์', 'น.ส. ชนิดา นาคสวัสดิ์'],
    ['ด.ช. ภูมิ ใจดี', 'ด.ช. ภูมิ ใจดี'],
    ['ด.ญ. ภูมิใจ ใจดี', 'ด.ญ. ภูมิใจ ใจดี'],
    ['บจก. รุ่งเรืองการค้า', 'บจก. รุ่งเรืองการค้า'],
    ['หจก. รุ่งเรืองการค้า', 'หจก. รุ่งเรืองการค้า'],
    ['บริษัท ไทยเฟรช มาร์เก็ต จำกัด', 'บริษัท ไทยเฟรช มาร์เก็ต จำกัด'],
    ['ร้าน ผ้าไหมแม่บุญ', 'ร้าน ผ้าไหมแม่บุญ'],
    ['MR SOMCHAI JAIDEE', 'MR SOMCHAI JAIDEE'],
    ['Mrs. Malee Jaidee', 'MRS Malee Jaidee'],
    ['MS ANNA LEE', 'MS ANNA LEE'],
  ])('recognises %s', (printed, name) => {
    expect(receiverOf(printed)?.name).toBe(name);
  });

  it('maps a title the English model read as Latin letters back to the Thai one', () => {
    expect(matchTitle('u.a.')).toBe('น.ส.');
    expect(matchTitle('Uan.')).toBe('บจก.');
    expect(matchTitle('wa.')).toBe('น.ส.');
    expect(receiverOf('u.a. สายสุนีย์ แสงทอง')?.name).toBe('น.ส. สายสุนีย์ แสงทอง');
    expect(receiverOf('Uan. รุ่งเรืองการค้า')?.name).toBe('บจก. รุ่งเรืองการค้า');
  });

  it('maps a Thai letter OCR confuses with another back to the title, but not an ordinary word', () => {
    expect(matchTitle('ว้าน')).toBe('ร้าน');
    expect(matchTitle('บ้าน')).toBeNull();
    expect(receiverOf('ว้าน น้องเมย์ คอสเมติก')?.name).toBe('ร้าน น้องเมย์ คอสเมติก');
  });

  it('does not take an ordinary Latin word for a title', () => {
    for (const word of ['Transfer', 'From', 'Amount', 'THB', 'Bank', 'No.', 'Ref.', 'Co.', 'Ltd.']) expect(matchTitle(word), word).toBeNull();
  });

  it('keeps a short number inside a name and stops at the account after it', () => {
    expect(receiverOf('ร้าน ข้าวมันไก่ป้าแดง สาขา 2')).toEqual({ name: 'ร้าน ข้าวมันไก่ป้าแดง สาขา 2', account: 'XXX-X-XX353-9' });
    expect(receiverOf('ร้าน 7 ดาว การค้า XXX-X-XX353-9', '')?.name).toBe('ร้าน 7 ดาว การค้า');
  });
});

describe('matching a read receiver name against the shop', () => {
  // Names as OCR returned them from the fixtures (one letter or mark off), with the printed name.
  const nearMisses: Array<[string, string]> = [
    ['บริษัท โทยเฟรช มาร์เก็ต จำกัด', 'บริษัท ไทยเฟรช มาร์เก็ต จำกัด'],
    ['ร้าน ตันกล้าการเกษตร', 'ร้าน ต้นกล้าการเกษตร'],
    ['ร้าน ข้าวมันไก่ปข้าแดง', 'ร้าน ข้าวมันไก่ป้าแดง'],
    ['นาย กิตติพงษ ชัยมงคล', 'นาย กิตติพงษ์ ชัยมงคล'],
    ['น.ส. ชนิดา นาคสวสดิ์', 'น.ส. ชนิดา นาคสวัสดิ์'],
  ];

  it.each(nearMisses)('takes "%s" for "%s"', (read, printed) => {
    expect(namesMatch(read, printed)).toBe(true);
  });

  it('never takes one fixture name for another', () => {
    const names = [...new Set(loadSlipManifest().flatMap((e) => [e.receiverName, e.senderName]).filter((n): n is string => !!n))];
    expect(names.length).toBeGreaterThan(30);
    for (const a of names) {
      for (const b of names) {
        if (a !== b) expect(namesMatch(a, b), `${a} / ${b}`).toBe(false);
      }
    }
  });

  it('ignores titles and company forms, and accepts the shop name inside the printed one', () => {
    expect(namesMatch('บริษัท ไทยเฟรช มาร์เก็ต จำกัด', 'ไทยเฟรช มาร์เก็ต')).toBe(true);
    expect(namesMatch('นางสาว สายสุนีย์ แสงทอง', 'น.ส. สายสุนีย์ แสงทอง')).toBe(true);
  });

  it('matches by the account digits first, then by name', () => {
    const shop = { accounts: ['1234567353'], names: ['ต้นกล้าการเกษตร'] };
    expect(receiverMatch({ name: 'ร้าน ใครก็ไม่รู้', account: 'XXX-X-XX353-9' }, { ...shop, accounts: ['0001112353'] })).toBeNull();
    expect(receiverMatch({ name: 'ร้าน ใครก็ไม่รู้', account: 'xxx-x-xx735-3' }, shop)).toBe('account');
    expect(receiverMatch({ name: 'ร้าน ตันกล้าการเกษตร', account: null }, shop)).toBe('name');
    expect(receiverMatch({ name: 'ร้าน ผ้าไหมแม่บุญ', account: null }, shop)).toBeNull();
  });
});
