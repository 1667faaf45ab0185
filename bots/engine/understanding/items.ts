/**
 * Order lines in the layouts people use: one per line, after commas, joined by และ/กับ/and, numbered
 * or bulleted, several on one line ("กาแฟคั่วเข้ม 1 ถุง ชาไทย 2 ถุง"), quantity before or after the
 * name ("2 x SKU", "SKU *3", "สบู่สามก้อน", "ถุงนึง"), with request words and particles around them.
 */
import { indexCatalog, matchProduct, skuKey, type CatalogIndex, type ProductMatch } from './catalog.ts';
import { CLASSIFIERS, CONJUNCTIONS, DOZEN, isParticle, numberOf, REQUEST_WORDS, singular, thaiNumber, unitOf } from './lexicon.ts';
import { compact, normalize, tokens } from './normalize.ts';

export interface ItemLine {
  /** The words that named the product (request words and particles left out). */
  query: string;
  qty: number;
  explicitQty: boolean;
  approximate: boolean;
  /** A classifier or "x" came with the quantity: the customer is surely ordering. */
  counted: boolean;
  match: ProductMatch;
}

/** Words that say hello or thanks around an order; never part of a product's name. */
export const COURTESY = new Set(['สวัสดี', 'หวัดดี', 'ขอบคุณ', 'ขอบใจ', 'hello', 'hi', 'hey', 'thanks', 'thank', 'you', 'แอดมิน', 'admin', 'ร้าน', 'คุณ']);

const REQUESTS_LONGEST_FIRST = [...REQUEST_WORDS].filter((w) => /[\u0E00-\u0E7F]/.test(w)).sort((a, b) => b.length - a.length);

/** "ขอหก" → "ขอ", "หก": the segmenter sometimes keeps a request word and a number word together. */
function unglue(word: string, index: CatalogIndex): string[] {
  if (index.vocabulary.has(word) || thaiNumber(word) || index.bySku.has(skuKey(word))) return [word];
  // "matcha2" → "matcha", "2" (a code like "cof250" stays whole above).
  const latin = /^([a-z]{2,})(\d{1,3})$/.exec(word);
  if (latin) return [latin[1]!, latin[2]!];
  const head = REQUESTS_LONGEST_FIRST.find((r) => word.startsWith(r) && thaiNumber(word.slice(r.length)));
  return head ? [head, word.slice(head.length)] : [word];
}

type Lex =
  | { t: 'qty'; value: number; approximate: boolean; counted: boolean }
  | { t: 'word'; text: string; filler: boolean }
  | { t: 'sku'; text: string }
  | { t: 'break' }
  | { t: 'each' };

const ONE_AFTER_CLASSIFIER = new Set(['นึง', 'หนึ่ง', 'เดียว']);
const MAX_QTY = 999;

/** Bullets and list numbers at the start of a line: "- ", "• ", "1. ", "2) ", "(3) ". */
const LIST_MARK = /^\s*(?:[-–—•·*▪►>]+\s*|\(?\d{1,2}[.)]\s+|\(\d{1,2}\)\s*)/u;

