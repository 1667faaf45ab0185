// Sender and receiver on a slip's text: names with their titles, masked accounts.

import { lines, normalizeThaiText, stripMarks, weightedDistance } from './thai.ts';

/** A payer or payee as printed: name with its title, masked account. */
export type SlipParty = { name: string | null; account: string | null };

const TITLES = ['นางสาว', 'น.ส.', 'นาง', 'นาย', 'ด.ช.', 'ด.ญ.', 'ร้าน', 'บจก.', 'บมจ.', 'หจก.', 'บริษัท'];
// Titles distinctive enough to recognise with one letter wrong; "ร้าน" is
// left out, one letter away from "บ้าน" and other ordinary words.
const FUZZY_TITLES = ['นางสาว', 'น.ส.', 'บจก.', 'บมจ.', 'หจก.', 'บริษัท'];
const LATIN_TITLES = /^(MR|MRS|MS|MISS)\.?$/i;
export const FROM_LABEL = /(^|\s)(จาก|from)(\s|$)/i;
export const TO_LABEL = /(^|\s)(ไปยัง|ไปที่|ถึง|ผู้รับ|to)(\s|$)/i;
// Words that open a line before the name in some layouts.
const LEADING_LABEL = /^(จาก|ไปยัง|ไปที่|ถึง|ผู้โอน|ผู้รับ|from|to)$/i;
const ACCOUNT_RE = /[xX*•%๐0-9](?:[xX*•%๐0-9]|-(?=[xX*•%๐0-9])){6,}/g;


// Latin letters the English model puts where a look-alike Thai letter was:
// "u.a." for น.ส., "Uan." for บจก.
const LATIN_LOOKALIKE: Record<string, string> = { u: 'น', U: 'บ', n: 'ก', w: 'พ', W: 'พ', a: 'ส', s: 'ร', J: 'ง', v: 'ง', r: 'ร' };

// Pairs of Thai letters that differ by a stroke; each maps to the first.
const THAI_LOOKALIKE: Record<string, string> = { ว: 'ร', ธ: 'ร', ป: 'บ', ค: 'ด', ช: 'ข', ฟ: 'พ', ฝ: 'ผ', ม: 'น', ฑ: 'ท' };
const lookalikeKey = (s: string): string => stripMarks(s).replace(/[\u0E01-\u0E2E]/g, (c) => THAI_LOOKALIKE[c] ?? c);

/**
 * The title a token stands for. OCR drops or swaps tone marks ("ราน" for
 * "ร้าน"), now and then one letter ("หอก." for "หจก."), or reads the title
 * as Latin letters ("u.a." for "น.ส."); titles are a closed set, so a near
 * miss is mapped back to the real one.
 */
export function matchTitle(token: string): string | null {
  if (LATIN_TITLES.test(token)) return token.replace(/\.$/, '').toUpperCase();
  const t = token.replace(/\.\s+/g, '.');
  for (const title of TITLES) if (t === title) return title;
  for (const title of TITLES) if (stripMarks(t) === stripMarks(title)) return title;
  // Thai letters OCR takes for one another ("ว้าน" for "ร้าน").
  for (const title of TITLES) if (lookalikeKey(t) === lookalikeKey(title)) return title;
  for (const title of FUZZY_TITLES) {
    if (Math.abs(t.length - title.length) <= 1 && weightedDistance(t, title) <= 1) return title;
  }
  // Latin junk where a title was: read through the look-alikes, one letter
  // of slack, and only for the titles long enough not to be found by chance.
  if (/[A-Za-z]/.test(t) && t.length >= 3 && t.length <= 7) {
    const thai = t.replace(/[A-Za-z]/g, (c) => LATIN_LOOKALIKE[c] ?? c);
    for (const title of TITLES) {
      if (title.length >= 3 && Math.abs(thai.length - title.length) <= 1 && weightedDistance(thai, title) <= 1) return title;
    }
    // An abbreviation whose inner dot was lost ("wa." for "น.ส."): the one title a letter away.
    if (t.includes('.')) {
      const bare = thai.replace(/\./g, '');
      const near = TITLES.filter((title) => title.includes('.') && weightedDistance(bare, title.replace(/\./g, '')) <= 1);
      if (near.length === 1) return near[0] ?? null;
    }
  }
  return null;
}

