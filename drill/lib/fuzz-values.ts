/** Arbitraries for the fuzz drill: nasty strings and numbers, and mutations of valid bodies. */
import fc from 'fast-check';
import { createRandom } from './common.ts';

/** Values that have broken web apps before: control characters, lone surrogates, huge and odd numbers, markup, SQL. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'abc\u0000def',
  '\uD800',
  'x\uDFFFy',
  '\u202E\u0E01\u0E32\u0E41\u0E1F',
  '\u200B\u200C\u200D\uFEFF',
  'ก\u0E4D\u200B\u0E32',
  '🙂'.repeat(300),
  'ก'.repeat(6000),
  'a'.repeat(100_000),
  '<script>alert(1)</script>',
  "'; drop table orders; --",
  '" or 1=1 --',
  '%00%27',
  '\\',
  '%',
  '_',
  '../../etc/passwd',
  '${7*7}',
  '{{7*7}}',
  '<%= 7*7 %>',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '0812345678'.repeat(3),
  '1'.repeat(400),
  'TL-99999999999',
  '\r\n\r\n',
];

export const NASTY_NUMBERS = [0, -1, 1.5, -0.0001, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 31) - 1, 1e21, 1e300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE];

/** Strings: random text of every kind, and the nasty ones. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
);

export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_NUMBERS) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null, [], {}, [[]], { '': '' }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

type Path = (string | number)[];

function paths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

/**
 * A valid body with 1-3 changes: a field deleted, replaced by a nasty value, or an array element doubled.
 * Deterministic from `seed`, so fast-check can replay it.
 */
export function mutate<T>(body: T, seed: number, values: unknown[]): unknown {
  const random = createRandom(seed);
  let out: unknown = structuredClone(body);
  const changes = random.int(1, 3);
  for (let i = 0; i < changes; i++) {
    const all = paths(out);
    const path = random.pick(all);
    // A copy: a shared constant ([] or {}) placed twice could otherwise end up inside itself.
    const value = structuredClone(values[i % Math.max(1, values.length)]);
    if (path.length === 0) {
      out = value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], out) as Record<string | number, unknown> | unknown[];
    const key = path.at(-1)!;
    switch (random.int(0, 3)) {
      case 0:
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete (parent as Record<string, unknown>)[key];
        break;
      case 1:
      case 2:
        (parent as Record<string | number, unknown>)[key] = value;
        break;
      default:
        if (Array.isArray(parent)) parent.push(structuredClone(parent[Number(key)]));
        else (parent as Record<string | number, unknown>)[key] = [(parent as Record<string | number, unknown>)[key]];
    }
  }
  return out;
}

export const mutation = fc.record({ seed: fc.integer(), values: fc.array(nastyValue, { minLength: 1, maxLength: 3 }) });

/** For reports: a short, printable view of an input. */
export function show(value: unknown, max = 160): string {
  let s: string;
  try {
    s = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    s = String(value);
  }
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  s = s.replace(/[\uD800-\uDFFF]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16)}`);
  return s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s;
}
