// The real slip reader (tesseract.js workers, jsQR, sharp) over the shared
// synthetic slip fixtures, checked against their manifest.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageRejectedError } from '../../src/lib/image-guard.ts';
import { createSlipReader, type SlipReader, type SlipReading } from '../../src/modules/payments/slips/index.ts';

type ManifestEntry = {
  file: string;
  kind: string;
  bank: { code: string; short: string } | null;
  amount: number | null;
  datetime: string | null;
  transRef: string | null;
  qrPayload: string | null;
  qrCrcValid: boolean | null;
  duplicateOf: string | null;
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixturesDir = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'slips');
const haveFixtures = existsSync(path.join(fixturesDir, 'manifest.json'));

type Outcome = { reading: SlipReading } | { rejected: string };

describe.skipIf(!haveFixtures)(`slip reader over ${fixturesDir}`, () => {
  const manifest: ManifestEntry[] = haveFixtures
    ? (JSON.parse(readFileSync(path.join(fixturesDir, 'manifest.json'), 'utf8')) as { files: ManifestEntry[] }).files
    : [];
  const outcomes = new Map<string, Outcome>();
  let reader: SlipReader;

  const entry = (kind: string): ManifestEntry => {
    const found = manifest.find((e) => e.kind === kind);
    if (!found) throw new Error(`no ${kind} fixture in the manifest`);
    return found;
  };
  const readingOf = (file: string): SlipReading => {
    const outcome = outcomes.get(file);
    if (!outcome || !('reading' in outcome)) throw new Error(`${file} was not read: ${JSON.stringify(outcome)}`);
    return outcome.reading;
  };
  const slipBearing = (): ManifestEntry[] => manifest.filter((e) => e.amount !== null);
  const share = (entries: ManifestEntry[], ok: (e: ManifestEntry, r: SlipReading) => boolean): number =>
    entries.filter((e) => {
      const outcome = outcomes.get(e.file);
      return outcome !== undefined && 'reading' in outcome && ok(e, outcome.reading);
    }).length / entries.length;

  beforeAll(async () => {
    // One reader, warm, for every file: the way the app uses it.
    reader = createSlipReader({ workers: 2 });
    await reader.ready();
    for (const e of manifest) {
      const bytes = readFileSync(path.join(fixturesDir, e.file));
      try {
        outcomes.set(e.file, { reading: await reader.read(bytes) });
      } catch (err) {
        if (!(err instanceof ImageRejectedError)) throw err;
        outcomes.set(e.file, { rejected: err.code });
      }
    }
  }, 120_000);

  afterAll(async () => {
    await reader?.close();
  });

  it('reads the amount right on at least 97% of the files that carry a slip', () => {
    expect(share(slipBearing(), (e, r) => r.amount === Math.round((e.amount ?? 0) * 100))).toBeGreaterThanOrEqual(0.97);
  });

  it('names the sending bank right on at least 97% of them', () => {
    expect(share(slipBearing(), (e, r) => r.bank === e.bank?.short)).toBeGreaterThanOrEqual(0.97);
  });

  it('gets the transaction reference right on at least 95% of them', () => {
    expect(share(slipBearing(), (e, r) => r.transRef === e.transRef)).toBeGreaterThanOrEqual(0.95);
  });

  it('decodes every slip QR to exactly the payload in the manifest', () => {
    for (const e of manifest.filter((m) => m.qrPayload !== null)) {
      expect(readingOf(e.file).qr, e.file).toEqual({ payload: e.qrPayload, crcValid: e.qrCrcValid });
    }
  });

  it('recognises every genuine slip as a slip', () => {
    for (const e of manifest.filter((m) => m.kind === 'slip')) expect(readingOf(e.file).isSlip, e.file).toBe(true);
  });

  it('reads a slip without a QR, leaving qr null so it goes to review', () => {
    const reading = readingOf(entry('slip_no_qr').file);
    expect(reading.qr).toBeNull();
    expect(reading.isSlip).toBe(true);
    expect(reading.amount).toBe(Math.round((entry('slip_no_qr').amount ?? 0) * 100));
  });

  it('reports a QR whose CRC does not match as crcValid false', () => {
    expect(readingOf(entry('bad_qr_crc').file).qr?.crcValid).toBe(false);
  });

  it('rejects a text file named .jpg as not an image', () => {
    expect(outcomes.get(entry('not_an_image').file)).toEqual({ rejected: 'NOT_AN_IMAGE' });
  });

  it('rejects a truncated JPEG as corrupt', () => {
    expect(outcomes.get(entry('corrupt_jpeg').file)).toEqual({ rejected: 'CORRUPT_IMAGE' });
  });

  it('rejects the 9000 x 9000 image for its pixel count', () => {
    expect(outcomes.get(entry('oversized_image').file)).toEqual({ rejected: 'TOO_MANY_PIXELS' });
  });

  it('does not take a product photo or a blank screenshot for a slip', () => {
    for (const kind of ['no_slip_photo', 'blank_image']) {
      const reading = readingOf(entry(kind).file);
      expect(reading.isSlip, kind).toBe(false);
      expect(reading.qr, kind).toBeNull();
      expect(reading.amount, kind).toBeNull();
    }
  });

  it('gives a re-used slip the same reference as the original, under a different image hash', () => {
    const duplicate = entry('duplicate_ref');
    const original = readingOf(duplicate.duplicateOf ?? '');
    const reused = readingOf(duplicate.file);
    expect(reused.transRef).toBe(original.transRef);
    expect(reused.sha256).not.toBe(original.sha256);
  });

  it('is more confident about genuine slips than about anything else', () => {
    const genuine = manifest.filter((m) => m.kind === 'slip').map((m) => readingOf(m.file).confidence);
    const others = ['no_slip_photo', 'blank_image'].map((k) => readingOf(entry(k).file).confidence);
    expect(Math.min(...genuine)).toBeGreaterThan(Math.max(...others));
  });
});

describe.skipIf(haveFixtures)('slip reader fixtures', () => {
  it(`skipped: no fixtures at ${fixturesDir} (expected ../shared/fixtures/slips next to the repository)`, () => {
    expect(haveFixtures).toBe(false);
  });
});