// Thanthakhat (์) over a final syllable is the mark OCR loses most; these
// endings do not occur without it.
const NAME_REPAIRS: Array<[RegExp, string]> = [
  [/ศักดิ(?![\u0E4C\u0E00-\u0E7F])/g, 'ศักดิ์'],
  [/สวัสดิ(?![\u0E4C\u0E00-\u0E7F])/g, 'สวัสดิ์'],
];

// Where a name ends: a wide gap, the bank's line, an account or phone
// (digits with x-masks or dashes, or four digits and more), an icon.
const NAME_END = /^(ธ\.|ธนาคาร|@|\||©|®)|[xX*•][0-9-]|[0-9][xX*•-]|[0-9๐-๙]{4,}/;

function cleanName(title: string, rest: string): string | null {
  // A name is Thai or Latin words, and short numbers ("สาขา 2"), kept.
  const words: string[] = [];
  for (const word of (rest.split(/\s{2,}/)[0] ?? '').split(' ')) {
    if (!word) continue;
    if (NAME_END.test(word)) break;
    words.push(word);
  }
  let s = words.join(' ').replace(/[^\u0E00-\u0E7FA-Za-z0-9.()&' -]/g, '').replace(/\s+/g, ' ').trim();
  s = s.replace(/[\s.-]+$/, '');
  const letters = s.replace(/[^\u0E01-\u0E2EA-Za-z]/g, '');
  if (letters.length < 2) return null;
  for (const [re, fix] of NAME_REPAIRS) s = s.replace(re, fix);
  return `${title} ${s}`;
}

function cleanAccount(raw: string): string | null {
  const s = raw.replace(/[*•%๐]/g, 'x');
  const digits = s.replace(/\D/g, '').length;
  // A masked account shows 3-6 digits; a reference or a phone shows them all.
  if (digits < 3 || (digits > 6 && !/x/i.test(s))) return null;
  if (s.replace(/-/g, '').length < 7) return null;
  return s;
}

type NameHit = { line: number; name: string };

/** The titled name a line of text holds, as extractParties reads it ("ร้าน ต้นกล้าการเกษตร"). */
export function nameInLine(line: string): string | null {
  for (const part of normalizeThaiText(line).trim().split(/\s{2,}/)) {
    const name = findName(part);
    if (name) return name;
  }
  return null;
}

function findName(line: string): string | null {
  const tokens = line.replace(/(น|ด)\.\s+(ส|ช|ญ)\./g, '$1.$2.').split(/\s+/).filter(Boolean);
  for (let i = 0; i < Math.min(tokens.length, 4); i++) {
    const raw = tokens[i] ?? '';
    // Leading junk from an avatar or icon: "@", "๑", "®".
    const token = raw.replace(/^[^\u0E01-\u0E2EA-Za-z]+/, '');
    if (!token) continue;
    const title = matchTitle(token);
    if (title) return cleanName(title, tokens.slice(i + 1).join(' ').replace(/ {2,}/g, '  '));
    // The title glued to the name ("นายสมชาย").
    const glued = /^(นางสาว|นาง|นาย|ร้าน|บริษัท)(?=[\u0E01-\u0E2E])/.exec(token);
    if (glued?.[1] && token.length > glued[1].length + 2) {
      return cleanName(glued[1], `${token.slice(glued[1].length)} ${tokens.slice(i + 1).join(' ')}`);
    }
    if (LEADING_LABEL.test(token) || token.length <= 2) continue;
    return null;
  }
  return null;
}

function findNames(ls: string[]): NameHit[] {
  const hits: NameHit[] = [];
  ls.forEach((line, i) => {
    // Two-column layouts put the name at the right: "จาก     นาย ก ข".
    for (const part of line.split(/\s{2,}/)) {
      const name = findName(part);
      if (name) {
        hits.push({ line: i, name });
        return;
      }
    }
  });
  return hits;
}

function findAccounts(ls: string[]): Array<{ line: number; account: string }> {
  const found: Array<{ line: number; account: string }> = [];
  ls.forEach((line, i) => {
    for (const m of line.matchAll(ACCOUNT_RE)) {
      const account = cleanAccount(m[0]);
      if (account) {
        found.push({ line: i, account });
        return;
      }
    }
  });
  return found;
}

export function extractParties(text: string): { sender: SlipParty | null; receiver: SlipParty | null } {
  const ls = lines(text);
  const names = findNames(ls);
  const accounts = findAccounts(ls);
  const accountAfter = (line: number, before: number): string | null =>
    accounts.find((a) => a.line >= line && a.line < before && a.line <= line + 4)?.account ?? null;
  const party = (hit: NameHit | undefined, next: NameHit | undefined): SlipParty | null =>
    hit ? { name: hit.name, account: accountAfter(hit.line, next ? next.line : ls.length) } : null;

  if (names.length >= 2) {
    // Every slip prints the payer's block (name, bank, account) before the
    // payee's.
    return { sender: party(names[0], names[1]), receiver: party(names[1], names[2]) };
  }
  const only = names[0];
  if (!only) return { sender: null, receiver: null };
  // OCR missed one of the two names. The label just above says whose it is;
  // failing that, a name after the first account line is the payee's.
  for (let i = only.line; i >= Math.max(0, only.line - 3); i--) {
    // An account line above closes the previous party's block.
    if (i < only.line && accounts.some((a) => a.line === i)) break;
    const line = ls[i] ?? '';
    const head = i === only.line ? line.slice(0, Math.max(0, line.indexOf(only.name.split(' ')[0] ?? ''))) : line;
    if (TO_LABEL.test(head)) return { sender: null, receiver: party(only, undefined) };
    if (FROM_LABEL.test(head)) return { sender: party(only, undefined), receiver: null };
  }
  const firstAccount = accounts[0];
  if (firstAccount && only.line > firstAccount.line) return { sender: null, receiver: party(only, undefined) };
  return { sender: party(only, undefined), receiver: null };
}


// ---------------------------------------------------------------------------
// Matching a read name against the shop's

const TITLE_PREFIX = /^(นางสาว|นาง|นาย|น\.\s?ส\.|ด\.\s?ช\.|ด\.\s?ญ\.|ร้าน|บจก\.|บมจ\.|หจก\.|บริษัท|mrs\.?|mr\.?|ms\.?|miss)\s*/iu;
const COMPANY_SUFFIX = /\s*(จำกัด|\(มหาชน\)|co\.?,?\s*ltd\.?|ltd\.?)\s*$/iu;

/** A name without its title, company form, spaces and dots, for comparing. */
export function nameKey(name: string): string {
  let s = normalizeThaiText(name).normalize('NFC').toLowerCase().trim();
  for (let i = 0; i < 2; i++) s = s.replace(TITLE_PREFIX, '').replace(COMPANY_SUFFIX, '');
  return s.replace(/[\s.]/g, '');
}

/**
 * Whether a name read off a slip is the shop's, allowing for OCR: one wrong letter, or two or
 * three wrong vowels and tone marks (each costs 0.3), on names long enough for that to be safe.
 * Titles and company forms are ignored; one name may hold the other ("ไทยเฟรช มาร์เก็ต" in
 * "บริษัท ไทยเฟรช มาร์เก็ต จำกัด").
 */
export function namesMatch(read: string, shop: string): boolean {
  const got = nameKey(read);
  const want = nameKey(shop);
  if (want.length < 3 || got.length < 3) return false;
  if (got === want || got.includes(want) || want.includes(got)) return true;
  const letters = (s: string): number => stripMarks(s).length;
  const tolerance = Math.min(letters(got), letters(want)) >= 8 ? 1 : Math.min(letters(got), letters(want)) >= 5 ? 0.6 : 0;
  return weightedDistance(got, want) <= tolerance;
}
