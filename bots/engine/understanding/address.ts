/**
 * Delivery details the way people type them: name, phone and address in any order, on one line or
 * several, with or without labels (ชื่อ / โทร / ที่อยู่ / Name / Tel …) and titles; the phone in any
 * Thai format (Thai digits, +66, dashes, spaces); the postcode anywhere. Province, district and
 * sub-district are checked against the postcode table; what is missing or contradicts is reported.
 */
import { normalizeThaiPhone } from '#src/lib/phone.ts';
import { TITLES } from './lexicon.ts';
import { normalize, withoutTones } from './normalize.ts';
import { provinces, provincesOfDistrict, romanPlaceWords, rowsOfMarkedSubdistricts, rowsOfPostcode, rowsOfProvince, type PlaceRow } from './places.ts';
import type { AddressField, AddressFields, AddressProblem } from './types.ts';

const LABELS: [kind: 'name' | 'phone' | 'address' | 'postcode', re: string][] = [
  ['name', 'ชื่อ\\s*[-–]?\\s*(?:นามสกุล|สกุล)|ชื่อผู้รับ|ชื่อ|ผู้รับ|ส่งให้|ส่งถึง|recipient|full\\s*name|name'],
  ['phone', 'เบอร์โทรศัพท์|เบอร์โทร|เบอร์มือถือ|เบอร์ติดต่อ|เบอร์|หมายเลขโทรศัพท์|โทรศัพท์|โทร\\.?|มือถือ|tel\\.?|phone|mobile|mob\\.?|contact'],
  ['address', 'ที่อยู่จัดส่ง|ที่อยู่ในการจัดส่ง|ที่อยู่|จัดส่งที่|ส่งไปที่|ส่งที่|address|addr\\.?|ship\\s+to|deliver\\s+to'],
  ['postcode', 'รหัสไปรษณีย์|รหัส\\s*ปณ\\.?|ปณ\\.|zip\\s*code|zip|postcode|postal\\s*code'],
];
const LABEL = new RegExp(
  `(?<![\\p{L}\\p{M}])(${LABELS.map(([, re]) => re).join('|')})(?![a-z])\\s*[:：.\\-–]?\\s*`,
  'giu',
);
const LABEL_EXACT = LABELS.map(([kind, re]) => [kind, new RegExp(`^(?:${re})$`, 'i')] as const);
const labelKind = (text: string) => LABEL_EXACT.find(([, re]) => re.test(text.trim()))?.[0];

/** Words that only an address holds (Thai markers glued or not, and their romanised kin). */
const ADDRESS_WORD =
  /^(?:บ้านเลขที่|เลขที่|หมู่บ้าน|หมู่ที่|หมู่|ม\.|ซอย|ซ\.|ถนน|ถ\.|ตรอก|ตำบล|ต\.|แขวง|อำเภอ|อ\.|เขต|จังหวัด|จ\.|อาคาร|ตึก|ชั้น|ห้อง|คอนโด|หอพัก|หอ|แมนชั่น|อพาร์ทเม้นท์|อพาร์ตเมนต์|โครงการ|นิคม|กม\.|กทม|กรุงเทพ)/;
const ROMAN_ADDRESS_WORD = new Set(
  'soi moo mu road rd street st lane alley village building bldg floor fl room rm condo tower apartment tambon amphoe amphur khet khwaeng khwang district subdistrict sub-district province thanon nuea tai klang mueang muang bang khlong nong ban'.split(' '),
);

interface Phone {
  national: string;
  start: number;
  end: number;
}

const PHONE = /(?<![\d/])(?:\+[ \t]*66|66(?=[ \t\-]?[689])|0)(?:[ \t\-.()]*\d){7,9}(?![\d/])/g;

