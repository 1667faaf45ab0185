import { describe, expect, it } from 'vitest';
import { createMatcher, similarity } from '#bots/engine/matcher.ts';
import { matchKey, normalizeText, parseCommand, parseDeliveryDetails, parseItemLines } from '#bots/engine/text.ts';

describe('commands', () => {
  it.each([
    ['menu', { kind: 'menu', page: 1 }],
    ['เมนู', { kind: 'menu', page: 1 }],
    ['MENU c3 p2', { kind: 'menu', categoryId: 3, page: 2 }],
    ['เมนู กาแฟ', { kind: 'menu', page: 1, search: 'กาแฟ' }],
    ['cart', { kind: 'cart' }],
    ['ตะกร้า', { kind: 'cart' }],
    ['checkout', { kind: 'checkout' }],
    ['สั่งซื้อ', { kind: 'checkout' }],
    ['Confirm', { kind: 'confirm' }],
    ['ยืนยัน', { kind: 'confirm' }],
    ['status', { kind: 'status' }],
    ['สถานะ', { kind: 'status' }],
    ['reorder', { kind: 'reorder' }],
    ['สั่งซ้ำ', { kind: 'reorder' }],
    ['cancel TL-10001', { kind: 'cancel', number: 'TL-10001' }],
    ['ยกเลิก 10001', { kind: 'cancel', number: 'TL-10001' }],
    ['cancel my order', { kind: 'cancel' }],
    ['lang en', { kind: 'lang', lang: 'en' }],
    ['ภาษา ไทย', { kind: 'lang', lang: 'th' }],
    ['หยุด', { kind: 'stop' }],
    ['remove COF-250', { kind: 'remove', query: 'COF-250' }],
    ['  สวัสดีค่ะ ', { kind: 'greeting' }],
    ['return TL-10001', { kind: 'return', action: 'start', number: 'TL-10001' }],
    ['คืนสินค้า TL-10001', { kind: 'return', action: 'start', number: 'TL-10001' }],
    ['คืนสินค้า 10002', { kind: 'return', action: 'start', number: 'TL-10002' }],
    ['return order tl10003', { kind: 'return', action: 'start', number: 'TL-10003' }],
    ['คืนสินค้า', { kind: 'return', action: 'start' }],
    ['return', { kind: 'return', action: 'start' }],
    ['return item 2', { kind: 'return', action: 'pick', item: 2 }],
    ['คืนรายการ 1', { kind: 'return', action: 'pick', item: 1 }],
    ['return reason damaged', { kind: 'return', action: 'reason', reason: 'damaged' }],
    ['เหตุผล เปลี่ยนใจ', { kind: 'return', action: 'reason', reason: 'changed_mind' }],
    ['เหตุผล ได้รับผิดรายการ', { kind: 'return', action: 'reason', reason: 'wrong_item' }],
    ['done', { kind: 'return', action: 'done' }],
    ['เลือกเสร็จแล้ว', { kind: 'return', action: 'done' }],
    ['send', { kind: 'return', action: 'send' }],
    ['ส่งคำขอคืน', { kind: 'return', action: 'send' }],
    ['cancel return', { kind: 'return', action: 'cancel' }],
    ['ยกเลิกการคืน', { kind: 'return', action: 'cancel' }],
  ])('%s', (text, command) => expect(parseCommand(text)).toEqual(command));

  it('takes a return question that names no order for chatter, and cancelling an order stays cancelling', () => {
    expect(parseCommand('return policy please')).toBeNull();
    expect(parseCommand('คืนสินค้ายังไง')).toBeNull();
    expect(parseCommand('ยกเลิก TL-10001')).toEqual({ kind: 'cancel', number: 'TL-10001' });
  });

  it('leaves order lines and chatter alone', () => {
    expect(parseCommand('COF-250 x2')).toBeNull();
    expect(parseCommand('กาแฟ 2 ถุง')).toBeNull();
  });
});

