// Slip-reading benchmark over the repository's fixtures (tests/fixtures/slips): accuracy per field
// against manifest.json, for the slips as they are ("clean") and for degraded copies made on the
// fly (JPEG q30, blur, 40% size, 10° and 20° tilt, quarter and half turns, a crop through the QR);
// how each bad input is handled; seconds per slip with warm workers. A value counts as confidently
// wrong when it is wrong and the reader did not send that field to review. The baseline is plain
// tesseract.js (one worker, Thai + English, the whole image as it is, no QR) on the clean slips,
// or the tesseract command line when installed, each reading a clean slip right after ours.
//
//   tsx bench/slips.ts [--groups=clean,tilt-20,...] [--workers=N] [--no-baseline] [--json]
//
// `npm run bench` runs the clean group through runSlipBench().

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Tesseract from 'tesseract.js';
import { ImageRejectedError } from '../src/lib/image-guard.ts';
import { createSlipReader, defaultOcrWorkers, extractSlipFields, normalizeThaiText, type SlipReading } from '../src/modules/payments/slips/index.ts';
import {
  DEGRADATIONS,
  degradedSlips,
  loadSlipManifest,
  readSlipFixture,
  slipFixturesDir,
  type DegradationName,
  type SlipFixture,
} from '../tests/fixtures/slips/fixtures.ts';

const execFileAsync = promisify(execFile);

type Field = 'bank' | 'amount' | 'datetime' | 'transRef' | 'receiver';
const FIELDS: Field[] = ['bank', 'amount', 'datetime', 'transRef', 'receiver'];
export type SlipGroup = 'clean' | DegradationName;
export const SLIP_GROUPS: SlipGroup[] = ['clean', ...DEGRADATIONS.map((d) => d.name)];

type Fields = {
  bank: string | null;
  amount: number | null;
  datetime: Date | null;
  transRef: string | null;
  receiver: { name: string | null; account: string | null } | null;
};

const squash = (s: string | null | undefined): string => normalizeThaiText(s ?? '').replace(/\s+/g, '');
const digits = (s: string | null | undefined): string => (s ?? '').replace(/\D/g, '');

function fieldValue(field: Field, got: Fields): unknown {
  return field === 'receiver' ? got.receiver?.name ?? null : got[field];
}

function fieldCorrect(field: Field, got: Fields, want: SlipFixture): boolean {
  switch (field) {
    case 'bank':
      return got.bank === want.bank?.short;
    case 'amount':
      return want.amount !== null && got.amount === Math.round(want.amount * 100);
    case 'datetime':
      return want.datetime !== null && got.datetime?.getTime() === new Date(want.datetime).getTime();
    case 'transRef':
      return got.transRef === want.transRef;
    case 'receiver': {
      // Name as printed, and the account's visible digits (OCR may turn a
      // leading mask "x" into a digit, hence endsWith).
      const nameOk = squash(got.receiver?.name) === squash(want.receiverName) && squash(want.receiverName) !== '';
      const wantDigits = digits(want.receiverAccount);
      const accountOk = wantDigits === '' || digits(got.receiver?.account).endsWith(wantDigits);
      return nameOk && accountOk;
    }
  }
}

/** ok: right; review: empty or sent to review; wrong: a wrong value the reader stood by. */
type Mark = 'ok' | 'review' | 'wrong';

