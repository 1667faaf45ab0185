/**
 * Finding the products a customer names, in Thai or English, against the shop's catalog: by SKU in
 * any case, or by name with typos (a letter missing, extra, changed or two swapped; tone marks
 * count a quarter), words of the name left out ("สบู่ขมิ้น" for สบู่สมุนไพรขมิ้น) and English plurals.
 * The index is built once per catalog (a WeakMap on the array), as the engine builds it once per batch.
 */
import { singular, unitOf } from './lexicon.ts';
import { normalize, tokens as tokenize } from './normalize.ts';
import type { CatalogItem } from './types.ts';

interface NameForm {
  item: number;
  /** The name's words run together (lower case, units as "250g"). */
  chars: string;
  /** 1 where a word starts (index chars.length too); nextStart[j]: where the word after the one at j starts. */
  isStart: Uint8Array;
  nextStart: Int32Array;
  /** Characters that are not the size ("250g"): coverage is measured against these. */
  coreLength: number;
  bigrams: Set<string>;
  /** The name's words as matched (tells a product word from filler). */
  words: string[];
}

export interface CatalogIndex<T extends CatalogItem = CatalogItem> {
  items: readonly T[];
  bySku: Map<string, number>;
  forms: NameForm[];
  /** Character bigram → forms holding it: only those are aligned with a query. */
  postings: Map<string, number[]>;
  /** Every word of every name (lower case): tells a product word from filler. */
  vocabulary: Set<string>;
  /** Answers already worked out for a query (a message is read in several ways; customers repeat themselves). */
  answers: Map<string, ProductMatch>;
}

export type ProductMatch =
  | { kind: 'one'; sku: string; score: number }
  | { kind: 'many'; skus: string[]; score: number }
  | { kind: 'none' };

const cache = new WeakMap<readonly CatalogItem[], CatalogIndex>();

export const skuKey = (s: string) => s.toLowerCase().replace(/[\s\-_.]/g, '');

/** Words of a name or query as matched: lower case, English singular, "250 กรัม" as one "250g". */
export function nameWords(text: string): { word: string; size: boolean }[] {
  const list = tokenize(normalize(text)).map((t) => t.lower);
  const out: { word: string; size: boolean }[] = [];
  for (let i = 0; i < list.length; i++) {
    const w = list[i]!;
    const glued = /^(\d+(?:\.\d+)?)([a-z]+)$/.exec(w);
    if (glued && unitOf(glued[2]!)) {
      out.push({ word: `${glued[1]}${unitOf(glued[2]!)}`, size: true });
      continue;
    }
    const unit = i + 1 < list.length ? unitOf(list[i + 1]!) : undefined;
    if (/^\d+(?:\.\d+)?$/.test(w) && unit) {
      out.push({ word: `${w}${unit}`, size: true });
      i++;
      continue;
    }
    out.push({ word: singular(w), size: false });
  }
  return out;
}

function bigramsOf(s: string): string[] {
  const out: string[] = [];
  const plain = s.replace(/[\u0E47-\u0E4C]/g, '');
  for (let i = 0; i + 1 < plain.length; i++) out.push(plain.slice(i, i + 2));
  return out;
}

type Shape = Omit<NameForm, 'item'>;

/** Names already cut into words: the engine indexes the same catalog for every batch of messages. */
const shapes = new Map<string, Shape | null>();
const MAX_SHAPES = 20_000;

function formOf(item: number, text: string): NameForm | undefined {
  let shape = shapes.get(text);
  if (shape === undefined) {
    shape = shapeOf(text);
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(text, shape);
  }
  return shape ? { item, ...shape } : undefined;
}

function shapeOf(text: string): Shape | null {
  const list = nameWords(text);
  if (list.length === 0) return null;
  let chars = '';
  const starts: number[] = [];
  let coreLength = 0;
  for (const { word, size } of list) {
    starts.push(chars.length);
    chars += word;
    if (!size) coreLength += word.length;
  }
  const isStart = new Uint8Array(chars.length + 1);
  for (const at of starts) isStart[at] = 1;
  isStart[chars.length] = 1;
  const nextStart = new Int32Array(chars.length + 1).fill(chars.length);
  for (let j = chars.length - 1; j >= 0; j--) nextStart[j] = isStart[j + 1] ? j + 1 : nextStart[j + 1]!;
  return { chars, isStart, nextStart, coreLength: Math.max(1, coreLength), bigrams: new Set(bigramsOf(chars)), words: list.map((w) => w.word) };
}

