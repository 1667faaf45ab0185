/** Finding the product a customer means, by SKU or by name in Thai or English. */
import type { Sellable } from '#src/modules/catalog/index.ts';
import { matchKey } from './text.ts';

export type Matchable = Pick<Sellable, 'variantId' | 'sku' | 'nameTh' | 'nameEn' | 'options'>;

export type MatchResult<T> =
  | { kind: 'one'; item: T }
  | { kind: 'many'; items: T[] }
  | { kind: 'none'; suggestions: T[] };

interface Indexed<T> {
  item: T;
  sku: string;
  keys: string[];
}

function keysOf(item: Matchable): string[] {
  const options = Object.values(item.options).join('');
  return [...new Set([item.nameTh, item.nameEn, item.nameTh + options, item.nameEn + options].map(matchKey))].filter(Boolean);
}

function bigrams(s: string): Map<string, number> {
  const chars = [...s];
  const out = new Map<string, number>();
  for (let i = 0; i < chars.length - 1; i++) {
    const g = chars[i]! + chars[i + 1]!;
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/** Dice similarity over character bigrams: tolerant of typos and of Thai text without spaces. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const x = bigrams(a);
  const y = bigrams(b);
  let overlap = 0;
  let total = 0;
  for (const [g, n] of x) {
    overlap += Math.min(n, y.get(g) ?? 0);
    total += n;
  }
  for (const n of y.values()) total += n;
  return total === 0 ? 0 : (2 * overlap) / total;
}

export function createMatcher<T extends Matchable>(items: T[]) {
  const index: Indexed<T>[] = items.map((item) => ({ item, sku: item.sku.toLowerCase(), keys: keysOf(item) }));

  return function match(query: string): MatchResult<T> {
    const q = matchKey(query);
    if (!q) return { kind: 'none', suggestions: [] };
    const bySku = index.find((e) => e.sku === query.trim().toLowerCase() || matchKey(e.sku) === q);
    if (bySku) return { kind: 'one', item: bySku.item };

    const exact = index.filter((e) => e.keys.includes(q));
    if (exact.length === 1) return { kind: 'one', item: exact[0]!.item };
    if (exact.length > 1) return { kind: 'many', items: exact.map((e) => e.item) };

    // "กาแฟ" finds every coffee; "กาแฟดอยช้างคั่วกลาง250กรัมถุงใหญ่" finds the one it starts with.
    const partial = index.filter((e) => e.keys.some((k) => (q.length >= 2 && k.includes(q)) || (k.length >= 3 && q.includes(k))));
    if (partial.length === 1) return { kind: 'one', item: partial[0]!.item };
    if (partial.length > 1) {
      // When the query holds one name entirely, prefer the longest such name ("ชาไทย" over "ชา").
      const containing = partial.filter((e) => e.keys.some((k) => q.includes(k)));
      const longest = Math.max(0, ...containing.flatMap((e) => e.keys.filter((k) => q.includes(k)).map((k) => k.length)));
      const best = containing.filter((e) => e.keys.some((k) => q.includes(k) && k.length === longest));
      if (best.length === 1) return { kind: 'one', item: best[0]!.item };
      return { kind: 'many', items: partial.map((e) => e.item) };
    }

    const scored = index
      .map((e) => ({ e, score: Math.max(...e.keys.map((k) => similarity(q, k)), similarity(q, e.sku)) }))
      .filter((s) => s.score >= 0.35)
      .sort((a, b) => b.score - a.score)
      .slice(0, 3);
    return { kind: 'none', suggestions: scored.map((s) => s.e.item) };
  };
}