/** Phone numbers anywhere in the text; runs that look like one but are not valid are reported. */
function findPhones(text: string): { phones: Phone[]; invalid: string[] } {
  const phones: Phone[] = [];
  const invalid: string[] = [];
  PHONE.lastIndex = 0;
  for (let m = PHONE.exec(text); m; m = PHONE.exec(text)) {
    // Try the longest reading first, then shorter ones ("0812345678 9" is not an 11-digit number).
    let found: Phone | undefined;
    for (let cut = m[0].length; cut > 0 && !found; cut--) {
      const raw = m[0].slice(0, cut);
      if (!/\d$/.test(raw) || /\d/.test(m[0][cut] ?? '') ) continue;
      const normalized = normalizeThaiPhone(raw.replace(/[()]/g, ''));
      if (normalized) found = { national: `0${normalized.slice(2)}`, start: m.index, end: m.index + raw.length };
    }
    if (found) {
      phones.push(found);
      PHONE.lastIndex = found.end;
      continue;
    }
    const digits = m[0].replace(/\D/g, '');
    if (/^0[689]/.test(digits) && digits.length >= 9) invalid.push(m[0].trim());
    // Not a phone: look again from the next character, the real number may start inside.
    PHONE.lastIndex = m.index + 1;
  }
  return { phones, invalid };
}

function stripTitle(name: string): { name: string; title?: string | undefined } {
  const lower = name.toLowerCase();
  for (const t of TITLES) {
    if (!lower.startsWith(t)) continue;
    const rest = name.slice(t.length).replace(/^[\s.]+/, '');
    // "นาง" only before a space or another word; "นางสาว" is longer and tried first.
    if ([...rest].length >= 2 && (/[.\s]$/.test(t) || /^[\s.]/.test(name.slice(t.length)) || /[\u0E00-\u0E7F]/.test(t))) {
      return { name: rest.trim(), title: name.slice(0, t.length).trim() };
    }
  }
  return { name: name.trim() };
}

const hasTitle = (s: string) => {
  const lower = s.toLowerCase();
  return TITLES.some((t) => lower.startsWith(t) && (/[\u0E00-\u0E7F]/.test(t) ? lower.length > t.length + 1 : /^[\s.]/.test(lower.slice(t.length))));
};

/** Tells address words from a person's name. */
function placeTester(local: ReadonlySet<string>) {
  const plainOf = (word: string) => withoutTones(word.toLowerCase().replace(/[.,]/g, ''));
  return {
    /** Surely an address word: a marker, a romanised place word, a province. */
    sure: (word: string) => {
      const w = plainOf(word);
      return ADDRESS_WORD.test(word) || ROMAN_ADDRESS_WORD.has(w) || romanPlaceWords.has(w) || provinceIn(word) !== undefined;
    },
    /** A district or sub-district near the message's postcode or province: may also be a surname ("ใจดี"). */
    local: (word: string) => local.has(plainOf(word)),
  };
}

type Places = ReturnType<typeof placeTester>;
const isPlace = (places: Places, word: string) => places.sure(word) || places.local(word);

/**
 * How much a chunk looks like a person's name: letters only, a few words, no address word. A word
 * that is also a local place name lowers the score without ruling the chunk out.
 */
function nameScore(chunk: string, places: Places): number {
  const words = chunk.split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.length > 5 || /\d/.test(chunk)) return -1;
  if (words.some(places.sure)) return -1;
  if (hasTitle(chunk)) return 3;
  const local = words.filter(places.local).length / words.length;
  return (words.length <= 3 ? 1 : 0) - 0.8 * local;
}

function provinceIn(text: string): { th: string; at: number; marked: boolean } | undefined {
  const lower = text.toLowerCase();
  let best: { th: string; at: number; marked: boolean } | undefined;
  for (const p of provinces) {
    for (const s of p.spellings) {
      let at = lower.lastIndexOf(s);
      while (at >= 0) {
        const before = lower.slice(Math.max(0, at - 8), at);
        const marked = /(?:จ\.|จังหวัด)\s*$/.test(before);
        // Latin names stand alone; Thai names may follow a marker or a space.
        const edgeOk = /[a-z]/.test(s) ? !/[a-z]/.test(lower[at - 1] ?? '') && !/[a-z]/.test(lower[at + s.length] ?? '') : true;
        // A sub-district or district that holds the province's name ("เมืองนนทบุรี") is not the province.
        const insideDistrict = /(?:อ\.|อำเภอ|เขต|ต\.|ตำบล|แขวง|เมือง)\s*$/.test(before) && !marked;
        if (edgeOk && !insideDistrict) {
          if (!best || marked > best.marked || (marked === best.marked && at > best.at)) best = { th: p.th, at, marked };
          break;
        }
        at = lower.lastIndexOf(s, at - 1);
      }
    }
  }
  return best;
}

