import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { AppError } from '../../errors.ts';

/** What one entry of an uploaded workbook may inflate to, and all entries together. */
export const MAX_ZIP_ENTRY_BYTES = 64 * 1024 * 1024;
export const MAX_ZIP_TOTAL_BYTES = 160 * 1024 * 1024;
const MAX_ZIP_ENTRIES = 2_000;

const refuse = (message: string) => new AppError('IMPORT_FILE_INVALID', message, { reason: 'zipBomb' });
const bad = () => new AppError('IMPORT_FILE_INVALID', 'The workbook could not be read', { reason: 'badXlsx' });

/**
 * Checks a ZIP (an XLSX workbook) before anything reads it: every entry is inflated once, counting
 * bytes and keeping none, and the file is refused as soon as one entry passes MAX_ZIP_ENTRY_BYTES or
 * all together pass MAX_ZIP_TOTAL_BYTES. The sizes the file declares are not trusted.
 */
export async function checkZipBounds(buf: Buffer): Promise<void> {
  // The end-of-central-directory record is in the last 64 KB (+22 bytes).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad();
  const entries = buf.readUInt16LE(eocd + 10);
  if (entries > MAX_ZIP_ENTRIES) throw refuse(`The workbook has more than ${MAX_ZIP_ENTRIES} parts`);
  let at = buf.readUInt32LE(eocd + 16);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw bad();
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    at += 46 + nameLength + extraLength + commentLength;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw bad();
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, Math.min(buf.length, start + compressed));
    const size = method === 0 ? data.length : method === 8 ? await inflatedSize(data, MAX_ZIP_ENTRY_BYTES) : -1;
    if (size < 0) throw bad();
    if (size > MAX_ZIP_ENTRY_BYTES) throw refuse(`A part of the workbook inflates to more than ${MAX_ZIP_ENTRY_BYTES / 1024 / 1024} MB`);
    total += size;
    if (total > MAX_ZIP_TOTAL_BYTES) throw refuse(`The workbook inflates to more than ${MAX_ZIP_TOTAL_BYTES / 1024 / 1024} MB`);
  }
}

/** Bytes `data` inflates to, stopping (with limit + 1) once past limit; -1 when it is not deflate data. */
function inflatedSize(data: Buffer, limit: number): Promise<number> {
  return new Promise((resolve) => {
    let size = 0;
    const inflate = createInflateRaw();
    const done = (n: number) => {
      inflate.removeAllListeners('data');
      inflate.destroy();
      resolve(n);
    };
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) done(limit + 1);
    });
    inflate.on('end', () => done(size));
    inflate.on('error', () => done(-1));
    Readable.from([data]).pipe(inflate);
  });
}
