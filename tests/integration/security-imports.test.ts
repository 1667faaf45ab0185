// Issue 23, finding 3: an import can never freeze the app. A 20 MB XLSX zip bomb and a 9-million-row
// CSV are refused in seconds, with little memory, read off the thread that answers requests.
import { constants, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '#src/errors.ts';
import { MAX_IMPORT_ROWS, readTable } from '#src/modules/imports/table.ts';
import { parseProductCsv } from '#src/modules/catalog/csv.ts';

/** A ZIP holding the given (already deflated) entries; CRCs are left 0, as a bomb's would be. */
function zip(entries: { name: string; deflated: Buffer; size: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.deflated.length, 18);
    local.writeUInt32LE(e.size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.deflated.length, 20);
    central.writeUInt32LE(e.size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.deflated);
    centrals.push(central, name);
    offset += 30 + name.length + e.deflated.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** About `bytes` of deflate data that inflates ~1000 times larger: flushed blocks of spaces repeated, then a final empty block. */
function bombStream(bytes: number): { deflated: Buffer; size: number } {
  const block = deflateRawSync(Buffer.alloc(1024 * 1024, 0x20), { finishFlush: constants.Z_FULL_FLUSH });
  const n = Math.floor(bytes / block.length);
  return { deflated: Buffer.concat([...Array.from({ length: n }, () => block), Buffer.from([0x03, 0x00])]), size: n * 1024 * 1024 };
}

/** Runs fn while sampling this process's resident memory; returns fn's outcome and the peak growth. */
async function measured<T>(fn: () => Promise<T>): Promise<{ outcome: T | Error; growthMb: number; ms: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  let outcome: T | Error;
  try {
    outcome = await fn();
  } catch (err) {
    outcome = err as Error;
  }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { outcome, growthMb: (peak - before) / 1024 / 1024, ms: performance.now() - started };
}

describe('imports that would freeze the app', () => {
  it('refuses a 20 MB XLSX zip bomb before reading it, with little memory', async () => {
    const sheet = bombStream(19 * 1024 * 1024);
    const bomb = zip([
      { name: '[Content_Types].xml', ...(() => { const x = Buffer.from('<?xml version="1.0"?><Types/>'); return { deflated: deflateRawSync(x), size: x.length }; })() },
      { name: 'xl/worksheets/sheet1.xml', ...sheet },
    ]);
    expect(bomb.length).toBeGreaterThan(18 * 1024 * 1024);
    const { outcome, growthMb, ms } = await measured(() => readTable(bomb));
    expect(isAppError(outcome, 'IMPORT_FILE_INVALID')).toBe(true);
    expect((outcome as { details?: { reason?: string } }).details?.reason).toBe('zipBomb');
    expect(growthMb).toBeLessThan(100);
    console.info(`XLSX bomb (${(bomb.length / 1024 / 1024).toFixed(1)} MB) refused in ${Math.round(ms)} ms, RSS +${growthMb.toFixed(0)} MB`);
  });

  it('refuses a 9-million-row CSV at the row limit, with little memory', async () => {
    const csv = Buffer.from(`sku\n${'a\n'.repeat(9_000_000)}`);
    const { outcome, growthMb, ms } = await measured(() => readTable(csv));
    expect(isAppError(outcome, 'IMPORT_FILE_INVALID')).toBe(true);
    expect((outcome as { details?: { reason?: string } }).details?.reason).toBe('tooManyRows');
    expect(growthMb).toBeLessThan(100);
    console.info(`9-million-row CSV (${(csv.length / 1024 / 1024).toFixed(1)} MB) refused in ${Math.round(ms)} ms, RSS +${growthMb.toFixed(0)} MB`);
    // The product CSV stops at its own limit too.
    const products = Buffer.from(`sku,product_name_th,price\n${'A,ก,1\n'.repeat(1_000_000)}`);
    expect(() => parseProductCsv(products)).toThrow(/More than 20000 rows/);
  });

  it('still reads an ordinary workbook and CSV, up to the row limit', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('คำสั่งซื้อ');
    ws.addRow(['เลขที่', 'ชื่อ', 'ยอด', 'วันที่']);
    ws.addRow(['S-1001', 'สมหญิง ใจดี', 320.5, new Date('2026-11-30T03:00:00Z')]);
    ws.addRow(['S-1002', { richText: [{ text: 'วิภา ' }, { text: 'สุขใจ' }] }, { formula: 'C2*2', result: 641 }, null]);
    const table = await readTable(Buffer.from(await wb.xlsx.writeBuffer()));
    expect(table.headers).toEqual(['เลขที่', 'ชื่อ', 'ยอด', 'วันที่']);
    expect(table.rows).toEqual([
      { line: 2, cells: { เลขที่: 'S-1001', ชื่อ: 'สมหญิง ใจดี', ยอด: '320.5', วันที่: '2026-11-30T03:00:00.000Z' } },
      { line: 3, cells: { เลขที่: 'S-1002', ชื่อ: 'วิภา สุขใจ', ยอด: '641', วันที่: '' } },
    ]);
    const full = await readTable(Buffer.from(`sku,qty\n${'A,1\n'.repeat(MAX_IMPORT_ROWS)}`));
    expect(full.rows).toHaveLength(MAX_IMPORT_ROWS);
    await expect(readTable(Buffer.from(`sku,qty\n${'A,1\n'.repeat(MAX_IMPORT_ROWS + 1)}`))).rejects.toMatchObject({ details: { reason: 'tooManyRows' } });
  });
});