/** The postcode-table row the text names best: sub-district and district both typed beat one; later beats earlier. */
function bestRow(text: string, rows: readonly PlaceRow[]): { row: PlaceRow; score: number } | undefined {
  const plain = withoutTones(text.toLowerCase());
  const markedBefore = (at: number, markers: RegExp) => markers.test(plain.slice(Math.max(0, at - 8), at));
  let best: { row: PlaceRow; score: number; at: number } | undefined;
  for (const row of rows) {
    let score = 0;
    let at = -1;
    const district = row.plain.district;
    const d = Math.max(plain.lastIndexOf(district), row.plain.districtEn ? plain.lastIndexOf(row.plain.districtEn) : -1);
    if (d >= 0) {
      score += 1;
      at = d;
    } else if (district.startsWith('เมือง')) {
      const m = /(?:อ\.|อำเภอ)\s*เมือง(?![\u0E01-\u0E2E])/.exec(plain);
      if (m) (score += 1), (at = m.index);
    }
    const sub = row.plain.subdistrict;
    const s = plain.lastIndexOf(sub);
    if (s >= 0 && markedBefore(s, /(?:ต\.|ตำบล|แขวง)\s*$/)) score += 2;
    else if (s >= 0 && sub.length >= 4 && s !== d) score += 1.5;
    if (score > 0 && (!best || score > best.score || (score === best.score && at > best.at))) best = { row, score, at };
  }
  return best;
}

/** District and sub-district names around the message's postcode or province (tone marks off). */
const localCache = new WeakMap<readonly PlaceRow[], Set<string>>();
function localPlaces(rows: readonly PlaceRow[]): Set<string> {
  const cached = localCache.get(rows);
  if (cached) return cached;
  const out = new Set<string>();
  for (const r of rows) {
    out.add(r.plain.district);
    out.add(r.plain.subdistrict);
    if (r.district.startsWith('เมือง')) out.add('เมือง');
  }
  localCache.set(rows, out);
  return out;
}

/** Polite words at either end of a chunk ("081 999 8888 ค่ะ 123/45"). */
const EDGE_PARTICLES = /^(?:ค่ะ|คะ|ครับ|นะคะ|นะครับ|จ้า|ค่า)(?=\s|$)|(?<=\s|^)(?:ค่ะ|คะ|ครับ|นะคะ|นะครับ|จ้า|ค่า)$/g;

interface Chunk {
  text: string;
  label?: 'name' | 'phone' | 'address' | 'postcode' | undefined;
  afterPhone: boolean;
}

/** Splits at line ends, commas, labels, phone numbers and postcodes. */
function chunks(text: string, phones: Phone[], postcode: string | undefined): Chunk[] {
  let marked = text;
  for (const p of [...phones].sort((a, b) => b.start - a.start)) marked = `${marked.slice(0, p.start)}\n\u0001\n${marked.slice(p.end)}`;
  if (postcode) marked = marked.replace(new RegExp(`(?<!\\d)${postcode}(?!\\d)`, 'g'), `${postcode}\n`);
  const out: Chunk[] = [];
  let afterPhone = false;
  for (const piece of marked.split(/\n|,|，|\s[/|]\s/)) {
    if (piece.trim() === '\u0001') {
      afterPhone = true;
      continue;
    }
    let rest = piece;
    let label: Chunk['label'];
    LABEL.lastIndex = 0;
    const parts: { text: string; label?: Chunk['label'] }[] = [];
    let last = 0;
    for (const m of rest.matchAll(LABEL)) {
      parts.push({ text: rest.slice(last, m.index), label });
      label = labelKind(m[1]!);
      last = m.index + m[0].length;
    }
    parts.push({ text: rest.slice(last), label });
    rest = '';
    for (const p of parts) {
      const t = p.text.trim().replace(/^[-:：]\s*/, '').replace(EDGE_PARTICLES, '').trim();
      if (t) out.push({ text: t, label: p.label, afterPhone });
      afterPhone = false;
    }
  }
  return out;
}

