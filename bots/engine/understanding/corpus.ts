/**
 * The chat corpus (tests/fixtures/chat/README.md): reading a JSONL file of what customers type and
 * what the shop should understand, and scoring understand() on it exactly as the README says.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TITLES } from './lexicon.ts';
import { arabicDigits } from './normalize.ts';
import type { Interpretation, Step } from './types.ts';

const corpusLine = z.object({
  text: z.string(),
  step: z.enum(['browse', 'address', 'summary', 'return']).optional(),
  expect: z.looseObject({ intent: z.string() }),
});
export type CorpusLine = z.infer<typeof corpusLine>;

/** The lines of a corpus file; a line that is not valid stops with its number and the reason. */
export function readCorpus(file: string): CorpusLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l, i) => [l.trim(), i + 1] as const)
    .filter(([l]) => l.length > 0)
    .map(([l, n]) => {
      const parsed = corpusLine.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`${file}:${n}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
}

const orderKey = (s: unknown) => {
  const m = /^\s*#?\s*(?:TL\s*-?\s*)?(\d{4,9})\s*$/i.exec(String(s ?? ''));
  return m ? `TL-${Number(m[1])}` : String(s ?? '').toUpperCase();
};
const phoneKey = (s: unknown) => {
  const digits = arabicDigits(String(s ?? '')).replace(/\D/g, '');
  return digits.startsWith('66') ? `0${digits.slice(2)}` : digits;
};
const nameKey = (s: unknown) => {
  let n = String(s ?? '').trim();
  for (const t of TITLES) if (n.toLowerCase().startsWith(t)) n = n.slice(t.length);
  return n.replace(/[\s.]/g, '').toLowerCase();
};
const postcodeKey = (s: unknown) => arabicDigits(String(s ?? '')).replace(/\D/g, '');
const itemSet = (list: unknown, withQty: boolean) =>
  JSON.stringify(
    ((list as { sku: string; qty?: number }[] | undefined) ?? []).map((i) => (withQty ? `${i.sku.toUpperCase()}×${i.qty ?? 1}` : i.sku.toUpperCase())).sort(),
  );
const skuSet = (list: unknown) => JSON.stringify(((list as string[] | undefined) ?? []).map((s) => s.toUpperCase()).sort());

/** Whether one expected field matches what was understood (the README's rules). */
export function fieldMatches(field: string, expected: unknown, got: Record<string, unknown>): boolean {
  switch (field) {
    case 'items':
      return got.intent === 'remove' ? itemSet(expected, false) === itemSet(got.items, false) : itemSet(expected, true) === itemSet(got.items, true);
    case 'candidates':
      return skuSet(expected) === skuSet(got.candidates);
    case 'order':
      return orderKey(expected) === orderKey(got.order);
    case 'phone':
      return phoneKey(expected) === phoneKey(got.phone);
    case 'name':
      return nameKey(expected) === nameKey(got.name);
    case 'postcode':
      return postcodeKey(expected) === postcodeKey(got.postcode);
    default:
      return JSON.stringify(expected) === JSON.stringify(got[field]);
  }
}

export interface Miss {
  text: string;
  step?: Step | undefined;
  expected: Record<string, unknown>;
  got: Interpretation;
}

export interface Score {
  total: number;
  correct: number;
  accuracy: number;
  byIntent: Record<string, { total: number; correct: number }>;
  address: { total: number; name: number; phone: number; postcode: number; province: number };
  misses: Miss[];
}

/** A line is right when the intent and every expected field but the province match. */
export function scoreCorpus(lines: CorpusLine[], understood: Interpretation[]): Score {
  const byIntent: Score['byIntent'] = {};
  const address = { total: 0, name: 0, phone: 0, postcode: 0, province: 0 };
  const misses: Miss[] = [];
  let correct = 0;
  lines.forEach((line, i) => {
    const got = understood[i]! as unknown as Record<string, unknown>;
    const { intent, ...fields } = line.expect;
    const slot = (byIntent[intent] ??= { total: 0, correct: 0 });
    slot.total++;
    const right = got.intent === intent && Object.entries(fields).every(([f, v]) => f === 'province' || fieldMatches(f, v, got));
    if (intent === 'address') {
      address.total++;
      for (const f of ['name', 'phone', 'postcode', 'province'] as const) {
        if (fields[f] !== undefined && got.intent === 'address' && fieldMatches(f, fields[f], got)) address[f]++;
      }
    }
    if (right) {
      correct++;
      slot.correct++;
    } else misses.push({ text: line.text, step: line.step, expected: line.expect, got: understood[i]! });
  });
  return { total: lines.length, correct, accuracy: lines.length === 0 ? 0 : correct / lines.length, byIntent, address, misses };
}