function mark(field: Field, reading: SlipReading | null, want: SlipFixture): Mark {
  if (!reading) return 'review';
  if (fieldCorrect(field, reading, want)) return 'ok';
  const value = fieldValue(field, reading);
  if (value === null || value === undefined) return 'review';
  return reading.review.includes(field) ? 'review' : 'wrong';
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

function hasTesseractCli(): boolean {
  try {
    execFileSync('which', ['tesseract'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const defaultSlipDir = slipFixturesDir;

export interface SlipBaseline {
  /** What the baseline is, in words. */
  name: string;
  p50: number;
  p95: number;
  correct: Record<Field, number>;
}

export interface SlipGroupResult {
  group: SlipGroup;
  files: number;
  correct: Record<Field, number>;
  /** Wrong values the reader did not send to review. */
  wrong: Record<Field, number>;
  p50: number;
  p95: number;
  misses: string[];
}

export interface SlipBenchResult {
  dir: string;
  /** Files that carry a slip (and so count for accuracy and speed), clean group. */
  slips: number;
  readyMs: number;
  /** Clean group. */
  accuracy: Record<Field, number>;
  correct: Record<Field, number>;
  negatives: Record<string, string>;
  /** Seconds per slip with warm workers, clean group. */
  p50: number;
  p95: number;
  /** Every group read, clean first; allP50/allP95 over all of them. */
  groups: SlipGroupResult[];
  allP50: number;
  allP95: number;
  /** Peak resident memory of the process while reading, MB (the reader's threads included, no baseline worker alive). */
  rssMb: number;
  failures: string[];
  baseline: SlipBaseline | null;
}

const zero = (): Record<Field, number> => ({ bank: 0, amount: 0, datetime: 0, transRef: 0, receiver: 0 });

/**
 * Reads the fixtures (and the degraded groups asked for) with the app's slip reader and scores each
 * field against the manifest; the baseline reads each clean slip right after ours, so the ratio
 * holds on a machine whose load changes. `log` gets the per-file table.
 */
export async function runSlipBench(
  opts: {
    dir?: string;
    log?: (line?: string) => void;
    baseline?: 'auto' | 'tesseract.js' | 'none';
    groups?: SlipGroup[];
    /** OCR workers; default as the app sizes them (by memory). */
    workers?: number;
  } = {},
): Promise<SlipBenchResult> {
  const dir = path.resolve(opts.dir ?? defaultSlipDir);
  const log = opts.log ?? (() => undefined);
  const manifest = loadSlipManifest(dir);
  const groups = opts.groups ?? ['clean'];

  const reader = createSlipReader({ workers: opts.workers });
  const startReady = performance.now();
  await reader.ready();
  const readyMs = performance.now() - startReady;
  log(`workers ready in ${(readyMs / 1000).toFixed(2)} s`);

  // One untimed read so the first timed one does not pay for JIT and caches.
  const warm = manifest.find((e) => e.amount !== null);
  if (warm) await reader.read(readSlipFixture(warm, dir)).catch(() => undefined);

  const negatives: Record<string, string> = {};
  const results: SlipGroupResult[] = [];
  const allSeconds: number[] = [];
  // The reader's own memory: sampled while no baseline worker is alive.
  let rssMb = process.memoryUsage().rss / 2 ** 20;
  const choice = opts.baseline ?? 'auto';
  let baselineRunner: BaselineRunner | null = null;
  let baseline: SlipBaseline | null = null;
  try {
    for (const group of groups) {
      const items =
        group === 'clean'
          ? manifest.map((entry) => ({ entry, bytes: readSlipFixture(entry, dir) }))
          : await degradedSlips(DEGRADATIONS.find((d) => d.name === group)!, manifest, dir);
      const result: SlipGroupResult = { group, files: 0, correct: zero(), wrong: zero(), p50: 0, p95: 0, misses: [] };
      const seconds: number[] = [];
      const seenRefs = new Map<string, string>();
      const seenHashes = new Map<string, string>();
      if (group === 'clean' && choice !== 'none') {
        baselineRunner = choice === 'auto' && hasTesseractCli() ? cliBaseline(dir) : await plainTesseractBaseline(dir, warm);
      }
      log('');
      log(`group ${group}`);
      log('file                                     sec   bank    amount  datetime ref     recv');
      for (const { entry, bytes } of items) {
        const started = performance.now();
        let reading: SlipReading | null = null;
        let rejection: string | null = null;
        try {
          reading = await reader.read(bytes);
        } catch (err) {
          if (err instanceof ImageRejectedError) rejection = err.code;
          else rejection = `ERROR ${(err as Error).message}`;
        }
        const sec = (performance.now() - started) / 1000;

        if (group === 'clean' && entry.kind !== 'slip') {
          let outcome: string;
          if (rejection) outcome = `rejected: ${rejection} (${sec.toFixed(2)} s)`;
          else if (!reading?.isSlip) outcome = `not a slip (isSlip false, confidence ${reading?.confidence ?? 0})`;
          else if (!reading.qr) outcome = 'slip without QR: needs review';
          else if (!reading.qr.crcValid) outcome = 'QR CRC invalid: rejected as tampered';
          else {
            const dupRef = reading.transRef ? seenRefs.get(reading.transRef) : undefined;
            const dupImage = seenHashes.get(reading.sha256);
            outcome = dupRef ? `duplicate transRef of ${dupRef}` : dupImage ? `duplicate image of ${dupImage}` : 'valid';
          }
          negatives[entry.file] = outcome;
        }
        if (reading?.transRef && !seenRefs.has(reading.transRef)) seenRefs.set(reading.transRef, entry.file);
        if (reading && !seenHashes.has(reading.sha256)) seenHashes.set(reading.sha256, entry.file);

        if (entry.amount === null) {
          log(`${entry.file.padEnd(40)} ${sec.toFixed(2)}  ${negatives[entry.file] ?? ''}`);
          continue;
        }
        // The baseline reads the same slip right after, so both meet the same machine load.
        if (group === 'clean') await baselineRunner?.read(entry);
        else rssMb = Math.max(rssMb, process.memoryUsage().rss / 2 ** 20);
        result.files++;
        seconds.push(sec);
        const marks = FIELDS.map((f) => {
          const m = mark(f, reading, entry);
          if (m === 'ok') result.correct[f]++;
          if (m === 'wrong') result.wrong[f]++;
          if (m !== 'ok') {
            const value = reading ? (f === 'receiver' ? reading.receiver : reading[f]) : rejection;
            const conf = reading?.fieldConfidence ? ` (confidence ${reading.fieldConfidence[f]})` : '';
            result.misses.push(`${group} ${entry.file} ${f}${m === 'wrong' ? ' WRONG' : ''}: got ${JSON.stringify(value)}${conf}`);
          }
          return m === 'ok' ? 'ok    ' : m === 'review' ? 'review' : 'WRONG ';
        });
        log(`${entry.file.padEnd(40)} ${sec.toFixed(2)}  ${marks.join('  ')}`);
      }
      result.p50 = Math.round(percentile(seconds, 50) * 1000) / 1000;
      result.p95 = Math.round(percentile(seconds, 95) * 1000) / 1000;
      allSeconds.push(...seconds);
      results.push(result);
      if (group === 'clean' && baselineRunner) {
        baseline = await baselineRunner.finish();
        baselineRunner = null;
      }
    }
  } finally {
    await reader.close();
    await baselineRunner?.finish();
  }

  const clean = results.find((r) => r.group === 'clean') ?? results[0]!;
  const n = clean.files;
  const accuracy = Object.fromEntries(FIELDS.map((f) => [f, n ? Math.round((clean.correct[f] / n) * 1000) / 1000 : 0])) as Record<Field, number>;
  return {
    dir,
    slips: n,
    readyMs,
    accuracy,
    correct: clean.correct,
    negatives,
    p50: clean.p50,
    p95: clean.p95,
    groups: results,
    allP50: Math.round(percentile(allSeconds, 50) * 1000) / 1000,
    allP95: Math.round(percentile(allSeconds, 95) * 1000) / 1000,
    rssMb: Math.round(rssMb),
    failures: results.flatMap((r) => r.misses),
    baseline,
  };
}

function scoreBaseline(text: string, entry: SlipFixture, correct: Record<Field, number>): void {
  const f = extractSlipFields(text);
  const got: Fields = { bank: f.bank?.short ?? null, amount: f.amount, datetime: f.datetime, transRef: f.transRef, receiver: f.receiver };
  for (const field of FIELDS) if (fieldCorrect(field, got, entry)) correct[field]++;
}

/** A baseline read of one slip at a time, so each is timed next to ours, under the same load. */
type BaselineRunner = { name: string; read(entry: SlipFixture): Promise<void>; finish(): Promise<SlipBaseline> };

function cliBaseline(dir: string): BaselineRunner {
  const seconds: number[] = [];
  const correct = zero();
  const name = 'tesseract CLI (-l tha+eng --psm 3, OCR only, no QR)';
  return {
    name,
    async read(entry) {
      const started = performance.now();
      const { stdout } = await execFileAsync('tesseract', [path.join(dir, entry.file), 'stdout', '-l', 'tha+eng', '--psm', '3'], {
        maxBuffer: 16 * 1024 * 1024,
      });
      seconds.push((performance.now() - started) / 1000);
      scoreBaseline(stdout, entry, correct);
    },
    async finish() {
      return { name, p50: percentile(seconds, 50), p95: percentile(seconds, 95), correct };
    },
  };
}

/**
 * Plain tesseract.js as anyone would start with it: one warm worker, Thai + English, the same
 * language data as the app, the whole image as sent, automatic page layout; no QR, no clean-up.
 */
async function plainTesseractBaseline(dir: string, warmWith: SlipFixture | undefined): Promise<BaselineRunner> {
  const require = createRequire(import.meta.url);
  const langPath = path.join(tmpdir(), `talad-bench-tessdata-${process.pid}`);
  mkdirSync(langPath, { recursive: true });
  for (const lang of ['eng', 'tha'] as const) {
    const pkg = path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`));
    // The LSTM-only model the app's reader uses, so both read with the same data.
    const best = path.join(pkg, '4.0.0_best_int', `${lang}.traineddata.gz`);
    const file = existsSync(best) ? best : path.join((require(`@tesseract.js-data/${lang}`) as { langPath: string }).langPath, `${lang}.traineddata.gz`);
    symlinkSync(file, path.join(langPath, `${lang}.traineddata.gz`));
  }
  const worker = await Tesseract.createWorker(['tha', 'eng'], Tesseract.OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: 'none' });
  if (warmWith) await worker.recognize(readSlipFixture(warmWith, dir));
  const seconds: number[] = [];
  const correct = zero();
  const name = 'plain tesseract.js (1 worker, tha+eng, whole image, no QR)';
  return {
    name,
    async read(entry) {
      const bytes = readSlipFixture(entry, dir);
      const started = performance.now();
      const { data } = await worker.recognize(bytes);
      seconds.push((performance.now() - started) / 1000);
      scoreBaseline(data.text, entry, correct);
    },
    async finish() {
      await worker.terminate();
      rmSync(langPath, { recursive: true, force: true });
      return { name, p50: percentile(seconds, 50), p95: percentile(seconds, 95), correct };
    },
  };
}

function loadLine(): string {
  const [one, five] = os.loadavg();
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), load average ${one?.toFixed(2)} / ${five?.toFixed(2)} (1 / 5 min), Node ${process.version}`;
}

const pct = (k: number, n: number): string => `${n ? ((k / n) * 100).toFixed(0) : '-'}%`.padStart(4);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const groupsArg = args.find((a) => a.startsWith('--groups='))?.slice('--groups='.length);
  const groups = groupsArg ? (groupsArg.split(',') as SlipGroup[]) : SLIP_GROUPS;
  const unknown = groups.filter((g) => !SLIP_GROUPS.includes(g));
  if (unknown.length) throw new Error(`unknown group(s) ${unknown.join(', ')}; known: ${SLIP_GROUPS.join(', ')}`);
  const log = (line = ''): void => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  const workersArg = args.find((a) => a.startsWith('--workers='))?.slice('--workers='.length);
  log(`machine: ${loadLine()}; reader: ${workersArg ?? defaultOcrWorkers()} OCR worker(s)`);
  const r = await runSlipBench({ log, groups, baseline: args.includes('--no-baseline') ? 'none' : 'auto', workers: workersArg ? Number(workersArg) : undefined });
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...r, failures: undefined })}\n`);
    return;
  }
  log('');
  log('per group: right / confidently wrong (wrong values not sent to review)');
  log(`group        files  ${FIELDS.map((f) => f.padEnd(11)).join(' ')} p50 s  p95 s`);
  for (const g of r.groups) {
    const cells = FIELDS.map((f) => `${pct(g.correct[f], g.files)} ${String(g.wrong[f]).padStart(2)}w  `);
    log(`${g.group.padEnd(12)} ${String(g.files).padStart(5)}  ${cells.join(' ')} ${g.p50.toFixed(2)}   ${g.p95.toFixed(2)}`);
  }
  log('');
  log('negative and edge cases:');
  for (const [file, how] of Object.entries(r.negatives)) log(`  ${file.padEnd(38)} ${how}`);
  log('');
  log(`seconds per slip (warm workers): clean p50 ${r.p50.toFixed(3)}  p95 ${r.p95.toFixed(3)}; all groups p50 ${r.allP50.toFixed(3)}  p95 ${r.allP95.toFixed(3)}`);
  log(`RSS while reading (peak, no baseline worker alive): ${r.rssMb} MB`);
  if (r.failures.length) {
    log('');
    log('misses:');
    for (const f of r.failures) log(`  ${f}`);
  }
  if (r.baseline) {
    log('');
    log(`baseline ${r.baseline.name}: p50 ${r.baseline.p50.toFixed(3)} s  p95 ${r.baseline.p95.toFixed(3)} s`);
    log(`  ratio ours/baseline at p50 (clean): ${(r.p50 / r.baseline.p50).toFixed(2)}`);
    for (const f of FIELDS) log(`  ${f.padEnd(9)} ${r.baseline.correct[f]}/${r.slips}`);
  }
  log('');
  log(`machine at the end: ${loadLine()}`);
}

// Run as a script (npm run bench:slips), not when imported by bench/run.ts.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
