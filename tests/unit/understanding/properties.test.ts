import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '#bots/engine/understanding/address.ts';
import { placeRows } from '#bots/engine/understanding/places.ts';
import { understand } from '#bots/engine/understanding/understand.ts';
import { demoCatalogItems } from '#src/db/demo-catalog.ts';

const catalog = demoCatalogItems();
const thaiDigits = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x0e50 + Number(d)));
const THAI_WORDS = ['หนึ่ง', 'สอง', 'สาม', 'สี่', 'ห้า', 'หก', 'เจ็ด', 'แปด', 'เก้า', 'สิบ', 'สิบเอ็ด', 'สิบสอง'];

/** A product as a customer names it: the Thai or English name, whole or without its size, without the catalog's commas. */
const productName = fc.record({ item: fc.constantFrom(...catalog), lang: fc.constantFrom('th', 'en'), withSize: fc.boolean() }).map(({ item, lang, withSize }) => {
  const name = (lang === 'th' ? item.nameTh : item.nameEn).replace(/,/g, '');
  return { sku: item.sku, name: withSize ? name : name.replace(/\s*\d+(?:\.\d+)?\s*(?:กรัม|กิโลกรัม|มล\.|ลิตร|g|kg|ml|l)$/u, '') };
});

/** A quantity as typed: digits, Thai digits, or a Thai number word (with a classifier after it). */
const quantity = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    written: fc.constantFrom(String(n), thaiDigits(String(n)), THAI_WORDS[n - 1]!),
    classifier: fc.constantFrom('', 'ถุง', 'ห่อ', 'ก้อน', 'ขวด', 'กระปุก', 'ชิ้น', 'อัน', 'แพ็ค', 'กล่อง', 'bags', 'pcs'),
  }),
);

const request = fc.constantFrom('', 'ขอ', 'เอา', 'อยากได้', 'สั่ง', 'รับ', 'ขอสั่ง');
const particle = fc.constantFrom('', 'ค่ะ', 'ครับ', 'นะคะ', 'จ้า', 'หน่อย', 'ด้วยค่ะ', 'please');

function line(name: string, q: { written: string; classifier: string }, layout: number, spaced: boolean): string {
  const isWord = !/\d/.test(q.written) && !/[\u0E50-\u0E59]/.test(q.written);
  const count = `${q.written}${spaced ? ' ' : ''}${isWord && !q.classifier ? 'ถุง' : q.classifier}`.trim();
  switch (layout) {
    case 0:
      return `${name}${spaced ? ' ' : ''}${count}`;
    case 1:
      return isWord ? `${name} ${count}` : `${name} x${q.written}`;
    case 2:
      return isWord ? `${count} ${name}` : `${q.written} x ${name}`;
    default:
      return isWord ? `${name} ${count}` : `${name} *${q.written}`;
  }
}

describe('any catalog name with any particle and quantity parses back (fast-check)', () => {
  it('one item in any layout', () => {
    fc.assert(
      fc.property(productName, quantity, request, particle, fc.integer({ min: 0, max: 3 }), fc.boolean(), (p, q, req, part, layout, spaced) => {
        const text = `${req}${req && spaced ? ' ' : ''}${line(p.name, q, layout, spaced || /[a-z]$/i.test(p.name))} ${part}`.trim();
        const got = understand(text, { catalog });
        expect(got, text).toEqual({ intent: 'add', items: [{ sku: p.sku, qty: q.n }] });
      }),
      { numRuns: Number(process.env.FC_RUNS) || 400 },
    );
  });

  it('several items in lines, commas, และ/กับ/and, numbered lists and bullets', () => {
    const separators = ['\n', ', ', ' และ ', ' กับ ', ' and ', 'numbered', 'bullets'];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(productName, quantity), { minLength: 2, maxLength: 4, selector: ([p]) => p.sku }),
        fc.constantFrom(...separators),
        fc.integer({ min: 0, max: 3 }),
        particle,
        (items, separator, layout, part) => {
          const written = items.map(([p, q]) => line(p.name, q, layout, true));
          const text =
            separator === 'numbered'
              ? written.map((w, i) => `${i + 1}. ${w}`).join('\n')
              : separator === 'bullets'
                ? written.map((w) => `- ${w}`).join('\n')
                : written.join(separator);
          const got = understand(`${text} ${part}`.trim(), { catalog });
          expect(got.intent, text).toBe('add');
          const expected = items.map(([p, q]) => ({ sku: p.sku, qty: q.n }));
          expect(got.intent === 'add' ? [...got.items].sort((a, b) => a.sku.localeCompare(b.sku)) : got, text).toEqual(
            expected.sort((a, b) => a.sku.localeCompare(b.sku)),
          );
        },
      ),
      { numRuns: Number(process.env.FC_RUNS) || 300 },
    );
  });
});

const FIRST = ['สมชาย', 'สมหญิง', 'วิภา', 'กานดา', 'ประเสริฐ', 'มานี', 'Somchai', 'Jane', 'อรุณี', 'ธนพล'];
const LAST = ['ใจดี', 'มีสุข', 'ทองคำ', 'แสงทอง', 'รักเรียน', 'Smith', 'Jaidee', 'ศรีสวัสดิ์'];
const TITLE = ['', 'นาย', 'นาง', 'นางสาว', 'น.ส.', 'คุณ', 'พี่', 'Mr', 'Ms'];

const phone = fc
  .tuple(fc.constantFrom('06', '08', '09'), fc.stringMatching(/^\d{8}$/), fc.integer({ min: 0, max: 5 }))
  .map(([prefix, rest, style]) => {
    const n = `${prefix}${rest}`;
    const national = n;
    const written = [
      n,
      `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
      `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
      `+66${n.slice(1)}`,
      `+66 ${n.slice(1, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
      thaiDigits(n),
    ][style]!;
    return { national, written };
  });

const place = fc.integer({ min: 0, max: placeRows.length - 1 }).map((i) => placeRows[i]!);

describe('any valid address in any field order, with or without labels, parses back (fast-check)', () => {
  it('gives back its name, phone, postcode and province', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TITLE),
        fc.constantFrom(...FIRST),
        fc.constantFrom(...LAST),
        phone,
        place,
        fc.integer({ min: 1, max: 999 }),
        fc.constantFrom(...['ABC'].flatMap(() => [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])),
        fc.boolean(),
        fc.constantFrom('\n', ', ', ' '),
        (title, first, last, tel, row, house, order, labels, separator) => {
          const bangkok = row.province === 'กรุงเทพมหานคร';
          const where = bangkok
            ? `${house}/1 แขวง${row.subdistrict} เขต${row.district} ${row.province} ${row.postcode}`
            : `${house} ม.${(house % 9) + 1} ต.${row.subdistrict} อ.${row.district} จ.${row.province} ${row.postcode}`;
          const fields = [
            `${labels ? 'ชื่อ ' : ''}${title}${title && /[a-z]$/i.test(title) ? ' ' : ''}${first} ${last}`,
            `${labels ? 'โทร ' : ''}${tel.written}`,
            `${labels ? 'ที่อยู่ ' : ''}${where}`,
          ];
          const text = order.map((i) => fields[i]!).join(separator);
          const got = parseAddress(text);
          expect(got.phone, text).toBe(tel.national);
          expect(got.postcode, text).toBe(row.postcode);
          expect(got.province, text).toBe(row.province);
          expect(got.name, text).toBe(`${first} ${last}`);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS) || 400 },
    );
  });
});