function lexemes(segment: string, index: CatalogIndex): Lex[] {
  const list: string[] = [];
  // Number words cut apart ("สามสิบ|สอง", "สอง|สาม") are one number; a request word glued to a number
  // word ("ขอหก") is two words.
  for (const t of tokens(segment).flatMap((t) => unglue(t.lower, index))) {
    const prev = list.at(-1);
    if (prev !== undefined && thaiNumber(prev) && thaiNumber(t) && thaiNumber(prev + t)) list[list.length - 1] = prev + t;
    else list.push(t);
  }
  const out: Lex[] = [];
  const isQtyWord = (w: string | undefined) => w !== undefined && (numberOf(w) !== undefined || /^[x*]\d{1,3}$/.test(w));
  for (let i = 0; i < list.length; i++) {
    let w = list[i]!;
    const next = list[i + 1];
    // "…สองห่อกับข้าวเกรียบ…": right after a quantity, a word that starts with กับ/และ starts the next item.
    const joined = out.at(-1)?.t === 'qty' && !index.vocabulary.has(w) ? /^(?:กับ|และ|แล้วก็)(?=[\u0E01-\u0E2E])/.exec(w) : null;
    if (joined) {
      out.push({ t: 'break' });
      w = w.slice(joined[0].length);
    }
    if (/[a-z]/.test(w) && index.bySku.has(skuKey(w))) {
      out.push({ t: 'sku', text: w });
      continue;
    }
    let m = /^[x*](\d{1,3})$/.exec(w) ?? /^(\d{1,3})[x*]$/.exec(w);
    if (m) {
      out.push({ t: 'qty', value: Number(m[1]), approximate: false, counted: true });
      continue;
    }
    const glued = /^(\d{1,3})([a-z]+)$/.exec(w);
    if (glued && CLASSIFIERS.has(glued[2]!)) {
      out.push({ t: 'qty', value: Number(glued[1]), approximate: false, counted: true });
      continue;
    }
    if ((w === 'x' || w === '*') && next !== undefined && /^\d{1,3}$/.test(next)) {
      out.push({ t: 'qty', value: Number(next), approximate: false, counted: true });
      i++;
      continue;
    }
    if (w === 'อย่าง' && next === 'ละ') {
      out.push({ t: 'each' });
      i++;
      continue;
    }
    if (w === 'each' || w === 'อย่างละ' || w === 'ละ') {
      out.push({ t: 'each' });
      continue;
    }
    const n = /^\d{5,}$/.test(w) ? undefined : numberOf(w);
    if (n !== undefined) {
      const unit = next !== undefined ? unitOf(next) : undefined;
      const thaiWord = !/^\d+$/.test(w) && !/^[a-z]+$/.test(w);
      if (unit && !(thaiWord && CLASSIFIERS.has(next!))) {
        out.push({ t: 'word', text: `${w}${unit}`, filler: false });
        i++;
        continue;
      }
      let j = i + 1;
      let value = n.value;
      let counted = false;
      if (list[j] === 'x' || list[j] === '*') j++, (counted = true);
      if (list[j] !== undefined && CLASSIFIERS.has(list[j]!)) {
        if (DOZEN.has(list[j]!)) value *= 12;
        j++;
        counted = true;
      }
      const after = list[j];
      // A number word only counts when a classifier follows or nothing more of a name does
      // ("สบู่สามก้อน", "ชาไทยสาม"), so "สาม" inside a name stays a word.
      const ends = after === undefined || isParticle(list, j) || CONJUNCTIONS.has(after) || isQtyWord(after) || index.bySku.has(skuKey(after));
      if (thaiWord && !counted && !ends) {
        out.push({ t: 'word', text: w, filler: false });
        continue;
      }
      if (value > MAX_QTY) {
        out.push({ t: 'word', text: w, filler: false });
        continue;
      }
      out.push({ t: 'qty', value, approximate: n.approximate, counted });
      i = j - 1;
      continue;
    }
    if (CLASSIFIERS.has(w) && next !== undefined && ONE_AFTER_CLASSIFIER.has(next)) {
      out.push({ t: 'qty', value: DOZEN.has(w) ? 12 : 1, approximate: false, counted: true });
      i++;
      continue;
    }
    // "อันนี้", "ถุงนั้น", "ตัวไหน": pointing, not naming.
    if (CLASSIFIERS.has(w) && next !== undefined && /^(?:นี้|นั้น|โน้น|ไหน)$/.test(next)) {
      i++;
      continue;
    }
    if (CONJUNCTIONS.has(w)) {
      out.push({ t: 'break' });
      continue;
    }
    if (isParticle(list, i)) continue;
    const filler = (REQUEST_WORDS.has(w) || REQUEST_WORDS.has(singular(w)) || COURTESY.has(w)) && !index.vocabulary.has(w);
    out.push({ t: 'word', text: w, filler });
  }
  return out;
}

