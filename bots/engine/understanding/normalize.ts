/**
 * Text as customers type it, made regular: Thai digits, full-width letters, stretched letters
 * ("ค่าาาา"), digits glued to Thai ("กลาง2ถุง"), and Thai words cut with the platform's
 * Intl.Segmenter('th') (measured against the npm `wordcut` breaker: no better on shop words, see
 * tests/unit/understanding/segment.test.ts).
 */

/** NFC, sara am written as nikhahit + sara aa (as OCR and some keyboards do) made one character, spaces collapsed. */
export function normalizeText(s: string): string {
  return s
    .normalize('NFC')
    .replace(/\u0E4D\u0E32/g, '\u0E33')
    .replace(/[\u200B-\u200D\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const THAI_DIGIT_ZERO = 0x0e50;

/** ๐-๙ become 0-9. */
export function arabicDigits(s: string): string {
  return s.replace(/[\u0E50-\u0E59]/g, (d) => String(d.charCodeAt(0) - THAI_DIGIT_ZERO));
}

const THAI = '\\u0E00-\\u0E7F';
const THAI_LETTER = /[\u0E01-\u0E5B]/;
const THAI_NEXT_TO_LATIN = new RegExp(`([${THAI}])(?=[\\da-zA-Z])|([\\da-zA-Z])(?=[${THAI}])`, 'gu');
const TONE_MARKS = /[\u0E47-\u0E4C]/g;

/**
 * One line at a time (line breaks are kept: they separate order lines and address fields): NFC,
 * sara am, no zero-width characters, Thai and full-width digits as ASCII, × as x, letters typed
 * three or more times once ("ครับบบบ"), a space between Thai and digits.
 */
export function normalize(input: string): string {
  return input
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) =>
      arabicDigits(normalizeText(line))
        .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
        .replace(/[×✕✖]/g, 'x')
        .replace(/[“”„]/g, '"')
        .replace(/[‘’]/g, "'")
        // Stretched letters ("ครับบบ", "ค่าาาา") at a word's end, or four and more anywhere ("ถนนนิมมาน" keeps its three).
        .replace(/([^\d\s.])\1{2,}(?=[\s\p{P}\p{S}]|$)|([^\d\s.])\2{3,}/gu, '$1$2')
        // A Thai vowel or tone mark never comes twice in a row: "ค่าา" is ค่า.
        .replace(/([\u0E30-\u0E3A\u0E40-\u0E44\u0E47-\u0E4E])\1+/gu, '$1')
        .replace(THAI_NEXT_TO_LATIN, '$1$2 '),
    )
    .filter((line) => line.length > 0)
    .join('\n');
}

/** Tone marks, thanthakhat and maitaikhu removed: customers leave them out or type another. */
export function withoutTones(s: string): string {
  return s.replace(TONE_MARKS, '');
}

export function isThai(s: string): boolean {
  return THAI_LETTER.test(s);
}

const segmenter = new Intl.Segmenter('th', { granularity: 'word' });

/** Thai (or mixed) text cut into words; spaces and punctuation dropped. */
export function words(s: string): string[] {
  const out: string[] = [];
  for (const part of segmenter.segment(s)) {
    if (part.isWordLike) out.push(part.segment);
    else if (/[^\s\p{P}\p{S}]/u.test(part.segment)) out.push(part.segment.trim());
  }
  return out;
}

/**
 * Words with where they sit in the text. Latin words keep their inner dashes and dots together
 * ("COF-250", "TL-10001", "น.ส." stays "น", ".", "ส", "." for the address parser to see).
 */
export interface Token {
  text: string;
  lower: string;
  start: number;
  end: number;
  kind: 'thai' | 'latin' | 'number' | 'mixed';
}

export function tokens(s: string): Token[] {
  const out: Token[] = [];
  const chunk = /[^\s,;:!?()[\]{}"`|]+/gu;
  for (const m of s.matchAll(chunk)) {
    const text = m[0];
    const at = m.index;
    if (!isThai(text)) {
      // Latin, digits and codes stay whole ("i'd", "cof-250"); quotes, trailing dots and dashes go.
      const trimmed = text.replace(/^['\-–—•·.]+(?=\S)/, '').replace(/['.\-–—]+$/, '');
      if (!trimmed || (trimmed !== '*' && !/[\p{L}\p{N}]/u.test(trimmed))) continue;
      const start = at + text.indexOf(trimmed);
      out.push({ text: trimmed, lower: trimmed.toLowerCase(), start, end: start + trimmed.length, kind: tokenKind(trimmed) });
      continue;
    }
    // An abbreviation's dot ends a word ("มล.หนึ่ง" is มล. then หนึ่ง), which the segmenter does not know.
    let offset = at;
    for (const run of text.split(/(?<=\.)/)) {
      for (const part of segmenter.segment(run)) {
        const piece = part.segment;
        if ((!part.isWordLike && !/[^\s\p{P}\p{S}]/u.test(piece)) || piece === 'ๆ') continue;
        const start = offset + part.index;
        out.push({ text: piece, lower: piece.toLowerCase(), start, end: start + piece.length, kind: tokenKind(piece) });
      }
      offset += run.length;
    }
  }
  return out;
}

function tokenKind(t: string): Token['kind'] {
  if (/^\d+(?:[.,]\d+)?$/.test(t)) return 'number';
  if (isThai(t)) return /\d|[a-z]/i.test(t) ? 'mixed' : 'thai';
  return /[a-z]/i.test(t) ? 'latin' : 'mixed';
}

/** Thai words joined without spaces, other words with one: how cue words are looked for. */
export function compact(list: readonly string[]): string {
  let out = '';
  for (const w of list) {
    if (out && !(isThai(w) && isThai(out.at(-1)!))) out += ' ';
    out += w;
  }
  return out;
}
