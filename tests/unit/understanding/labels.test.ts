import { describe, expect, it } from 'vitest';
import { choiceButtons } from '#bots/engine/understanding/labels.ts';
import { demoCatalogItems } from '#src/db/demo-catalog.ts';
import { formatMoney } from '#src/lib/money.ts';

const catalog = demoCatalogItems();
const pick = (...skus: string[]) => skus.map((s) => catalog.find((c) => c.sku === s)!);
const money = (satang: number) => `฿${(satang / 100).toLocaleString('en')}`;
const length = (s: string) => [...s].length;

describe('"which one?" and suggestion buttons', () => {
  it('keeps the part that differs, the price and the typed quantity within LINE’s 20 characters', () => {
    const buttons = choiceButtons(pick('COF-250', 'COF-500'), { locale: 'th', limit: 20, qty: 2, money });
    expect(buttons).toEqual([
      { label: 'คั่วกลาง 250g ฿320', command: 'COF-250 x2' },
      { label: 'คั่วเข้ม 500g ฿590', command: 'COF-500 x2' },
    ]);
  });

  it('shows the whole name, size and price when Telegram’s 64 characters allow', () => {
    const [medium] = choiceButtons(pick('COF-250', 'COF-500'), { locale: 'en', limit: 64, qty: 1, money });
    expect(medium).toEqual({ label: 'Doi Chang coffee medium roast 250g ฿320', command: 'COF-250 x1' });
  });

  it('never exceeds the limit and never loses what tells two candidates apart', () => {
    for (const limit of [12, 16, 20, 30, 64]) {
      for (const locale of ['th', 'en'] as const) {
        for (const group of [pick('COF-250', 'COF-500'), pick('TEA-THAI', 'TEA-GREEN'), pick('SNK-CASHEW', 'SNK-MANGO', 'RICE-HOM5')]) {
          const labels = choiceButtons(group, { locale, limit, qty: 1, money }).map((b) => b.label);
          for (const label of labels) expect(length(label), label).toBeLessThanOrEqual(limit);
          expect(new Set(labels).size, labels.join(' | ')).toBe(labels.length);
        }
      }
    }
  });

  it('shows the size when it is all that differs', () => {
    const shirts = [
      { sku: 'TS-S', nameTh: 'เสื้อยืดคอกลมผ้าฝ้ายสีขาว', nameEn: 'White cotton T-shirt', options: { size: 'S' }, price: 25000 },
      { sku: 'TS-L', nameTh: 'เสื้อยืดคอกลมผ้าฝ้ายสีขาว', nameEn: 'White cotton T-shirt', options: { size: 'L' }, price: 27000 },
    ];
    const labels = choiceButtons(shirts, { locale: 'th', limit: 20, qty: 3, money });
    expect(labels.map((b) => b.command)).toEqual(['TS-S x3', 'TS-L x3']);
    expect(labels[0]!.label).toMatch(/ S ฿250$/);
    expect(labels[1]!.label).toMatch(/ L ฿270$/);
  });

  it('with the chat\'s own money format (satang and all) keeps what differs whole, in Thai and English', () => {
    const coffees = [
      { sku: 'C-MED', nameTh: 'กาแฟดอยช้าง คั่วกลาง 250 กรัม', nameEn: 'Doi Chang coffee medium roast 250 g', price: 32_000 },
      { sku: 'C-DARK', nameTh: 'กาแฟดอยช้าง คั่วเข้ม 250 กรัม', nameEn: 'Doi Chang coffee dark roast 250 g', price: 33_000 },
      { sku: 'C-MED5', nameTh: 'กาแฟดอยช้าง คั่วกลาง 500 กรัม', nameEn: 'Doi Chang coffee medium roast 500 g', price: 59_050 },
    ];
    const th = choiceButtons(coffees, { locale: 'th', limit: 20, qty: 2, money: (s) => formatMoney(s, 'THB', 'th') }).map((b) => b.label);
    expect(th).toEqual(['คั่วกลาง 250g ฿320', 'คั่วเข้ม 250g ฿330', 'คั่วกลาง 500g']);
    const en = choiceButtons(coffees, { locale: 'en', limit: 20, qty: 2, money: (s) => formatMoney(s, 'THB', 'en') }).map((b) => b.label);
    expect(en).toEqual(['medium roast 250g', 'dark roast 250g', 'medium roast 500g']);
  });

  it('asks for at least one when no quantity was typed', () => {
    expect(choiceButtons(pick('HOM-SOAP'), { locale: 'th', limit: 20, qty: 0, money })[0]!.command).toBe('HOM-SOAP x1');
  });
});