interface Draft {
  words: string[];
  qty?: { value: number; approximate: boolean; counted: boolean } | undefined;
  sku?: string | undefined;
}

function group(lex: Lex[]): { drafts: Draft[]; each?: number | undefined } {
  const firstReal = lex.find((l) => l.t !== 'word' || !l.filler);
  const prefix = firstReal?.t === 'qty';
  const drafts: Draft[] = [];
  let current: Draft = { words: [] };
  let each: number | undefined;
  let pendingEach = false;
  const named = (d: Draft) => d.sku !== undefined || d.words.length > 0;
  const flush = () => {
    if (named(current) || current.qty) drafts.push(current);
    current = { words: [] };
  };
  for (const l of lex) {
    if (l.t === 'each') {
      pendingEach = true;
      continue;
    }
    if (l.t === 'qty' && pendingEach) {
      each = l.value;
      pendingEach = false;
      continue;
    }
    if (l.t === 'break') {
      flush();
      continue;
    }
    if (l.t === 'sku') {
      if (prefix ? current.sku !== undefined || current.words.some((w) => !isFillerWord(w)) : named(current)) flush();
      current.sku = l.text;
      continue;
    }
    if (l.t === 'qty') {
      if (prefix) {
        if (named(current) || current.qty) flush();
        current.qty = l;
      } else if (named(current) && !current.qty) {
        current.qty = l;
        flush();
      } else if (!current.qty && drafts.length > 0 && !drafts.at(-1)!.qty) {
        drafts.at(-1)!.qty = l;
      } else {
        current.qty = l;
      }
      continue;
    }
    if (!prefix && current.qty && named(current)) flush();
    current.words.push(l.filler ? `\u0000${l.text}` : l.text);
  }
  flush();
  return { drafts, each };
}

const isFillerWord = (w: string) => w.startsWith('\u0000');

/** The words that name a product: fillers dropped at both ends, kept inside. */
function nameOf(words: string[]): string[] {
  let a = 0;
  let b = words.length;
  while (a < b && isFillerWord(words[a]!)) a++;
  while (b > a && isFillerWord(words[b - 1]!)) b--;
  return words.slice(a, b).map((w) => w.replace('\u0000', ''));
}

const GOOD_PART = 0.3;

/**
 * Names run together without quantities ("ชาไทย สบู่") become several products when each part names
 * one; a name with a stray word ("ชาไทยแท้ๆ") is read without it when the rest clearly names one.
 */
function resolve(index: CatalogIndex, words: string[]): Part[] {
  const query = compact(words);
  const whole = matchProduct(index, query);
  if (whole.kind !== 'none' || words.length < 2) return [{ query, match: whole }];
  const split = splitFrom(index, words, 0, new Map());
  if (split && split.length > 1) return split;
  // Thai puts the thing first and what describes it after ("ชาไทย|แท้ๆ"), English the other way
  // round ("organic|jasmine rice"): only the describing words may be dropped.
  const thaiFirst = /[\u0E00-\u0E7F]/.test(words[0]!);
  for (let len = words.length - 1; len >= Math.ceil(words.length / 2); len--) {
    const part = compact(thaiFirst ? words.slice(0, len) : words.slice(words.length - len));
    const m = matchProduct(index, part);
    if (m.kind !== 'none' && m.score >= GOOD_PART) return [{ query: part, match: m }];
  }
  return [{ query, match: whole }];
}

type Part = { query: string; match: ProductMatch };
const skusOf = (m: ProductMatch) => (m.kind === 'one' ? [m.sku] : m.kind === 'many' ? m.skus : []);

