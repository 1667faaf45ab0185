// Reads a payment slip image: the verification QR and the printed text (tesseract.js, Thai +
// English), cross-checked field by field. The pixel work runs in image threads (image-pool.ts),
// OCR in tesseract.js's own workers (ocr-pool.ts); every CPU-heavy step takes its turn from one
// budget shared by all reads in the process, so the main thread only orchestrates.

import { ImageRejectedError, inspectImage } from '../../../lib/image-guard.ts';
import { mergeSettled, settleFields, slipScore, REVIEW_BELOW, type SettledFields, type SlipField } from './cross-check.ts';
import { createImagePool, slipBudget } from './image-pool.ts';
import type { Orientation, PrepareResult } from './image-tasks.ts';
import { createOcrPool, defaultOcrWorkers, type OcrLine, type OcrResult } from './ocr-pool.ts';
import { parseSlipQr, type SlipQr } from './slip-qr.ts';
import { nameInLine, namesMatch } from './names.ts';
import { REF_LABEL, type SlipParty } from './slip-text.ts';
import { normalizeThaiText } from './thai.ts';

export type { SlipField } from './cross-check.ts';

export type SlipReading = {
  /** Sending bank, short name (`KBANK`): from the QR when there is one. */
  bank: string | null;
  /** Satang. */
  amount: number | null;
  datetime: Date | null;
  transRef: string | null;
  receiver: SlipParty | null;
  sender: SlipParty | null;
  qr: { payload: string; crcValid: boolean } | null;
  /** 0..1: how much of the slip was read and how well it hangs together. */
  confidence: number;
  /** Per field, 0..1: how sure the reader is of the value (0 when there is none). */
  fieldConfidence: Record<SlipField, number>;
  /** Fields that matter for a payment (amount, receiver, datetime) read with confidence under REVIEW_BELOW. */
  review: SlipField[];
  /** Printed values that disagreed with what the QR or reference encodes, which won. */
  disagreements: Array<{ field: 'bank' | 'datetime' | 'transRef'; printed: string; encoded: string }>;
  rawText: string;
  sha256: string;
  isSlip: boolean;
};

export { REVIEW_BELOW };

export type SlipReaderLogger = {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
};

export type SlipReaderOptions = {
  /** Thai + English OCR workers; default by memory and cores (defaultOcrWorkers: one on a small machine or two cores). */
  workers?: number;
  logger?: SlipReaderLogger;
  /** Stop idle OCR workers and image threads after this long (default 10 min / 30 s). */
  idleMs?: number;
};

export type SlipReader = {
  /** Starts the OCR workers now (they otherwise start with the first read). */
  ready(): Promise<void>;
  /** Throws ImageRejectedError for bytes that are not a usable image. */
  read(bytes: Buffer): Promise<SlipReading>;
  close(): Promise<void>;
};

const silentLogger: SlipReaderLogger = { info() {}, warn() {}, error() {}, debug() {} };

type Prepared = Extract<PrepareResult, { ocrImage: unknown }>;

type Pass = { prepared: Prepared; ocr: OcrResult; text: string; rawText: string; settled: SettledFields };

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Where the printed reference is: right of its label, or the next line.
 * Only needed when there is no QR; Thai+English OCR garbles mixed-case
 * references (SCB's 25 characters) that English alone reads cleanly.
 */
function findRefBox(lines: OcrLine[], width: number): { x0: number; y0: number; x1: number; y1: number } | null {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const normalized = normalizeThaiText(line.text);
    const label = REF_LABEL.exec(normalized);
    if (!label) continue;
    const labelEnd = normalized.slice(0, label.index + label[0].length).replace(/\s+/g, '').length;
    let seen = 0;
    const after = line.words.filter((w) => {
      seen += normalizeThaiText(w.text).replace(/\s+/g, '').length;
      return seen > labelEnd && /[A-Za-z0-9]/.test(w.text);
    });
    const pad = (line.box.y1 - line.box.y0) * 0.35;
    const first = after[0];
    if (first && after.reduce((n, w) => n + w.text.length, 0) >= 8) {
      return { x0: first.box.x0 - pad, y0: line.box.y0 - pad, x1: Math.min(width, line.box.x1 + pad * 3), y1: line.box.y1 + pad };
    }
    const next = lines[i + 1];
    if (next && /[A-Za-z0-9]{6,}/.test(next.text.replace(/\s+/g, ''))) {
      return { x0: next.box.x0 - pad, y0: next.box.y0 - pad, x1: Math.min(width, next.box.x1 + pad * 3), y1: next.box.y1 + pad };
    }
  }
  return null;
}

