// Slip-reading benchmark: accuracy per field against manifest.json, how each
// bad input is handled, and seconds per slip with warm workers; the baseline
// is plain tesseract.js (one worker, Thai + English, the whole image as it
// is, no QR) on the same files, or the tesseract command line when installed.
//
//   tsx bench/slips.ts [dir] [--json]
//
// dir defaults to ../shared/fixtures/slips next to the repository.
// `npm run bench` runs the same code through runSlipBench().

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import Tesseract from 'tesseract.js';
import { ImageRejectedError } from '../src/modules/payments/image-guard.ts';
import { createSlipReader, type SlipReading } from '../src/modules/payments/slip-reader.ts';
import { extractSlipFields, normalizeThaiText } from '../src/modules/payments/slip-text.ts';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type ManifestEntry = {
  file: string;
  kind: string;
  bank: { code: string; short: string } | null;
  amount: number | null;
  datetime: string | null;
  transRef: string | null;
  receiverName: string | null;
  receiverAccount: string | null;
  duplicateOf: string | null;
  expected: { verdict: string; reason: string | null } | null;
};

type Field = 'bank' | 'amount' | 'datetime' | 'transRef' | 'receiver';
const FIELDS: Field[] = ['bank', 'amount', 'datetime', 'transRef', 'receiver'];

type Fields = {
  bank: string | null;
  amount: number | null;
  datetime: Date | null;
  transRef: string | null;
  receiver: { name: string | null; account: string | null } | null;
};

const squash = (s: string | null | undefined): string => normalizeThaiText(s ?? '').replace(/\s+/g, '');
const digits = (s: string | null | undefined): string => (s ?? '').replace(/\D/g, '');

function fieldCorrect(field: Field, got: Fields, want: ManifestEntry): boolean {
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

export const defaultSlipDir = path.join(repoRoot, '..', 'shared', 'fixtures', 'slips');

function loadManifest(dir: string): ManifestEntry[] {
  const manifestPath = path.join(dir, 'manifest.json');
  return existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: ManifestEntry[] }).files
    : readdirSync(dir)
        .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
        .sort()
        .map((file) => ({
          file, kind: 'unknown', bank: null, amount: null, datetime: null, transRef: null,
          receiverName: null, receiverAccount: null, duplicateOf: null, expected: null,
        }));
}

export interface SlipBaseline {
  /** What the baseline is, in words. */
  name: string;
  p50: number;
  p95: number;
  correct: Record<Field, number>;
}

export interface SlipBenchResult {
  dir: string;
  /** Files that carry a slip (and so count for accuracy and speed). */
  slips: number;
  readyMs: number;
  accuracy: Record<Field, number>;
  correct: Record<Field, number>;
  negatives: Record<string, string>;
  /** Seconds per slip with warm workers. */
  p50: number;
  p95: number;
  failures: string[];
  baseline: SlipBaseline | null;
}

/**
 * Reads every fixture with the app's slip reader (warm workers), scores each field against the
 * manifest, then measures the baseline on the same slips. `log` gets the per-file table.
 */
export async function runSlipBench(
  opts: { dir?: string; log?: (line?: string) => void; baseline?: 'auto' | 'tesseract.js' | 'none' } = {},
): Promise<SlipBenchResult> {
  const dir = path.resolve(opts.dir ?? defaultSlipDir);
  const log = opts.log ?? (() => undefined);
  if (!existsSync(dir)) throw new Error(`no such folder: ${dir}`);
  const manifest = loadManifest(dir);

  const reader = createSlipReader();
  const startReady = performance.now();
  await reader.ready();
  const readyMs = performance.now() - startReady;
  log(`workers ready in ${(readyMs / 1000).toFixed(2)} s`);

  // One untimed read so the first timed one does not pay for JIT and caches.
  const warm = manifest.find((e) => e.amount !== null);
  if (warm) await reader.read(readFileSync(path.join(dir, warm.file))).catch(() => undefined);

  const slipEntries = manifest.filter((e) => e.amount !== null);
  const correct: Record<Field, number> = { bank: 0, amount: 0, datetime: 0, transRef: 0, receiver: 0 };
  const seconds: number[] = [];
  const negatives: Record<string, string> = {};
  const seenRefs = new Map<string, string>();
  const seenHashes = new Map<string, string>();
  const failures: string[] = [];

  log('');
  log('file                                     sec   bank  amount    datetime  ref   recv');
  try {
    for (const entry of manifest) {
      const bytes = readFileSync(path.join(dir, entry.file));
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
      if (reading?.transRef && !seenRefs.has(reading.transRef)) seenRefs.set(reading.transRef, entry.file);
      if (reading && !seenHashes.has(reading.sha256)) seenHashes.set(reading.sha256, entry.file);
      if (entry.kind !== 'slip') negatives[entry.file] = outcome;

      if (entry.amount !== null) {
        seconds.push(sec);
        const got: Fields = reading ?? { bank: null, amount: null, datetime: null, transRef: null, receiver: null };
        const marks = FIELDS.map((f) => {
          const ok = fieldCorrect(f, got, entry);
          if (ok) correct[f]++;
          else failures.push(`${entry.file} ${f}: got ${JSON.stringify(f === 'receiver' ? got.receiver : got[f])}`);
          return ok ? 'ok' : '--';
        });
        log(`${entry.file.padEnd(40)} ${sec.toFixed(2)}  ${marks[0]}    ${marks[1]}        ${marks[2]}        ${marks[3]}    ${marks[4]}`);
      } else {
        log(`${entry.file.padEnd(40)} ${sec.toFixed(2)}  ${outcome}`);
      }
    }
  } finally {
    await reader.close();
  }

  const n = slipEntries.length;
  const accuracy = Object.fromEntries(FIELDS.map((f) => [f, n ? Math.round((correct[f] / n) * 1000) / 1000 : 0])) as Record<Field, number>;
  const choice = opts.baseline ?? 'auto';
  const baseline =
    choice === 'none' ? null : choice === 'auto' && hasTesseractCli() ? await cliBaseline(dir, slipEntries) : await plainTesseractBaseline(dir, slipEntries);
  return {
    dir,
    slips: n,
    readyMs,
    accuracy,
    correct,
    negatives,
    p50: Math.round(percentile(seconds, 50) * 1000) / 1000,
    p95: Math.round(percentile(seconds, 95) * 1000) / 1000,
    failures,
    baseline,
  };
}

