import { describe, expect, it } from 'vitest';
import { indexCatalog, matchProduct } from '#bots/engine/understanding/catalog.ts';
import { parseItems } from '#bots/engine/understanding/items.ts';
import { demoCatalogItems } from '#src/db/demo-catalog.ts';

const catalog = demoCatalogItems();
const index = indexCatalog(catalog);
const one = (query: string) => {
  const m = matchProduct(index, query);
  return m.kind === 'one' ? m.sku : m.kind === 'many' ? m.skus.sort() : null;
};
const lines = (text: string) => parseItems(text, catalog).map((l) => [l.match.kind === 'one' ? l.match.sku : l.match.kind, l.qty]);

describe('product names in Thai and English', () => {
  it('finds a product by SKU in any case, with or without the dash', () => {
    expect(one('cof-500')).toBe('COF-500');
    expect(one('TEA-THAI')).toBe('TEA-THAI');
    expect(one('snk chips')).toBe('SNK-CHIPS');
  });

  it('finds a product by part of its name, words left out', () => {
    expect(one('ชาเขียว')).toBe('TEA-GREEN');
    expect(one('สบู่ขมิ้น')).toBe('HOM-SOAP');
    expect(one('กาแฟคั่วกลาง')).toBe('COF-250');
    expect(one('มะม่วง')).toBe('SNK-MANGO');
  });

  it('forgives tone marks, a missing, wrong or swapped letter', () => {
    expect(one('ยาหมอง')).toBe('HOM-BALM');
    expect(one('กาแฟคัวกลาง')).toBe('COF-250');
    expect(one('ข้าวหอมมลิ')).toBe('RICE-HOM5');
    expect(one('ชาเขียวมัดฉะ')).toBe('TEA-GREEN');
    expect(one('กะแฟคั่วเข้ม')).toBe('COF-500');
    expect(one('fish suace')).toBe('SAUCE-FISH');
    expect(one('jasmin rice')).toBe('RICE-HOM5');
  });

  it('reads English plurals as the singular', () => {
    expect(one('turmeric soaps')).toBe('HOM-SOAP');
    expect(one('cashews')).toBe('SNK-CASHEW');
    expect(one('prawn cracker')).toBe('SNK-CHIPS');
  });

  it('answers several products when the name fits them equally', () => {
    expect(one('กาแฟ')).toEqual(['COF-250', 'COF-500']);
    expect(one('ชา')).toEqual(['TEA-GREEN', 'TEA-THAI']);
    expect(one('coffee')).toEqual(['COF-250', 'COF-500']);
  });

  it('answers none for what the shop does not sell', () => {
    expect(one('ทุเรียนทอด')).toBeNull();
    expect(one('นมสด')).toBeNull();
    expect(one('shampoo')).toBeNull();
  });

  it('matches the option values of a variant', () => {
    const shirts = [
      { sku: 'TS-S', nameTh: 'เสื้อยืด', nameEn: 'T-shirt', options: { size: 'S' } },
      { sku: 'TS-L', nameTh: 'เสื้อยืด', nameEn: 'T-shirt', options: { size: 'L' } },
    ];
    expect(parseItems('เสื้อยืด L 2 ตัว', shirts).map((l) => l.match)).toMatchObject([{ kind: 'one', sku: 'TS-L' }]);
    expect(parseItems('เสื้อยืด 2 ตัว', shirts).map((l) => l.match)).toMatchObject([{ kind: 'many', skus: ['TS-S', 'TS-L'] }]);
  });
});

describe('several items in one message', () => {
  it('reads lines, commas, และ/กับ/and, numbered lists and bullets', () => {
    expect(lines('ชาไทย 2\nสบู่ 3')).toEqual([['TEA-THAI', 2], ['HOM-SOAP', 3]]);
    expect(lines('ยาหม่อง 1, สบู่ขมิ้น 2')).toEqual([['HOM-BALM', 1], ['HOM-SOAP', 2]]);
    expect(lines('ชาไทย 2 ถุง และ น้ำปลา 1 ขวด')).toEqual([['TEA-THAI', 2], ['SAUCE-FISH', 1]]);
    expect(lines('มะม่วงอบแห้งสองห่อกับข้าวเกรียบกุ้งหนึ่งห่อ')).toEqual([['SNK-MANGO', 2], ['SNK-CHIPS', 1]]);
    expect(lines('3 turmeric soaps and 2 fish sauce')).toEqual([['HOM-SOAP', 3], ['SAUCE-FISH', 2]]);
    expect(lines('1. ชาเขียว 2 ถุง\n2. น้ำปลา 1 ขวด')).toEqual([['TEA-GREEN', 2], ['SAUCE-FISH', 1]]);
    expect(lines('- สบู่ขมิ้น x4\n- ยาหม่อง x1')).toEqual([['HOM-SOAP', 4], ['HOM-BALM', 1]]);
  });

  it('reads several items on one line without separators, quantity after or before', () => {
    expect(lines('กาแฟคั่วเข้ม 1 ถุง ชาไทย 2 ถุง')).toEqual([['COF-500', 1], ['TEA-THAI', 2]]);
    expect(lines('TEA-THAI x2 COF-250 x1')).toEqual([['TEA-THAI', 2], ['COF-250', 1]]);
    expect(lines('2 x SNK-CHIPS')).toEqual([['SNK-CHIPS', 2]]);
    expect(lines('TEA-THAI *3')).toEqual([['TEA-THAI', 3]]);
  });

  it('gives "อย่างละ" (each) to every item', () => {
    expect(lines('ชาไทย กับ ชาเขียว อย่างละ 2 ถุง')).toEqual([['TEA-THAI', 2], ['TEA-GREEN', 2]]);
  });

  it('reads names side by side without quantities as one of each', () => {
    expect(lines('ชาไทย สบู่ น้ำปลา')).toEqual([['TEA-THAI', 1], ['HOM-SOAP', 1], ['SAUCE-FISH', 1]]);
  });

  it('adds up the same product named twice', () => {
    expect(lines('ชาไทย 1\nชาไทย 2')).toEqual([['TEA-THAI', 3]]);
  });
});

describe('product codes that look like cue words', () => {
  it('reads a typed SKU as the product even when its letters are a cue ("QR-1" is not a question about the QR)', async () => {
    const { understand } = await import('#bots/engine/understanding/understand.ts');
    const shop = [...catalog, { sku: 'QR-1', nameTh: 'พวงกุญแจคิวอาร์', nameEn: 'QR keyring', price: 9_900 }, { sku: 'BANK-2', nameTh: 'กระปุกออมสิน', nameEn: 'Piggy bank', price: 19_900 }];
    expect(understand('QR-1 x1', { catalog: shop })).toEqual({ intent: 'add', items: [{ sku: 'QR-1', qty: 1 }] });
    expect(understand('ขอ qr1 สองชิ้นค่ะ', { catalog: shop })).toEqual({ intent: 'add', items: [{ sku: 'QR-1', qty: 2 }] });
    expect(understand('bank-2 1', { catalog: shop })).toMatchObject({ intent: 'add', items: [{ sku: 'BANK-2', qty: 1 }] });
    // The cue itself still works when no code is typed.
    expect(understand('ขอ qr code หน่อย', { catalog: shop })).toEqual({ intent: 'question', topic: 'payment' });
  });
});