describe('order lines', () => {
  it('reads every documented form, several per message', () => {
    expect(parseItemLines('COF-250 x2\nชาไทย 3\nมะม่วงอบแห้ง *4, prawn crackers 2 bags\n2 x soap\nยาหม่อง')).toEqual([
      { query: 'COF-250', qty: 2, explicitQty: true },
      { query: 'ชาไทย', qty: 3, explicitQty: true },
      { query: 'มะม่วงอบแห้ง', qty: 4, explicitQty: true },
      { query: 'prawn crackers', qty: 2, explicitQty: true },
      { query: 'soap', qty: 2, explicitQty: true },
      { query: 'ยาหม่อง', qty: 1, explicitQty: false },
    ]);
  });

  it('keeps a product name that ends in a size when a quantity follows', () => {
    expect(parseItemLines('กาแฟดอยช้าง 250 กรัม x 2')).toEqual([{ query: 'กาแฟดอยช้าง 250 กรัม', qty: 2, explicitQty: true }]);
  });
});

describe('matching names', () => {
  it('ignores case, spaces, tone marks and the two ways of writing sara am', () => {
    expect(matchKey('กาแฟ ดอยช้าง')).toBe(matchKey('กาแฟดอยชาง'));
    expect(normalizeText('น\u0E4D\u0E32ปลา')).toBe('นำปลา');
    expect(matchKey('น\u0E49\u0E4D\u0E32ปลา')).toBe(matchKey('น้ำปลา'));
    expect(similarity('coffee', 'cofee')).toBeGreaterThan(0.7);
  });

  const catalog = [
    { variantId: 1, sku: 'COF-250', nameTh: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee, medium roast 250 g', options: {} },
    { variantId: 2, sku: 'COF-500', nameTh: 'กาแฟดอยช้าง คั่วเข้ม 500 กรัม', nameEn: 'Doi Chang coffee, dark roast 500 g', options: {} },
    { variantId: 3, sku: 'TEA-THAI', nameTh: 'ชาไทยตรามือ 400 กรัม', nameEn: 'Thai tea mix 400 g', options: {} },
    { variantId: 4, sku: 'SAUCE-FISH', nameTh: 'น้ำปลาแท้ 700 มล.', nameEn: 'Fish sauce 700 ml', options: {} },
  ];
  const match = createMatcher(catalog);

  it('finds by SKU in any case', () => expect(match('cof-250')).toEqual({ kind: 'one', item: catalog[0] }));
  it('finds by a unique part of the Thai or English name', () => {
    expect(match('ชาไทย')).toEqual({ kind: 'one', item: catalog[2] });
    expect(match('fish sauce')).toEqual({ kind: 'one', item: catalog[3] });
    expect(match('นำปลา')).toEqual({ kind: 'one', item: catalog[3] }); // tone mark left out
    expect(match('น้ําปลา')).toEqual({ kind: 'one', item: catalog[3] });
  });
  it('asks which one when a name fits several', () => {
    expect(match('กาแฟ')).toEqual({ kind: 'many', items: [catalog[0], catalog[1]] });
  });
  it('suggests close matches for a typo', () => {
    const result = match('cofee dark roast');
    expect(result.kind).toBe('none');
    expect(result.kind === 'none' && result.suggestions[0]?.sku).toBe('COF-500');
  });
});

describe('delivery details', () => {
  it('reads name, phone and address on separate lines', () => {
    expect(parseDeliveryDetails('สมชาย ใจดี\n081-234-5678\n99/1 ถนนสุขุมวิท แขวงคลองเตย กรุงเทพฯ 10110')).toEqual({
      ok: true,
      details: { name: 'สมชาย ใจดี', phone: '66812345678', address: '99/1 ถนนสุขุมวิท แขวงคลองเตย กรุงเทพฯ 10110', postcode: '10110' },
    });
  });
  it('reads them comma-separated, with a labelled +66 phone', () => {
    const r = parseDeliveryDetails('Jane Doe, tel +66 81 234 5678, 12 Sukhumvit Soi 11, Bangkok 10110');
    expect(r).toMatchObject({ ok: true, details: { name: 'Jane Doe', phone: '66812345678', postcode: '10110' } });
  });
  it('says what is missing', () => {
    expect(parseDeliveryDetails('สมชาย\n12345')).toEqual({ ok: false, missing: ['phone', 'address'] });
    expect(parseDeliveryDetails('')).toEqual({ ok: false, missing: ['name', 'phone', 'address'] });
  });
});
