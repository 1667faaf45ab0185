/**
 * `npm run drill` (`--short` in CI): the reliability drills of issue 9, one after another, then a
 * table of drill → PASS/FAIL with its key numbers. Exit code 1 when any drill fails.
 *
 *   npm run drill -- --short                 smaller versions (CI)
 *   npm run drill -- --only=crash,security   some drills only
 *   DRILL_SEED=1234 npm run drill            repeat a run's random choices
 *   DRILL_LOG_LEVEL=info npm run drill       show the in-process app's log
 *
 * Databases: TEST_DATABASE_URL or DATABASE_URL names a PostgreSQL server to create throw-away
 * databases on (drill 3 runs the app there); without one the in-process drills use PGlite and the
 * crash drill runs the app on the embedded database in a temporary DATA_DIR. Drill 4 always starts
 * a private PostgreSQL cluster of its own.
 */
import os from 'node:os';
import type { Drill, DrillOptions, DrillResult } from './lib/common.ts';
import { crashDrill } from './crash.drill.ts';
import { dbRestartDrill } from './db-restart.drill.ts';
import { duplicatesDrill } from './duplicates.drill.ts';
import { flakyChannelsDrill } from './flaky-channels.drill.ts';
import { fuzzDrill } from './fuzz.drill.ts';
import { securityDrill } from './security.drill.ts';
import { abuseDrill } from './abuse.drill.ts';

export const drills: [string, Drill][] = [
  ['duplicates', duplicatesDrill],
  ['flaky-channels', flakyChannelsDrill],
  ['crash', crashDrill],
  ['db-restart', dbRestartDrill],
  ['fuzz', fuzzDrill],
  ['security', securityDrill],
  ['abuse', abuseDrill],
];

function table(results: DrillResult[], opts: DrillOptions): string {
  const rows = results.map((r) => {
    const verdict = r.skipped ? 'SKIP' : r.pass ? 'PASS' : 'FAIL';
    const nums = r.skipped ? r.skipped : Object.entries(r.numbers).map(([k, v]) => `${k} ${v}`).join(' · ');
    return `| ${r.name} | ${verdict} | ${(r.ms / 1000).toFixed(1)} s | ${nums} |`;
  });
  return [
    `Talad drills (${opts.short ? 'short' : 'full'}), seed ${opts.seed}, ${os.cpus().length} cores; databases: ${process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? 'throw-away ones on the PostgreSQL server' : 'embedded PGlite'} (db-restart: a private cluster)`,
    '',
    '| drill | result | time | key numbers |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const short = args.includes('--short');
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean);
  const unknown = only?.filter((name) => !drills.some(([n]) => n === name)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`unknown drill(s): ${unknown.join(', ')}; known: ${drills.map(([n]) => n).join(', ')}\n`);
    process.exit(2);
  }
  const seed = Number(process.env.DRILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const opts: DrillOptions = { short, seed, log: (line) => process.stderr.write(`[drill] ${line}\n`) };
  const results: DrillResult[] = [];
  for (const [name, drill] of drills) {
    if (only && !only.includes(name)) continue;
    opts.log(`${name}: starting`);
    results.push(await drill(opts));
  }
  process.stdout.write(`\n${table(results, opts)}\n`);
  for (const r of results) {
    if (r.failures.length === 0 && r.notes.length === 0) continue;
    process.stdout.write(`\n${r.name}:\n`);
    for (const f of r.failures) process.stdout.write(`  FAIL ${f}\n`);
    for (const n of r.notes) process.stdout.write(`  note ${n}\n`);
  }
  const failed = results.filter((r) => !r.pass);
  if (failed.length > 0) process.stdout.write(`\n${failed.length} drill(s) failed: ${failed.map((r) => r.name).join(', ')} (seed ${seed})\n`);
  // Open handles of a failed drill (a hung socket, a child) must not keep CI waiting.
  process.exit(failed.length > 0 ? 1 : 0);
}

await main();