export function createSlipReader(options: SlipReaderOptions = {}): SlipReader {
  const logger = options.logger ?? silentLogger;
  const workers = Math.max(1, Math.floor(options.workers ?? defaultOcrWorkers()));
  const ocr = createOcrPool({ size: workers, budget: slipBudget, logger, idleMs: options.idleMs });
  // As many image threads as OCR workers: OCR is the slower step, so more would only hold memory.
  const images = createImagePool({
    size: Math.min(slipBudget.size, workers),
    budget: slipBudget,
    idleMs: options.idleMs === undefined ? undefined : Math.min(options.idleMs, 30_000),
  });
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();

  async function recognise(prepared: Prepared, qr: SlipQr | null, layout: 'block' | 'column' = 'block'): Promise<Pass> {
    const pages = await Promise.all(prepared.pieces.map((p) => ocr.readPage(p.png, p.top, layout)));
    const result: OcrResult = {
      text: pages.map((p) => p.text.trimEnd()).join('\n'),
      confidence: pages.reduce((n, p) => n + p.confidence, 0) / Math.max(1, pages.length),
      lines: pages.flatMap((p) => p.lines),
    };
    const text = normalizeThaiText(result.text);
    const settled = settleFields({
      text,
      lineConfidence: result.lines.map((l) => l.confidence),
      lineHeight: result.lines.map((l) => l.box.y1 - l.box.y0),
      qr,
      ocrConfidence: result.confidence,
    });
    return { prepared, ocr: result, text, rawText: text, settled };
  }

  async function prepare(bytes: Buffer, turn?: number): Promise<PrepareResult> {
    const result = await images.run({ kind: 'prepare', bytes, turn, skipQr: turn !== undefined });
    if (result.kind !== 'prepare') throw new Error('image thread answered the wrong task');
    return result;
  }

  /**
   * The receiver's name line read again on its own, at two sizes, when a letter of it was
   * read unsurely: Thai vowels and tone marks are what OCR gets wrong, and it knows when it
   * is unsure. A re-reading replaces the name only when its least sure letter is surer, and
   * it is recognisably the same name.
   */
  async function rereadReceiver(bytes: Buffer, pass: Pass): Promise<SettledFields['receiver'] | null> {
    const receiver = pass.settled.receiver.value;
    if (!receiver?.name) return null;
    const body = receiver.name.split(' ').slice(1).join(' ');
    const line = pass.ocr.lines.find((l) => normalizeThaiText(l.text).includes(body.split(' ')[0] ?? '\u0000'));
    if (!line) return null;
    // The line's letters from the title on (a label may stand before it).
    const glyphs = line.words.filter((w) => /[\u0E01-\u0E4E]/.test(w.text));
    const start = glyphs.find((g) => normalizeThaiText(g.text).startsWith(receiver.name!.slice(0, 1)))?.box.x0 ?? line.box.x0;
    const nameGlyphs = glyphs.filter((w) => w.box.x0 >= start);
    const least = Math.min(...nameGlyphs.map((w) => w.confidence));
    if (!Number.isFinite(least) || least >= 70) return null;
    const x0 = Math.min(...nameGlyphs.map((w) => w.box.x0));
    const pad = (line.box.y1 - line.box.y0) * 0.4;
    const box = { x0: Math.max(0, x0 - 4 * pad), y0: line.box.y0 - pad, x1: line.box.x1 + pad, y1: line.box.y1 + pad };
    let best = { name: receiver.name, confidence: least };
    for (const height of [48, 96]) {
      const cut = await images.run({ kind: 'line', bytes, geometry: pass.prepared.geometry, box, height, binarize: false });
      if (cut.kind !== 'line' || !cut.png) continue;
      const read = await ocr.readLine(cut.png);
      const name = nameInLine(read.text);
      if (name && read.confidence > best.confidence && namesMatch(name, receiver.name)) best = { name, confidence: read.confidence };
    }
    if (best.name === receiver.name) return null;
    return { value: { ...receiver, name: best.name }, confidence: pass.settled.receiver.confidence };
  }

  async function readSlip(bytes: Buffer): Promise<SlipReading> {
    const started = performance.now();
    const inspection = await inspectImage(bytes);
    if (!inspection.ok) throw new ImageRejectedError(inspection.code, inspection.message);
    const sha256 = inspection.sha256;
    const notASlip: SlipReading = {
      bank: null,
      amount: null,
      datetime: null,
      transRef: null,
      receiver: null,
      sender: null,
      qr: null,
      confidence: 0,
      fieldConfidence: { bank: 0, amount: 0, datetime: 0, transRef: 0, receiver: 0 },
      review: [],
      disagreements: [],
      rawText: '',
      sha256,
      isSlip: false,
    };

    const first = await prepare(bytes);
    if (first.flat) {
      logger.debug({ sha256 }, 'flat image, nothing to read');
      return notASlip;
    }
    if ('refused' in first) {
      logger.debug({ sha256, why: first.refused }, 'not a slip shape, not read');
      return notASlip;
    }
    const qr = first.qr ? parseSlipQr(first.qr) : null;
    const ocrStarted = performance.now();
    let pass = await recognise(first, qr);
    const ocrMs = performance.now() - ocrStarted;

    // Without the QR's word for which way is up, a page read upside down
    // yields junk: read it the other way round and keep the better reading.
    let turned = false;
    if (first.orientation.source !== 'qr' && !pass.settled.looksLikeSlip) {
      const other = await prepare(bytes, 180);
      if (!other.flat && !('refused' in other)) {
        const second = await recognise(other, qr);
        if (slipScore(second.settled) > slipScore(pass.settled)) {
          pass = second;
          turned = true;
        }
      }
    }

    // Amount or time missing: a line of another size (a big amount in a
    // coloured header) may have been skipped. Read the page again with
    // line sizes free; a field of that reading is taken only where it is
    // surer than the first's.
    let reread = false;
    if (pass.settled.amount.value === null || pass.settled.datetime.value === null) {
      const again = await recognise(pass.prepared, qr, 'column');
      pass = { ...pass, rawText: `${pass.rawText.trimEnd()}\n${again.text}`, settled: mergeSettled(pass.settled, again.settled) };
      reread = true;
    }

    // Without a QR the printed reference is all there is: read it again,
    // alone and as letters and digits only, where tesseract gets mixed-case
    // ids right. It replaces the first reading only when it is better by the
    // same checks.
    let refFromLine: { text: string; confidence: number } | null = null;
    let refBox: ReturnType<typeof findRefBox> = null;
    if (!qr && pass.settled.amount.value !== null) {
      const box = findRefBox(pass.ocr.lines, pass.prepared.ocrImage.width);
      refBox = box;
      if (box) {
        const line = await images.run({ kind: 'line', bytes, geometry: pass.prepared.geometry, box, height: 96, binarize: true });
        if (line.kind === 'line' && line.png) {
          const read = await ocr.readRefLine(line.png);
          if (/^[A-Za-z0-9]{10,32}$/.test(read.text) && /\d{4}/.test(read.text)) refFromLine = read;
        }
      }
      if (refFromLine && refFromLine.text !== pass.settled.transRef.value) {
        const again = settleFields({
          text: pass.text,
          lineConfidence: pass.ocr.lines.map((l) => l.confidence),
          qr,
          ocrConfidence: pass.ocr.confidence,
          refFromLine,
        });
        if (again.transRef.value === refFromLine.text) {
          const datetime = again.datetime.confidence > pass.settled.datetime.confidence ? again.datetime : pass.settled.datetime;
          pass = { ...pass, rawText: `${pass.rawText.trimEnd()}\nRef: ${refFromLine.text}\n`, settled: { ...pass.settled, transRef: again.transRef, datetime } };
        }
      }
    }

    const nameReread = await rereadReceiver(bytes, pass);
    if (nameReread) pass = { ...pass, settled: { ...pass.settled, receiver: nameReread } };

    const s = pass.settled;
    const fieldConfidence: Record<SlipField, number> = {
      bank: round2(s.bank.confidence),
      amount: round2(s.amount.confidence),
      datetime: round2(s.datetime.confidence),
      transRef: round2(s.transRef.confidence),
      receiver: round2(s.receiver.confidence),
    };
    const review = (['amount', 'receiver', 'datetime'] as const).filter((f) => fieldConfidence[f] < REVIEW_BELOW);
    const orientation: Orientation = pass.prepared.orientation;
    logger.debug(
      {
        sha256,
        ms: Math.round(performance.now() - started),
        orientation: { ...orientation, turned },
        imageMs: pass.prepared.ms,
        ocrMs: Math.round(ocrMs),
        dark: pass.prepared.dark,
        trimmed: pass.prepared.trimmed,
        input: pass.prepared.input,
        ocrSize: { width: pass.prepared.ocrImage.width, height: pass.prepared.ocrImage.height },
        qr: qr ? { bank: qr.bankShort, crcValid: qr.crcValid } : null,
        reread,
        nameReread: nameReread !== null,
        refFromLine,
        refBox,
        fieldConfidence,
      },
      'slip read',
    );
    return {
      bank: s.bank.value,
      amount: s.amount.value,
      datetime: s.datetime.value,
      transRef: s.transRef.value,
      receiver: s.receiver.value,
      sender: s.sender,
      qr: qr ? { payload: qr.payload, crcValid: qr.crcValid } : null,
      confidence: round2(s.overall),
      fieldConfidence,
      review,
      disagreements: s.disagreements,
      rawText: pass.rawText,
      sha256,
      isSlip: s.isSlip,
    };
  }

  return {
    async ready() {
      await ocr.ready();
    },
    read(bytes) {
      if (closed) return Promise.reject(new Error('slip reader is closed'));
      const job = readSlip(bytes);
      inFlight.add(job);
      const forget = (): void => {
        inFlight.delete(job);
      };
      job.then(forget, forget);
      return job;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Reads already started finish; stopping the workers under them would
      // leave their promises hanging forever.
      await Promise.allSettled([...inFlight]);
      await Promise.all([ocr.close(), images.close()]);
    },
  };
}