/** The index of a catalog; cached per array, so calling it for every message is cheap. */
export function indexCatalog<T extends CatalogItem>(items: readonly T[]): CatalogIndex<T> {
  const cached = cache.get(items);
  if (cached) return cached as CatalogIndex<T>;
  const forms: NameForm[] = [];
  const vocabulary = new Set<string>();
  items.forEach((item, i) => {
    const options = Object.values(item.options ?? {}).join(' ');
    for (const name of [item.nameTh, item.nameEn, ...(item.keywords ?? [])]) {
      if (!name.trim()) continue;
      const form = formOf(i, options ? `${name} ${options}` : name);
      if (form) forms.push(form);
      for (const w of formOf(i, name)?.words ?? []) vocabulary.add(w);
    }
  });
  const postings = new Map<string, number[]>();
  forms.forEach((f, i) => {
    for (const g of f.bigrams) {
      const list = postings.get(g);
      if (list) list.push(i);
      else postings.set(g, [i]);
    }
  });
  const index: CatalogIndex<T> = {
    items,
    bySku: new Map(items.map((item, i) => [skuKey(item.sku), i])),
    forms,
    postings,
    vocabulary,
    answers: new Map(),
  };
  cache.set(items, index);
  return index;
}

const isTone = (c: string | undefined) => c !== undefined && c >= '\u0E47' && c <= '\u0E4C';
const charCost = (c: string) => (isTone(c) ? 0.25 : 1);

interface Alignment {
  cost: number;
  /** The query ended inside a word of the name ("ชา" in "ช้าง"). */
  partialEnd: boolean;
  /** The query began inside a word of the name. */
  midStart: boolean;
}

const MID_START = 0.5;
let scratch = { cost: new Float64Array(4096), mid: new Uint8Array(4096) };

/**
 * The cheapest way to read the whole query inside the name: letters may differ, be missing, extra or
 * swapped (tone marks cost a quarter); whole words of the name may be skipped for free; starting
 * inside a word costs half a letter.
 */
function align(q: string, form: NameForm, allowed: number): Alignment {
  const c = form.chars;
  const n = q.length;
  const m = c.length;
  const INF = 1e9;
  const { isStart, nextStart } = form;
  // cost[i][j]: query[0..i) read, next name letter j. Flat arrays, reused between calls (no garbage).
  const size = (n + 1) * (m + 1);
  if (scratch.cost.length < size) scratch = { cost: new Float64Array(size * 2), mid: new Uint8Array(size * 2) };
  const { cost, mid } = scratch;
  cost.fill(INF, 0, size);
  mid.fill(0, 0, size);
  const w = m + 1;
  const relax = (k: number, v: number, midStart: number) => {
    if (v < cost[k]!) {
      cost[k] = v;
      mid[k] = midStart;
    }
  };
  for (let j = 0; j < m; j++) relax(j, isStart[j] ? 0 : MID_START, isStart[j] ? 0 : 1);
  let previousRowMin = 0;
  for (let i = 0; i <= n; i++) {
    let rowMin = INF;
    for (let j = 0; j <= m; j++) {
      const k = i * w + j;
      const v = cost[k]!;
      // Costs only grow: a cell already over the allowance leads nowhere.
      if (v > allowed) continue;
      if (v < rowMin) rowMin = v;
      const s = mid[k]!;
      // Skip the whole word that starts here.
      if (isStart[j] && i > 0) relax(i * w + nextStart[j]!, v, s);
      if (i < n && j < m) {
        const a = q[i]!;
        const b = c[j]!;
        relax(k + w + 1, v + (a === b ? 0 : isTone(a) && isTone(b) ? 0.25 : 1), s);
        if (i + 1 < n && j + 1 < m && a === c[j + 1] && q[i + 1] === b && a !== b) relax(k + 2 * w + 2, v + 1, s);
      }
      if (i < n) relax(k + w, v + charCost(q[i]!), s);
      if (j < m && i > 0) relax(k + 1, v + charCost(c[j]!), s);
    }
    // Nothing in this row or the one before is within the allowance: the rest cannot be either.
    if (i > 0 && rowMin > allowed && previousRowMin > allowed) return { cost: INF, partialEnd: false, midStart: false };
    previousRowMin = rowMin;
  }
  let best: Alignment = { cost: INF, partialEnd: false, midStart: false };
  for (let j = 0; j <= m; j++) {
    const v = cost[n * w + j]!;
    const partialEnd = !(j === m || isStart[j]);
    // A query that stops inside a word is a little worse than one that fills it.
    if (v + (partialEnd ? 0.01 : 0) < best.cost + (best.partialEnd ? 0.01 : 0)) {
      best = { cost: v, partialEnd, midStart: mid[n * w + j] === 1 };
    }
  }
  return best;
}

