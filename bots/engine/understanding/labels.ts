/**
 * Buttons people can read: "which one?" and suggestion buttons show the short name, the size and the
 * price within the channel's label limit (LINE 20, Telegram 64), drop what the candidates share
 * before they ever cut what tells them apart, and keep the quantity the customer typed.
 */
import { nameWords } from './catalog.ts';
import { unitOf } from './lexicon.ts';
import { compact, words as segmentWords } from './normalize.ts';
import type { CatalogItem } from './types.ts';

export interface ChoiceButton {
  label: string;
  /** What the button sends: "<SKU> x<qty>". */
  command: string;
}

export interface ChoiceOptions {
  locale: 'th' | 'en';
  /** Longest label the channel shows whole (LINE 20, Telegram 64). */
  limit: number;
  /** The quantity typed with the name; the button keeps it. */
  qty: number;
  /** Price in satang → text ("฿320"). */
  money: (satang: number) => string;
}

const length = (s: string) => [...s].length;

/** "กาแฟดอยช้าง คั่วกลาง 250 กรัม" → words ["กาแฟดอยช้าง", "คั่วกลาง"] and size "250g". */
function split(item: CatalogItem, locale: 'th' | 'en'): { words: string[]; spaced: string[]; size: string } {
  const name = locale === 'th' ? item.nameTh : item.nameEn;
  const words: string[] = [];
  const spaced: string[] = [];
  const sizes: string[] = [];
  const raw = name.replace(/[(),]/g, ' ').split(/\s+/).filter(Boolean);
  for (let i = 0; i < raw.length; i++) {
    const w = raw[i]!;
    const unit = raw[i + 1] !== undefined ? unitOf(raw[i + 1]!) : undefined;
    if (/^\d+(?:\.\d+)?$/.test(w) && unit) {
      sizes.push(`${w}${unit}`);
      i++;
    } else if (/^\d+(?:\.\d+)?[a-z]+$/i.test(w) && nameWords(w)[0]?.size) sizes.push(nameWords(w)[0]!.word);
    else {
      spaced.push(w);
      words.push(...segmentWords(w));
    }
  }
  sizes.push(...Object.values(item.options ?? {}));
  return { words, spaced, size: sizes.join(' ') };
}

function cut(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  if (chars.length <= max) return s;
  // Never end on a combining mark's base alone: cut before Thai vowels and tone marks that follow.
  let end = Math.max(0, max - 1);
  while (end > 0 && /[\u0E31\u0E34-\u0E3A\u0E47-\u0E4E]/.test(chars[end]!)) end--;
  return `${chars.slice(0, end).join('')}…`;
}

/**
 * One label, trying in turn: the whole name, size and price; without the size when the names already
 * differ; without the words every candidate shares; without the price; and only then the name's own
 * words shortened.
 */
function fit(parts: { shared: string[]; own: string[]; size: string; sizeNeeded: boolean; price: string }, limit: number): string {
  const join = (...xs: string[]) => xs.filter(Boolean).join(' ');
  const own = compact(parts.own);
  const whole = compact([...parts.shared, ...parts.own]);
  const size = parts.sizeNeeded ? parts.size : '';
  const attempts = [
    join(whole, parts.size, parts.price),
    join(whole, size, parts.price),
    join(own, parts.size, parts.price),
    join(own, size, parts.price),
    // The price goes before any of the name does: the name is what the customer chooses by.
    join(own, size),
  ];
  for (const a of attempts) if (length(a) <= limit) return a;
  const tail = join(size, parts.price);
  if (length(tail) + 4 <= limit) return join(cut(own, limit - length(tail) - 1), tail);
  return cut(join(own, size), limit);
}

/** Buttons for "which one?" (several candidates) or suggestions, each sending "<SKU> x<qty>". */
export function choiceButtons(items: readonly CatalogItem[], options: ChoiceOptions): ChoiceButton[] {
  const split_ = items.map((i) => split(i, options.locale));
  // Words every candidate shares at the start ("กาแฟดอยช้าง") are what can go first.
  let shared = 0;
  if (items.length > 1) {
    while (split_.every((s) => s.spaced.length > shared + 1 && s.spaced[shared] === split_[0]!.spaced[shared])) shared++;
  }
  const sharedWords = split_.map((s) => s.spaced.slice(0, shared).flatMap((w) => segmentWords(w)).length);
  // The size must show when it is all that tells the candidates apart.
  const sizeNeeded = items.length > 1 && new Set(split_.map((s, i) => compact(s.words.slice(sharedWords[i])))).size < items.length;
  const qty = Math.max(1, Math.floor(options.qty));
  return items.map((item, i) => {
    const s = split_[i]!;
    // Whole baht without the satang ("฿320", "THB 320"): three characters more for the name.
    const price = item.price !== undefined ? options.money(item.price).replace(/[.,]00(?!\d)/, '') : '';
    const cutAt = sharedWords[i]!;
    const label = fit({ shared: s.words.slice(0, cutAt), own: s.words.slice(cutAt), size: s.size, sizeNeeded, price }, options.limit);
    return { label, command: `${item.sku} x${qty}` };
  });
}
