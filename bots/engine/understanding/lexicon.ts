/**
 * The small closed word classes of shop chat: polite and request words, classifiers, units of size,
 * titles and number words. Open classes (product names, places) come from the catalog and the
 * postcode table, never from here.
 */

const set = (...list: string[]) => new Set(list);

/** Sentence-final and softening particles, in the spellings people type. */
export const PARTICLES = set(
  'ค่ะ', 'คะ', 'ค้ะ', 'ค๊ะ', 'คร่ะ', 'คับ', 'ครับ', 'คั้บ', 'ครัช', 'ครัฟ', 'คัฟ', 'ฮะ', 'ฮ่ะ', 'ฮับ', 'จ้า', 'จ้ะ',
  'จ๊ะ', 'จ่ะ', 'จ๊า', 'ค้าบ', 'คร้าบ', 'งับ', 'ฮ้าบ', 'นะ', 'น้า', 'นะคะ', 'นะครับ', 'เนอะ', 'หน่อย', 'ด้วย', 'สิ', 'ซิ',
  'เถอะ', 'ล่ะ', 'อะ', 'อ่ะ', 'เด้อ', 'เน้อ', 'ขอรับ', 'จ้ะ', 'เลย', 'please', 'pls', 'plz', 'plis', 'kindly',
);

/** How customers address the shop ("ค่ะ แอดมิน"): a particle before one is still at the end. */
export const ADDRESS_TERMS = set('แอดมิน', 'admin', 'ร้าน', 'คุณ', 'พี่', 'น้อง', 'ทุกคน', 'จ้า');

const TRAILER = new RegExp(`^(?:${[...ADDRESS_TERMS, ...PARTICLES].sort((a, b) => b.length - a.length).join('|')})*$`);

/** Particles that are also the start of words ("ค่า" in ค่าส่ง): particles only at the end of a message. */
const END_ONLY = new Set(['ค่า', 'คา']);

/** Whether the word at `i` is a particle; a letter typed twice at the end ("ค่าา", "ครับบ") still counts. */
export function isParticle(list: readonly string[], i: number): boolean {
  const w = list[i]!.replace(/(.)\1+$/u, '$1');
  if (PARTICLES.has(w) || PARTICLES.has(list[i]!)) return true;
  if (!END_ONLY.has(w)) return false;
  // Only particles and whom they address may follow (the words may be cut oddly: "แอ|ดมิน").
  const rest = list.slice(i + 1).join('');
  return TRAILER.test(rest);
}

/** Words that ask for something ("I'd like"): dropped before a product name. */
export const REQUEST_WORDS = set(
  'ขอ', 'เอา', 'อยาก', 'ได้', 'อยากได้', 'ต้องการ', 'รับ', 'สั่ง', 'ซื้อ', 'จะ', 'เพิ่ม', 'ใส่', 'หยิบ', 'อีก', 'ช่วย', 'หา', 'จัด', 'สนใจ',
  'ดู', 'เช็ค', 'ถาม', 'สอบถาม', 'บอก', 'อย่าง', 'อันนี้', 'นี้', 'ตัวนี้', 'แบบนี้', 'this', 'that', 'these', 'those',
  'nut', 'snack', 'item', 'product', 'thing', 'stuff',
  'มี', 'ให้', 'ผม', 'ฉัน', 'หนู', 'เรา', 'ดิฉัน', 'เค้า', 'เขา', 'พี่', 'ค่ะ', 'ทีนึง', 'ที',
  'i', "i'd", 'id', 'i’d', 'like', 'would', 'want', 'need', 'give', 'me', 'can', 'could', 'get', 'have', 'take', "i'll",
  'add', 'buy', 'order', 'some', 'the', 'a', 'an', 'of', 'to', 'for', 'more', 'also', 'please', 'us', 'we',
);

/** Counting words after a quantity: ถุง, ห่อ, ก้อน … and their English kin. */
export const CLASSIFIERS = set(
  'ถุง', 'ห่อ', 'ก้อน', 'ขวด', 'กระปุก', 'ชิ้น', 'อัน', 'แพ็ค', 'แพ็ก', 'แพค', 'แพก', 'กล่อง', 'ซอง', 'ตัว', 'คู่', 'ใบ',
  'กระป๋อง', 'แก้ว', 'ลัง', 'เซ็ต', 'เซท', 'ชุด', 'หลอด', 'ม้วน', 'แผ่น', 'ลูก', 'ผืน', 'แท่ง', 'ถัง', 'ตลับ', 'กระบอก',
  'ถาด', 'โหล', 'หีบ', 'ที่',
  'pcs', 'pc', 'piece', 'pieces', 'pack', 'packs', 'packet', 'packets', 'bag', 'bags', 'bottle', 'bottles', 'box', 'boxes',
  'jar', 'jars', 'bar', 'bars', 'unit', 'units', 'set', 'sets', 'can', 'cans', 'tub', 'tubs', 'pouch', 'pouches', 'ea',
);

/** A classifier worth twelve. */
export const DOZEN = set('โหล', 'dozen');

/** Units of size: a number before one of these is part of the name ("250 กรัม"), not a quantity. */
const UNIT_ALIASES: [string, string[]][] = [
  ['kg', ['กิโลกรัม', 'กิโล', 'กก', 'kg', 'kgs', 'kilo', 'kilos', 'kilogram', 'kilograms']],
  ['g', ['กรัม', 'ก', 'g', 'gr', 'gm', 'gram', 'grams']],
  ['ml', ['มิลลิลิตร', 'มล', 'ml', 'cc', 'ซีซี']],
  ['l', ['ลิตร', 'ล', 'l', 'lt', 'liter', 'litre', 'liters', 'litres']],
  ['oz', ['ออนซ์', 'oz']],
];
const UNIT_OF = new Map(UNIT_ALIASES.flatMap(([unit, names]) => names.map((n) => [n, unit] as const)));

