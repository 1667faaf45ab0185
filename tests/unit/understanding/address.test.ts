import { describe, expect, it } from 'vitest';
import { parseAddress } from '#bots/engine/understanding/address.ts';

describe('delivery details as people type them', () => {
  it('reads name, phone and address on separate lines', () => {
    expect(parseAddress('สมหญิง ใจดี\n081-234-5678\n12/3 ซอยอารีย์ พหลโยธิน กรุงเทพฯ 10400')).toMatchObject({
      name: 'สมหญิง ใจดี',
      phone: '0812345678',
      postcode: '10400',
      province: 'กรุงเทพมหานคร',
      missing: [],
      problems: [],
    });
  });

  it('reads one line with labels, in any order', () => {
    const a = parseAddress('โทร 0861234567 ที่อยู่ 45/6 ถ.เพชรเกษม แขวงบางหว้า เขตภาษีเจริญ กทม 10160 ชื่อ มานี มีนา');
    expect(a).toMatchObject({ name: 'มานี มีนา', phone: '0861234567', postcode: '10160', province: 'กรุงเทพมหานคร', district: 'ภาษีเจริญ', subdistrict: 'บางหว้า' });
    const b = parseAddress('Name: Jane Smith Tel: +66 81 555 1234 Address: 200 Sukhumvit Soi 11, Watthana, Bangkok 10110');
    expect(b).toMatchObject({ name: 'Jane Smith', phone: '0815551234', postcode: '10110', province: 'กรุงเทพมหานคร', district: 'วัฒนา' });
  });

  it('reads one line without labels, the name before or after the address', () => {
    expect(parseAddress('สมหญิง ใจดี 12/3 ซอยอารีย์ กรุงเทพ 10400 0812345678')).toMatchObject({ name: 'สมหญิง ใจดี', phone: '0812345678' });
    expect(parseAddress('12/3 ซอยอารีย์ กรุงเทพ 10400 สมหญิง ใจดี 0812345678')).toMatchObject({ name: 'สมหญิง ใจดี', postcode: '10400' });
    expect(parseAddress('99/1 หมู่ 5 ต.สันทรายน้อย อ.สันทราย จ.เชียงใหม่ 50210 คุณวิชัย รักดี 089 765 4321')).toMatchObject({
      name: 'วิชัย รักดี',
      title: 'คุณ',
      phone: '0897654321',
      province: 'เชียงใหม่',
      district: 'สันทราย',
      subdistrict: 'สันทรายน้อย',
    });
  });

  it('finds the phone in any Thai format, Thai digits and +66 included', () => {
    for (const phone of ['0812345678', '081-234-5678', '081 234 5678', '+66812345678', '+66 81 234 5678', '(+66) 81-234-5678', '๐๘๑๒๓๔๕๖๗๘', '66812345678']) {
      expect(parseAddress(`สมชาย ดีใจ ${phone} 10 ถนนนิมมาน เชียงใหม่ 50200`).phone, phone).toBe('0812345678');
    }
    expect(parseAddress('สมชาย 02-123-4567 10 ถนนสีลม กรุงเทพ 10500').phone).toBe('021234567');
  });

  it('takes off titles: นาย, นาง, นางสาว, น.ส., คุณ, พี่, Mr, Mrs, Ms, Miss', () => {
    const names: [string, string][] = [
      ['นาย ประเสริฐ ทองดี', 'ประเสริฐ ทองดี'],
      ['นางสมศรี มีสุข', 'สมศรี มีสุข'],
      ['นางสาวกานดา ใจงาม', 'กานดา ใจงาม'],
      ['น.ส.กานดา ใจงาม', 'กานดา ใจงาม'],
      ['คุณนิด', 'นิด'],
      ['พี่ต้อม', 'ต้อม'],
      ['Mr John Doe', 'John Doe'],
      ['Mrs. Jane Doe', 'Jane Doe'],
      ['Ms Ann Lee', 'Ann Lee'],
      ['Miss Kate Moss', 'Kate Moss'],
    ];
    for (const [typed, name] of names) expect(parseAddress(`${typed}\n0812345678\n5 ซอยอารีย์ กรุงเทพ 10400`).name, typed).toBe(name);
  });

  it('fills the postcode from the sub-district and district when it was left out', () => {
    expect(parseAddress('นิด 0631112222 9 ม.3 ต.สันทรายน้อย อ.สันทราย เชียงใหม่')).toMatchObject({ postcode: '50210', postcodeInferred: true, missing: [] });
  });

  it('names the province from the postcode when it was left out', () => {
    expect(parseAddress('นิด 0631112222 หอพักสุขใจ ห้อง 305 ซ.งามวงศ์วาน 23 11000')).toMatchObject({ province: 'นนทบุรี', missing: [] });
  });

  it('reports a postcode that does not exist or contradicts the province typed', () => {
    expect(parseAddress('สมชาย 0812345678 10 ถนนนิมมาน เชียงใหม่ 99999').problems).toEqual([{ code: 'postcode_unknown', postcode: '99999' }]);
    expect(parseAddress('สมชาย 0812345678 10 ถนนนิมมาน เชียงใหม่ 10400').problems).toEqual([
      { code: 'postcode_province_mismatch', postcode: '10400', province: 'เชียงใหม่', postcodeProvinces: ['กรุงเทพมหานคร'] },
    ]);
  });

  it('reports a district typed in another province', () => {
    expect(parseAddress('สมชาย 0812345678 10 ม.1 ต.ในเมือง อ.หางดง จ.ขอนแก่น 40000').problems).toEqual([
      { code: 'district_province_mismatch', district: 'หางดง', province: 'ขอนแก่น' },
    ]);
    expect(parseAddress('สมชาย 0812345678 10 ม.1 ต.ในเมือง อ.เมือง จ.ขอนแก่น 40000').problems).toEqual([]);
  });

  it('reports a phone number that cannot be one', () => {
    expect(parseAddress('สมชาย 081234567 10 ถนนนิมมาน เชียงใหม่ 50200')).toMatchObject({ phone: undefined, problems: [{ code: 'phone_invalid', text: '081234567' }] });
  });

  it('says exactly what is missing', () => {
    expect(parseAddress('สมชาย ดีใจ 0812345678').missing).toEqual(['address', 'postcode', 'province']);
    expect(parseAddress('12/3 ซอยอารีย์ กรุงเทพ 10400').missing).toEqual(['name', 'phone']);
    expect(parseAddress('สมชาย 0812345678 กรุงเทพ 10400').missing).toEqual(['address']);
    expect(parseAddress('0812345678 12/3 ซอยอารีย์ แขวงสามเสนใน เขตพญาไท').missing).toEqual(['name']);
  });

  it('reads the ways people lay details out', () => {
    const cases: [string, { name: string; phone: string; postcode: string; province: string }][] = [
      ['ชื่อ สมชาย ใจดี 12/3 ซอยอารีย์ แขวงสามเสนใน เขตพญาไท กรุงเทพ 10400 โทร 0812345678', { name: 'สมชาย ใจดี', phone: '0812345678', postcode: '10400', province: 'กรุงเทพมหานคร' }],
      ['0812345678 สมชาย ใจดี 12/3 ซอยอารีย์ กรุงเทพ 10400', { name: 'สมชาย ใจดี', phone: '0812345678', postcode: '10400', province: 'กรุงเทพมหานคร' }],
      ['ชื่อ-สกุล: วารี ทองสุข\nเบอร์ติดต่อ: 0823456789\nที่อยู่จัดส่ง: 8/88 ม.9 ต. บ้านปง อ. หางดง จ. เชียงใหม่ 50230', { name: 'วารี ทองสุข', phone: '0823456789', postcode: '50230', province: 'เชียงใหม่' }],
      ['Tel: 081-222-3333 Name: Anna Lee Address: 5/5 Soi Ari, Phaya Thai, Bangkok 10400', { name: 'Anna Lee', phone: '0812223333', postcode: '10400', province: 'กรุงเทพมหานคร' }],
      ['คุณต่าย 0812223333\nร้านต่ายการค้า 55 ถ.มิตรภาพ ต.ในเมือง อ.เมือง จ.นครราชสีมา 30000', { name: 'ต่าย', phone: '0812223333', postcode: '30000', province: 'นครราชสีมา' }],
      ['12/3 ซอยอารีย์ กรุงเทพ 10400\nสมหญิง ใจดี\n0812345678', { name: 'สมหญิง ใจดี', phone: '0812345678', postcode: '10400', province: 'กรุงเทพมหานคร' }],
      ['ผู้รับ วราภรณ์ สุขใจ / 086-555-4321 / 9/9 หมู่ 1 ต.บ้านปง อ.หางดง เชียงใหม่ 50230', { name: 'วราภรณ์ สุขใจ', phone: '0865554321', postcode: '50230', province: 'เชียงใหม่' }],
    ];
    for (const [text, expected] of cases) expect(parseAddress(text), text).toMatchObject(expected);
  });

  it('keeps a surname that is also a place name as the name', () => {
    expect(parseAddress('สมหญิง ใจดี\n0812345678\n12/3 ซอยอารีย์ เชียงใหม่ 50200').name).toBe('สมหญิง ใจดี');
  });
});
