// Slip-reading benchmark: accuracy per field against manifest.json, how each
// bad input is handled, and seconds per slip with warm workers.
//
//   tsx bench/slips.ts [dir] [--json]
//
// dir defaults to ../shared/fixtures/slips next to the repository.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const dirArg = args.find((a) => !a.startsWith('--'));
  const dir = path.resolve(dirArg ?? path.join(repoRoot, '..', 'shared', 'fixtures', 'slips'));
  if (!existsSync(dir)) {
    process.stderr.write(`no such folder: ${dir}\n`);
    process.exit(2);
  }
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest: ManifestEntry[] = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { files: ManifestEntry[] }).files
    : readdirSync(dir)
        .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
        .sort()
        .map((file) => ({
          file, kind: 'unknown', bank: null, amount: null, datetime: null, transRef: null,
          receiverName: null, receiverAccount: null, duplicateOf: null, expected: null,
        }));
  const log = (line = ''): void => {
    if (!json) process.stdout.write(`${line}\n`);
  };

  const reader = createSlipReader();
  const startReady = performance.now();
  await reader.ready();
  log(`workers ready in ${((performance.now() - startReady) / 1000).toFixed(2)} s`);

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
      log(
        `${entry.file.padEnd(40)} ${sec.toFixed(2)}  ${marks[0]}    ${marks[1]}        ${marks[2]}        ${marks[3]}    ${marks[4]}`,
      );
    } else {
      log(`${entry.file.padEnd(40)} ${sec.toFixed(2)}  ${outcome}`);
    }
  }
  await reader.close();

  const n = slipEntries.length;
  const accuracy = Object.fromEntries(FIELDS.map((f) => [f, n ? Math.round((correct[f] / n) * 1000) / 1000 : 0])) as Record<
    Field,
    number
  >;
  const p50 = Math.round(percentile(seconds, 50) * 1000) / 1000;
  const p95 = Math.round(percentile(seconds, 95) * 1000) / 1000;

  if (json) {
    process.stdout.write(`${JSON.stringify({ slips: n, accuracy, negatives, p50, p95 })}\n`);
    return;
  }

  log('');
  log(`accuracy over ${n} slip-bearing files:`);
  for (const f of FIELDS) log(`  ${f.padEnd(9)} ${correct[f]}/${n}  ${(accuracy[f] * 100).toFixed(1)}%`);
  log('');
  log('negative and edge cases:');
  for (const [file, how] of Object.entries(negatives)) log(`  ${file.padEnd(38)} ${how}`);
  log('');
  log(`seconds per slip (warm workers): p50 ${p50.toFixed(3)}  p95 ${p95.toFixed(3)}`);
  if (failures.length) {
    log('');
    log('misses:');
    for (const f of failures) log(`  ${f}`);
  }

  log('');
  if (!hasTesseractCli()) {
    log('baseline: the tesseract command-line program is not installed; skipped');
    return;
  }
  const cliSeconds: number[] = [];
  const cliCorrect: Record<Field, number> = { bank: 0, amount: 0, datetime: 0, transRef: 0, receiver: 0 };
  for (const entry of slipEntries) {
    const started = performance.now();
    const { stdout } = await execFileAsync('tesseract', [path.join(dir, entry.file), 'stdout', '-l', 'tha+eng', '--psm', '3'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    cliSeconds.push((performance.now() - started) / 1000);
    const f = extractSlipFields(stdout);
    const got: Fields = { bank: f.bank?.short ?? null, amount: f.amount, datetime: f.datetime, transRef: f.transRef, receiver: f.receiver };
    for (const field of FIELDS) if (fieldCorrect(field, got, entry)) cliCorrect[field]++;
  }
  const cliP50 = percentile(cliSeconds, 50);
  log(`baseline tesseract CLI (-l tha+eng --psm 3, OCR only, no QR): p50 ${cliP50.toFixed(3)} s`);
  log(`  ratio ours/CLI at p50: ${(p50 / cliP50).toFixed(2)}`);
  for (const f of FIELDS) log(`  ${f.padEnd(9)} ${cliCorrect[f]}/${n}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