/** The one spelling of a unit of size ("กรัม" → "g"), or undefined when the word is not one. */
export function unitOf(word: string): string | undefined {
  return UNIT_OF.get(word.toLowerCase().replace(/\.$/, ''));
}

/** Titles before a name, longest first so "นางสาว" wins over "นาง". */
export const TITLES = [
  'นางสาว', 'น.ส.', 'น.ส', 'นส.', 'ด.ช.', 'ด.ญ.', 'เด็กชาย', 'เด็กหญิง', 'นาย', 'นาง', 'คุณ', 'พี่', 'mrs.', 'mrs', 'mr.', 'mr',
  'ms.', 'ms', 'miss', 'dr.', 'dr', 'khun', 'k.',
];

const THAI_DIGITS: Record<string, number> = {
  ศูนย์: 0, หนึ่ง: 1, นึง: 1, เอ็ด: 1, สอง: 2, ยี่: 2, สาม: 3, สี่: 4, ห้า: 5, หก: 6, เจ็ด: 7, แปด: 8, เก้า: 9,
};
const THAI_NUMBER = /^(?:ศูนย์|หนึ่ง|นึง|เอ็ด|สอง|ยี่|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ|ร้อย|พัน)+$/;
const ENGLISH_NUMBERS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  dozen: 12, twenty: 20,
};

/**
 * A number written in Thai words: "สาม" 3, "สิบสอง" 12, "ยี่สิบเอ็ด" 21, "ร้อยนึง" 100. "สองสาม"
 * (two or three) is read as its lower bound and flagged approximate. Undefined when it is no number.
 */
export function thaiNumber(word: string): { value: number; approximate: boolean } | undefined {
  if (!THAI_NUMBER.test(word)) return undefined;
  const parts = word.match(/ศูนย์|หนึ่ง|นึง|เอ็ด|สอง|ยี่|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า|สิบ|ร้อย|พัน/g)!;
  // Two bare digits in a row ("สองสาม", "สามสี่") name a range, not a number.
  for (let i = 0; i + 1 < parts.length; i++) {
    const a = THAI_DIGITS[parts[i]!];
    const b = THAI_DIGITS[parts[i + 1]!];
    if (a !== undefined && b !== undefined && parts[i + 1] !== 'เอ็ด' && b === a + 1) return { value: a, approximate: true };
  }
  // "ร้อยนึง", "พันนึง": one hundred, one thousand (นึง after a scale counts the scale once).
  if (parts.length === 2 && parts[1] === 'นึง' && /^(?:สิบ|ร้อย|พัน)$/.test(parts[0]!)) parts.pop();
  let total = 0;
  let digit: number | undefined;
  for (const p of parts) {
    if (p === 'สิบ' || p === 'ร้อย' || p === 'พัน') {
      const scale = p === 'สิบ' ? 10 : p === 'ร้อย' ? 100 : 1000;
      total += (digit ?? 1) * scale;
      digit = undefined;
    } else {
      if (digit !== undefined) return undefined;
      digit = THAI_DIGITS[p]!;
    }
  }
  return { value: total + (digit ?? 0), approximate: false };
}

/** A number written as a digit string, a Thai number word or an English one (one … twelve). */
export function numberOf(word: string): { value: number; approximate: boolean } | undefined {
  if (/^\d{1,6}$/.test(word)) return { value: Number(word), approximate: false };
  const english = ENGLISH_NUMBERS[word.toLowerCase()];
  if (english !== undefined) return { value: english, approximate: false };
  return thaiNumber(word);
}

/** Words that join two order lines on one line: "ชาไทย 2 ถุง กับ สบู่ 1 ก้อน", "tea and soap". */
export const CONJUNCTIONS = set('และ', 'กับ', 'แล้วก็', 'ก็', 'รวมถึง', 'พร้อม', 'and', '&', '+', 'with', 'plus', 'แล้ว');

/** English plural to singular, enough for product words (soaps, crackers, boxes, berries). */
export function singular(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (/(?:ches|shes|xes|sses|oes)$/.test(word)) return word.slice(0, -2);
  if (/[^su]s$/.test(word)) return word.slice(0, -1);
  return word;
}

/** Common misspellings of the chat's own words (not of products: those are matched loosely). */
const SPELLINGS: [RegExp, string][] = [
  [/ตระกร้า|ตะกล้า|ตระกล้า/g, 'ตะกร้า'],
  [/ขอบคุน|ขอบคุง|ขอบคุล/g, 'ขอบคุณ'],
  [/สวัดดี|สวัสดิ์ดี|สวัสดีย์/g, 'สวัสดี'],
  [/เท่าไห(?!ร)|เท่าหร่าย|เท่าไหล่|เท่าไล/g, 'เท่าไหร่'],
  [/กี่บาด/g, 'กี่บาท'],
  [/แอดมิด|แอดมินท์|แอ็ดมิน/g, 'แอดมิน'],
  [/เมนุ|เมณู/g, 'เมนู'],
  [/สถานนะ|สถาณะ/g, 'สถานะ'],
  [/ยกเลิค|ยกเลีก/g, 'ยกเลิก'],
  [/ออเดอ(?!ร์)|ออร์เดอร์|ออเด้อ/g, 'ออเดอร์'],
  [/เช็ก|เชค/g, 'เช็ค'],
  [/ปลายทาน/g, 'ปลายทาง'],
  [/ที่อยุ่|ที่อยุ/g, 'ที่อยู่'],
];

export function respell(text: string): string {
  return SPELLINGS.reduce((s, [re, right]) => s.replace(re, right), text);
}