const KEYWORD_BEFORE_NAME = /^(?:ซอย|ซ\.|ถนน|ถ\.|หมู่บ้าน|หมู่|ตำบล|ต\.|แขวง|อำเภอ|อ\.|เขต|จังหวัด|จ\.|อาคาร|คอนโด|หอพัก|โครงการ|soi|road|rd|street|village|building|condo)$/i;

/** Splits "สมหญิง ใจดี 12/3 ซอยอารีย์" into a name before the address, or "… กรุงเทพฯ สมหญิง ใจดี" after it. */
function splitNameFromAddress(chunk: string, places: Places): { name?: string; address: string } {
  const words = chunk.split(/\s+/).filter(Boolean);
  // A word after a bare keyword ("ซอย อารีย์") belongs to the address too.
  const addressy = words.map((w, i) => /\d/.test(w) || isPlace(places, w) || (i > 0 && KEYWORD_BEFORE_NAME.test(words[i - 1]!)));
  // The address surely starts at a number or an address word; a local place name before it may be a surname.
  const first = words.findIndex((w, i) => /\d/.test(w) || places.sure(w) || (i > 0 && KEYWORD_BEFORE_NAME.test(words[i - 1]!)));
  if (first > 0 && first <= 4 && nameScore(words.slice(0, first).join(' '), places) >= 0.5) {
    return { name: words.slice(0, first).join(' '), address: words.slice(first).join(' ') };
  }
  const last = addressy.lastIndexOf(true);
  if (last >= 0 && last < words.length - 1 && words.length - 1 - last <= 4) {
    const tail = words.slice(last + 1).join(' ');
    if (nameScore(tail, places) >= 1) return { name: tail, address: words.slice(0, last + 1).join(' ') };
  }
  return { address: chunk };
}

const NO_ROWS: readonly PlaceRow[] = [];