function scoreBaseline(text: string, entry: ManifestEntry, correct: Record<Field, number>): void {
  const f = extractSlipFields(text);
  const got: Fields = { bank: f.bank?.short ?? null, amount: f.amount, datetime: f.datetime, transRef: f.transRef, receiver: f.receiver };
  for (const field of FIELDS) if (fieldCorrect(field, got, entry)) correct[field]++;
}

async function cliBaseline(dir: string, entries: ManifestEntry[]): Promise<SlipBaseline> {
  const seconds: number[] = [];
  const correct: Record<Field, number> = { bank: 0, amount: 0, datetime: 0, transRef: 0, receiver: 0 };
  for (const entry of entries) {
    const started = performance.now();
    const { stdout } = await execFileAsync('tesseract', [path.join(dir, entry.file), 'stdout', '-l', 'tha+eng', '--psm', '3'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    seconds.push((performance.now() - started) / 1000);
    scoreBaseline(stdout, entry, correct);
  }
  return { name: 'tesseract CLI (-l tha+eng --psm 3, OCR only, no QR)', p50: percentile(seconds, 50), p95: percentile(seconds, 95), correct };
}

/**
 * Plain tesseract.js as anyone would start with it: one warm worker, Thai + English, the same
 * language data as the app, the whole image as sent, automatic page layout; no QR, no clean-up.
 */
async function plainTesseractBaseline(dir: string, entries: ManifestEntry[]): Promise<SlipBaseline> {
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
  const seconds: number[] = [];
  const correct: Record<Field, number> = { bank: 0, amount: 0, datetime: 0, transRef: 0, receiver: 0 };
  try {
    if (entries[0]) await worker.recognize(readFileSync(path.join(dir, entries[0].file)));
    for (const entry of entries) {
      const bytes = readFileSync(path.join(dir, entry.file));
      const started = performance.now();
      const { data } = await worker.recognize(bytes);
      seconds.push((performance.now() - started) / 1000);
      scoreBaseline(data.text, entry, correct);
    }
  } finally {
    await worker.terminate();
    rmSync(langPath, { recursive: true, force: true });
  }
  return { name: 'plain tesseract.js (1 worker, tha+eng, whole image, no QR)', p50: percentile(seconds, 50), p95: percentile(seconds, 95), correct };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const dirArg = args.find((a) => !a.startsWith('--'));
  const dir = path.resolve(dirArg ?? defaultSlipDir);
  if (!existsSync(dir)) {
    process.stderr.write(`no such folder: ${dir}\n`);
    process.exit(2);
  }
  const log = (line = ''): void => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  const r = await runSlipBench({ dir, log });
  if (json) {
    process.stdout.write(`${JSON.stringify({ slips: r.slips, accuracy: r.accuracy, negatives: r.negatives, p50: r.p50, p95: r.p95, baseline: r.baseline })}\n`);
    return;
  }
  log('');
  log(`accuracy over ${r.slips} slip-bearing files:`);
  for (const f of FIELDS) log(`  ${f.padEnd(9)} ${r.correct[f]}/${r.slips}  ${(r.accuracy[f] * 100).toFixed(1)}%`);
  log('');
  log('negative and edge cases:');
  for (const [file, how] of Object.entries(r.negatives)) log(`  ${file.padEnd(38)} ${how}`);
  log('');
  log(`seconds per slip (warm workers): p50 ${r.p50.toFixed(3)}  p95 ${r.p95.toFixed(3)}`);
  if (r.failures.length) {
    log('');
    log('misses:');
    for (const f of r.failures) log(`  ${f}`);
  }
  if (r.baseline) {
    log('');
    log(`baseline ${r.baseline.name}: p50 ${r.baseline.p50.toFixed(3)} s  p95 ${r.baseline.p95.toFixed(3)} s`);
    log(`  ratio ours/baseline at p50: ${(r.p50 / r.baseline.p50).toFixed(2)}`);
    for (const f of FIELDS) log(`  ${f.padEnd(9)} ${r.baseline.correct[f]}/${r.slips}`);
  }
}

// Run as a script (npm run bench:slips), not when imported by bench/run.ts.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