/** How many mistakes a query of this many letters may hold and still name a product. */
export function tolerance(length: number): number {
  if (length <= 2) return 0.25;
  if (length === 3) return 0.5;
  if (length <= 5) return 1;
  if (length <= 8) return 1.5;
  if (length <= 12) return 2;
  return 2 + (length - 12) / 6;
}

const MAX_ALIGNED = 24;

export interface Scored {
  item: number;
  score: number;
  cost: number;
}

/** Every product the query could name, best first (several name forms of one product: its best). */
export function scoreQuery(index: CatalogIndex, text: string): Scored[] {
  const sku = index.bySku.get(skuKey(text));
  if (sku !== undefined) return [{ item: sku, score: 2, cost: 0 }];
  const q = nameWords(text)
    .map((w) => w.word)
    .join('');
  const plainLength = q.replace(/[\u0E47-\u0E4C]/g, '').length;
  if (plainLength === 0) return [];
  const grams = bigramsOf(q);
  const hits = new Map<number, number>();
  if (grams.length === 0) {
    index.forms.forEach((f, i) => f.chars.includes(q) && hits.set(i, 1));
  } else {
    for (const g of new Set(grams)) for (const f of index.postings.get(g) ?? []) hits.set(f, (hits.get(f) ?? 0) + 1);
  }
  const allowed = tolerance(plainLength);
  const needed = Math.max(1, Math.floor(new Set(grams).size * 0.3));
  const best = new Map<number, Scored>();
  // Only the names sharing the most letter pairs are aligned: a large catalog stays fast.
  const likely = [...hits].filter(([, shared]) => shared >= needed).sort((a, b) => b[1] - a[1]).slice(0, MAX_ALIGNED);
  for (const [f] of likely) {
    const form = index.forms[f]!;
    const a = align(q, form, allowed);
    if (a.cost > allowed) continue;
    const coverage = Math.min(1, plainLength / form.coreLength);
    const score = coverage - a.cost / Math.max(plainLength, 1) - (a.partialEnd ? 0.15 : 0) - (a.midStart ? 0.15 : 0);
    const prev = best.get(form.item);
    if (!prev || score > prev.score) best.set(form.item, { item: form.item, score, cost: a.cost });
  }
  return [...best.values()].sort((x, y) => y.score - x.score);
}

/** How close two products must score to count as "which one?" rather than the better one. */
const AMBIGUITY_MARGIN = 0.1;

/** The product a query names, the several it could name, or near names when none. */
export function matchProduct(index: CatalogIndex, text: string): ProductMatch {
  const known = index.answers.get(text);
  if (known) return known;
  const answer = freshMatch(index, text);
  if (index.answers.size >= MAX_ANSWERS) index.answers.clear();
  index.answers.set(text, answer);
  return answer;
}

const MAX_ANSWERS = 5000;

function freshMatch(index: CatalogIndex, text: string): ProductMatch {
  const scored = scoreQuery(index, text);
  if (scored.length === 0) return { kind: 'none' };
  const top = scored[0]!;
  const close = scored.filter((s) => s.score >= top.score - AMBIGUITY_MARGIN);
  if (close.length === 1) return { kind: 'one', sku: index.items[top.item]!.sku, score: top.score };
  return { kind: 'many', skus: close.map((s) => index.items[s.item]!.sku), score: top.score };
}

/** Up to three products whose names share the most letter pairs with the query (asked only for a reply). */
export function suggest(index: CatalogIndex, text: string): string[] {
  const grams = new Set(bigramsOf(nameWords(text).map((w) => w.word).join('')));
  if (grams.size === 0) return [];
  const shared = new Map<number, number>();
  for (const g of grams) for (const f of index.postings.get(g) ?? []) shared.set(f, (shared.get(f) ?? 0) + 1);
  const byItem = new Map<number, number>();
  for (const [f, count] of shared) {
    const form = index.forms[f]!;
    const dice = (2 * count) / (grams.size + form.bigrams.size);
    if (dice > (byItem.get(form.item) ?? 0)) byItem.set(form.item, dice);
  }
  return [...byItem]
    .filter(([, d]) => d >= 0.3)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([i]) => index.items[i]!.sku);
}
