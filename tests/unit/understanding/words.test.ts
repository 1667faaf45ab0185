import { describe, expect, it } from 'vitest';
import { isParticle, numberOf, thaiNumber, unitOf } from '#bots/engine/understanding/lexicon.ts';
import { normalize, tokens, words } from '#bots/engine/understanding/normalize.ts';
import { parseItems } from '#bots/engine/understanding/items.ts';
import { demoCatalogItems } from '#src/db/demo-catalog.ts';

const catalog = demoCatalogItems();
const lines = (text: string) =>
  parseItems(text, catalog).map((l) => [l.match.kind === 'one' ? l.match.sku : l.match.kind, l.qty]);

describe('Thai word segmentation (Intl.Segmenter th)', () => {
  it('cuts Thai written without spaces into words', () => {
    expect(words('ขอคุยกับแอดมินหน่อยค่ะ')).toEqual(expect.arrayContaining(['ขอ', 'คุย', 'กับ', 'หน่อย', 'ค่ะ']));
    expect(words('สบู่สมุนไพรสองก้อน')).toEqual(['สบู่', 'สมุนไพร', 'สอง', 'ก้อน']);
  });

  it('separates digits and Latin letters glued to Thai before cutting', () => {
    expect(normalize('กาแฟคั่วกลาง2ถุง')).toBe('กาแฟคั่วกลาง 2 ถุง');
    expect(tokens(normalize('ชาเขียวx2')).map((t) => t.text)).toEqual(['ชา', 'เขียว', 'x2']);
  });

  it('keeps codes and order numbers whole', () => {
    expect(tokens('cof-250 x2 TL-10001').map((t) => t.lower)).toEqual(['cof-250', 'x2', 'tl-10001']);
  });
});

describe('digits and number words', () => {
  it('reads Thai digits as digits', () => {
    expect(normalize('๐๘๑-๒๓๔-๕๖๗๘ ๑๐๔๐๐')).toBe('081-234-5678 10400');
    expect(lines('ข้าวหอมมะลิ ๒')).toEqual([['RICE-HOM5', 2]]);
  });

  it('reads Thai number words up to the hundreds', () => {
    expect(thaiNumber('สาม')?.value).toBe(3);
    expect(thaiNumber('สิบ')?.value).toBe(10);
    expect(thaiNumber('สิบสอง')?.value).toBe(12);
    expect(thaiNumber('ยี่สิบ')?.value).toBe(20);
    expect(thaiNumber('ยี่สิบเอ็ด')?.value).toBe(21);
    expect(thaiNumber('สามสิบห้า')?.value).toBe(35);
    expect(thaiNumber('ร้อยนึง')?.value).toBe(100);
    expect(thaiNumber('ร้อยเอ็ด')?.value).toBe(101);
    expect(thaiNumber('สองร้อย')?.value).toBe(200);
    expect(thaiNumber('สมุนไพร')).toBeUndefined();
  });

  it('reads "สองสาม" (two or three) as two, flagged approximate', () => {
    expect(thaiNumber('สองสาม')).toEqual({ value: 2, approximate: true });
    const [line] = parseItems('สบู่สองสามก้อน', catalog);
    expect(line).toMatchObject({ qty: 2, approximate: true });
  });

  it('reads English number words and a classifier with "นึง" after it', () => {
    expect(numberOf('three')?.value).toBe(3);
    expect(lines('one thai tea please')).toEqual([['TEA-THAI', 1]]);
    expect(lines('กาแฟคั่วกลางถุงนึงค่ะ')).toEqual([['COF-250', 1]]);
    expect(lines('สบู่ 2 โหล')).toEqual([['HOM-SOAP', 24]]);
  });

  it('takes a number word for a quantity only where a quantity can stand', () => {
    expect(lines('ข้าวเกรียบกุ้งห้าห่อ')).toEqual([['SNK-CHIPS', 5]]);
    expect(lines('ชาไทยสาม')).toEqual([['TEA-THAI', 3]]);
  });
});

describe('particles, request words and classifiers', () => {
  it('drops polite particles wherever they stand', () => {
    for (const text of ['ขอชาไทย 2 ค่ะ', 'เอาชาไทย 2 นะคะ', 'ชาไทย 2 ครับบบ', 'อยากได้ชาไทย 2 ด้วยจ้า', 'รับชาไทย 2 หน่อยค่าา']) {
      expect(lines(text), text).toEqual([['TEA-THAI', 2]]);
    }
  });

  it('takes "ค่า" for a particle at the end but not at the start of ค่าส่ง', () => {
    expect(isParticle(['ดี', 'ค่า'], 1)).toBe(true);
    expect(isParticle(['ค่า', 'ส่ง'], 0)).toBe(false);
  });

  it('reads a classifier after the quantity and a size unit as part of the name', () => {
    for (const classifier of ['ถุง', 'ห่อ', 'ก้อน', 'ขวด', 'กระปุก', 'ชิ้น', 'อัน', 'แพ็ค', 'กล่อง']) {
      expect(lines(`ยาหม่อง 3 ${classifier}`), classifier).toEqual([['HOM-BALM', 3]]);
    }
    expect(unitOf('กรัม')).toBe('g');
    expect(lines('ข้าวหอมมะลิ 5 กิโล 2 ถุง')).toEqual([['RICE-HOM5', 2]]);
    expect(lines('น้ำยาซักผ้า 1 ลิตร 3 ขวด')).toEqual([['HOM-DETERG', 3]]);
  });
});