/** Reads delivery details out of one message. */
export function parseAddress(input: string): AddressFields {
  const text = normalize(input);
  const problems: AddressProblem[] = [];
  const { phones, invalid } = findPhones(text);
  for (const raw of invalid) problems.push({ code: 'phone_invalid', text: raw });

  const withoutPhones = phones.reduceRight((s, p) => s.slice(0, p.start) + ' '.repeat(p.end - p.start) + s.slice(p.end), text);
  const codes = [...withoutPhones.matchAll(/(?<![\d/.\-])([1-9]\d{4})(?![\d/])/g)].map((m) => m[1]!);
  const postcode = codes.filter((c) => rowsOfPostcode(c).length > 0).at(-1) ?? codes.at(-1);
  const postcodeRows = postcode ? rowsOfPostcode(postcode) : [];
  const roughProvince = provinceIn(withoutPhones)?.th;
  const places = placeTester(localPlaces(postcodeRows.length > 0 ? postcodeRows : roughProvince ? rowsOfProvince(roughProvince) : NO_ROWS));

  const list = chunks(text, phones, postcode);
  let name: string | undefined;
  const addressParts: string[] = [];
  const labelledName = list.find((c) => c.label === 'name');
  if (labelledName) {
    // "ชื่อ สมชาย ใจดี 12/3 ซอยอารีย์ …" with no address label: the address runs on after the name.
    const split = nameScore(labelledName.text, places) < 0 ? splitNameFromAddress(labelledName.text, places) : undefined;
    name = split?.name ?? labelledName.text;
    if (split?.name) addressParts.push(split.address);
  }
  for (const c of list) {
    if (c === labelledName || c.label === 'phone' || c.label === 'postcode') continue;
    addressParts.push(c.text);
  }
  if (!name) {
    // The best name-like chunk; a title wins, then being first or right by the phone.
    const scored = list
      .filter((c) => c.label !== 'address' && c.label !== 'phone' && c.label !== 'postcode')
      .map((c, i) => ({ c, score: nameScore(c.text, places) + (i === 0 ? 0.5 : 0) + (c.afterPhone ? 0.25 : 0) }))
      .filter((s) => s.score >= 0.75)
      .sort((a, b) => b.score - a.score);
    if (scored[0]) {
      name = scored[0].c.text;
      addressParts.splice(addressParts.indexOf(name), 1);
    } else {
      for (let i = 0; i < addressParts.length && !name; i++) {
        const split = splitNameFromAddress(addressParts[i]!, places);
        if (split.name) {
          name = split.name;
          addressParts[i] = split.address;
        }
      }
    }
  }
  const address = addressParts.join(' ').replace(/\s+/g, ' ').trim();

  // The province again, now from the address alone (a surname may be a province's name).
  const typed = provinceIn(address);
  if (postcode && postcodeRows.length === 0) problems.push({ code: 'postcode_unknown', postcode });
  let province = typed?.th;
  const postcodeProvinces = [...new Set(postcodeRows.map((r) => r.province))];
  if (province && postcodeRows.length > 0 && !postcodeProvinces.includes(province)) {
    problems.push({ code: 'postcode_province_mismatch', postcode: postcode!, province, postcodeProvinces });
  }
  if (!province && postcodeProvinces.length === 1) province = postcodeProvinces[0];

  // A district typed after อ./อำเภอ/เขต that lies in another province than the one typed.
  if (typed) {
    for (const m of withoutTones(address).matchAll(/(?:อ\.|อำเภอ|เขต)\s*([\u0E01-\u0E4E]+)/g)) {
      const where = provincesOfDistrict(m[1]!);
      if (m[1] !== 'เมือง' && where.size > 0 && !where.has(typed.th)) problems.push({ code: 'district_province_mismatch', district: m[1]!, province: typed.th });
    }
  }
  const inProvince = postcodeRows.filter((r) => !province || r.province === province);
  const candidates =
    inProvince.length > 0 ? inProvince : province ? rowsOfProvince(province) : postcodeRows.length > 0 ? postcodeRows : rowsOfMarkedSubdistricts(withoutTones(address.toLowerCase()));
  const found = bestRow(address, candidates);
  if (!province && found && found.score >= 3) province = found.row.province;
  let finalPostcode = postcode;
  let postcodeInferred = false;
  if (!finalPostcode && found && found.score >= 3) {
    finalPostcode = found.row.postcode;
    postcodeInferred = true;
  }

  const rest = stripPlaces(address, finalPostcode, places);
  const missing: AddressField[] = [];
  const person = name ? stripTitle(name) : undefined;
  if (!person?.name) missing.push('name');
  if (phones.length === 0) missing.push('phone');
  if (rest.length < 3) missing.push('address');
  if (!finalPostcode) missing.push('postcode');
  if (!province) missing.push('province');
  return {
    name: person?.name || undefined,
    title: person?.title,
    phone: phones[0]?.national,
    address: address || undefined,
    postcode: finalPostcode,
    postcodeInferred: postcodeInferred || undefined,
    province,
    district: found && found.score >= 1 ? found.row.district : undefined,
    subdistrict: found && found.score >= 2 ? found.row.subdistrict : undefined,
    missing,
    problems,
  };
}

/** The address without its postcode, province, district and sub-district: what says where in the district. */
function stripPlaces(address: string, postcode: string | undefined, places: Places): string {
  return address
    .split(/\s+/)
    .filter((w) => {
      if (!w || w === postcode) return false;
      if (/^(?:ต\.|ตำบล|แขวง|อ\.|อำเภอ|เขต|จ\.|จังหวัด)/.test(w)) return false;
      return /\d/.test(w) || (ADDRESS_WORD.test(w) && provinceIn(w) === undefined) || !isPlace(places, w);
    })
    .join(' ')
    .trim();
}

/** Whether a message looks like delivery details at all (a phone, or a postcode with place words). */
export function looksLikeAddress(input: string): boolean {
  const text = normalize(input);
  if (findPhones(text).phones.length > 0) return true;
  const postcode = /(?<![\d/.\-a-z])[1-9]\d{4}(?![\d/])/i.exec(text)?.[0];
  return postcode !== undefined && (rowsOfPostcode(postcode).length > 0 || provinceIn(text) !== undefined);
}