/** words[from..] as several products, each part naming one or more, none twice; null when there is no such reading. */
function splitFrom(index: CatalogIndex, words: string[], from: number, memo: Map<number, Part[] | null>): Part[] | null {
  if (from === words.length) return [];
  const known = memo.get(from);
  if (known !== undefined) return known;
  let found: Part[] | null = null;
  for (let to = from + 1; to <= words.length && !found; to++) {
    const query = compact(words.slice(from, to));
    const match = matchProduct(index, query);
    if (match.kind === 'none') continue;
    const rest = splitFrom(index, words, to, memo);
    if (!rest) continue;
    const seen = [match, ...rest.map((r) => r.match)].flatMap(skusOf);
    if (new Set(seen).size === seen.length) found = [{ query, match }, ...rest];
  }
  memo.set(from, found);
  return found;
}

/**
 * "กาแฟ 500" when the coffees are 250 g and 500 g: a number no one orders that many of, naming the
 * size of exactly one of the products the name fits, picks that product.
 */
function bySize(index: CatalogIndex, words: string[], n: number | undefined): Part | undefined {
  if (n === undefined || n <= MAX_PLAIN_QTY) return undefined;
  const query = compact(words);
  const match = matchProduct(index, query);
  if (match.kind !== 'many') return undefined;
  const sized = match.skus.filter((sku) => {
    const item = index.items[index.bySku.get(skuKey(sku))!]!;
    return [item.nameTh, item.nameEn].some((name) => new RegExp(`(?<!\\d)${n}(?!\\d)`).test(name));
  });
  return sized.length === 1 ? { query: `${query} ${n}`, match: { kind: 'one', sku: sized[0]!, score: match.score } } : undefined;
}

/** More than this many of one thing in a chat order is more likely a size ("500" grams). */
const MAX_PLAIN_QTY = 20;

/** Splits a message into order lines and reads each against the catalog. */
export function parseItems(text: string, catalog: CatalogIndex | Parameters<typeof indexCatalog>[0]): ItemLine[] {
  const index = 'forms' in catalog ? catalog : indexCatalog(catalog);
  const segments = normalize(text)
    .split(/\n|[,;、]|(?<=\s)\/(?=\s)/)
    .map((s) => s.replace(LIST_MARK, '').trim())
    .filter(Boolean);
  const lines: ItemLine[] = [];
  for (const segment of segments) {
    const { drafts, each } = group(lexemes(segment, index));
    for (const d of drafts) {
      const qty = d.qty ?? (each !== undefined ? { value: each, approximate: false, counted: true } : undefined);
      const base = { qty: qty?.value ?? 1, explicitQty: qty !== undefined, approximate: qty?.approximate ?? false, counted: qty?.counted ?? false };
      if (d.sku !== undefined) {
        lines.push({ ...base, query: d.sku, match: matchProduct(index, d.sku) });
        const extra = nameOf(d.words);
        if (extra.length > 0) lines.push({ ...base, qty: 1, explicitQty: false, query: compact(extra), match: matchProduct(index, compact(extra)) });
        continue;
      }
      const words = nameOf(d.words);
      if (words.length === 0) continue;
      const sized = bySize(index, words, qty?.value);
      if (sized) {
        lines.push({ ...base, qty: 1, explicitQty: false, ...sized });
        continue;
      }
      const parts = resolve(index, words);
      parts.forEach((p, i) => {
        // The quantity belongs to the part it was written next to.
        const carries = parts.length === 1 || (qty !== undefined && i === parts.length - 1);
        lines.push(carries ? { ...base, ...p } : { qty: 1, explicitQty: false, approximate: false, counted: false, ...p });
      });
    }
  }
  return mergeJoined(lines);
}

/** Same product twice in one message: one line with the quantities added. */
function mergeJoined(lines: ItemLine[]): ItemLine[] {
  const out: ItemLine[] = [];
  for (const line of lines) {
    const same = line.match.kind === 'one' ? out.find((o) => o.match.kind === 'one' && o.match.sku === (line.match as { sku: string }).sku) : undefined;
    if (same) {
      same.qty += line.qty;
      same.explicitQty ||= line.explicitQty;
    } else out.push(line);
  }
  return out;
}
