/**
 * The short form of the reliability drills that need no child process (issue 9), so `npm test`
 * runs them: duplicates, flaky channels, bad input (fuzz) and security. The crash and database
 * restart drills run in `npm run drill:short`. A failing drill lists every broken expectation.
 * Random choices are seeded (DRILL_SEED, default fixed) so a failure can be replayed.
 */
import { describe, expect, it } from 'vitest';
import { duplicatesDrill } from '../../drill/duplicates.drill.ts';
import { flakyChannelsDrill } from '../../drill/flaky-channels.drill.ts';
import { fuzzDrill } from '../../drill/fuzz.drill.ts';
import type { DrillOptions, DrillResult } from '../../drill/lib/common.ts';
import { securityDrill } from '../../drill/security.drill.ts';

const opts: DrillOptions = {
  short: true,
  seed: Number(process.env.DRILL_SEED ?? 20261122),
  log: process.env.DRILL_VERBOSE ? (line) => process.stderr.write(`[drill] ${line}\n`) : () => undefined,
};

function report(r: DrillResult): string {
  const numbers = Object.entries(r.numbers).map(([k, v]) => `${k} ${v}`).join(' · ');
  return [`${r.name} (seed ${opts.seed}): ${numbers}`, ...r.failures.map((f) => `FAIL ${f}`), ...r.notes.map((n) => `note ${n}`)].join('\n');
}

describe('reliability drills, short form', () => {
  it('processes 300 shuffled LINE webhooks with 20% redelivered once each: one answer, one cart change, one order', async () => {
    const r = await duplicatesDrill(opts);
    expect(r.failures.length, report(r)).toBe(0);
  }, 300_000);

  it('delivers 150 outbox messages exactly once while LINE and Telegram fail 30% of calls', async () => {
    const r = await flakyChannelsDrill(opts);
    expect(r.failures.length, report(r)).toBe(0);
  }, 300_000);

  it('refuses random and mutated input everywhere with a 4xx or a polite answer, never a 500 or a crash', async () => {
    const r = await fuzzDrill(opts);
    expect(r.failures.length, report(r)).toBe(0);
  }, 300_000);

  it('refuses forged webhooks and replayed sessions, keeps injection strings as data, guards every route', async () => {
    const r = await securityDrill(opts);
    expect(r.failures.length, report(r)).toBe(0);
  }, 300_000);
});
