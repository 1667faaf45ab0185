// Thai text as OCR gives it: normalisation, line splitting, and a distance in which a vowel or
// tone mark costs less than a letter. Shared by the slip text readers.

export const THAI_MARK = '\u0E31\u0E34-\u0E3A\u0E47-\u0E4E';
export const MARK_RE = new RegExp(`[${THAI_MARK}]`);


/**
 * Repairs what tesseract (and some keyboards) do to Thai: sara am written as
 * nikhahit + sara aa (`ํา`, U+0E4D U+0E32), a tone mark on the wrong side of
 * sara am, two sara e for sara ae, doubled marks. Also strips zero-width
 * characters and folds odd spaces, keeping line breaks.
 */
export function normalizeThaiText(input: string): string {
  let s = input.normalize('NFC');
  s = s.replace(/[\u200B-\u200D\u2060\uFEFF]/g, '');
  // ํ + (tone) + า → (tone) + ำ, e.g. "จํานวน" → "จำนวน", "น้ํา" → "น้ำ".
  s = s.replace(/\u0E4D([\u0E48-\u0E4B]?)\u0E32/g, '$1\u0E33');
  s = s.replace(/([\u0E48-\u0E4B])\u0E4D\u0E32/g, '$1\u0E33');
  // ำ followed by its tone mark → tone mark first, the order Unicode expects.
  s = s.replace(/\u0E33([\u0E48-\u0E4B])/g, '$1\u0E33');
  s = s.replace(/\u0E40\u0E40/g, '\u0E41');
  s = s.replace(new RegExp(`([${THAI_MARK}])\\1+`, 'g'), '$1');
  s = s.replace(/[\u00A0\u2000-\u200A\u202F\u3000\t]/g, ' ');
  s = s.replace(/[\u2018\u2019]/g, "'").replace(/[\u201C\u201D]/g, '"');
  s = s.replace(/\r\n?/g, '\n');
  return s;
}

export function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/ {2,}/g, '  ').trim());
}

/** Edit distance in which adding or dropping a Thai vowel or tone mark is cheap. */
export function weightedDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  const cost = (ch: string | undefined): number => (ch && MARK_RE.test(ch) ? 0.3 : 1);
  for (let i = 1; i < rows; i++) d[i * cols] = at(i - 1, 0) + cost(a[i - 1]);
  for (let j = 1; j < cols; j++) d[j] = at(0, j - 1) + cost(b[j - 1]);
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const ca = a[i - 1];
      const cb = b[j - 1];
      const sub = ca === cb ? 0 : MARK_RE.test(ca ?? '') && MARK_RE.test(cb ?? '') ? 0.3 : 1;
      d[i * cols + j] = Math.min(at(i - 1, j) + cost(ca), at(i, j - 1) + cost(cb), at(i - 1, j - 1) + sub);
    }
  }
  return at(rows - 1, cols - 1);
}

export const stripMarks = (s: string): string => s.replace(new RegExp(`[${THAI_MARK}]`, 'g'), '');
