import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { BACKGROUND_NICE } from '#src/lib/thread.ts';
import { createBudget } from '#src/lib/budget.ts';
import { createImagePool } from '#src/modules/payments/slips/image-pool.ts';
import { createOcrPool } from '#src/modules/payments/slips/ocr-pool.ts';
import { WAIT_MS } from '#tests/helpers/wait.ts';

/** The nice value of each thread of this process, by thread id (Linux keeps one per thread). */
function niceByThread(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended while we looked.
    }
  }
  return out;
}
const lowered = () => [...niceByThread().values()].filter((n) => n === BACKGROUND_NICE).length;

const budget = createBudget(2);
const images = createImagePool({ size: 1, budget });
const ocr = createOcrPool({ size: 1, budget, logger: { info: () => {}, error: () => {} } });
afterAll(async () => {
  await images.close();
  await ocr.close();
});

describe('reading threads yield the cores to requests and the database', () => {
  it('runs the image thread and the OCR thread at the background priority, the main thread at the normal one', { timeout: WAIT_MS }, async () => {
    expect(BACKGROUND_NICE).toBeGreaterThan(0);
    const before = lowered();
    const png = await sharp({ create: { width: 200, height: 300, channels: 3, background: '#ffffff' } }).png().toBuffer();
    await images.run({ kind: 'prepare', bytes: new Uint8Array(png) });
    const afterImages = lowered();
    expect(afterImages).toBeGreaterThan(before);
    await ocr.ready();
    expect(lowered()).toBeGreaterThan(afterImages);
    // The process's first thread (its id is the process id) answers requests: never lowered.
    expect(niceByThread().get(process.pid)).toBe(0);
    // tesseract's thread sets the value in its own file: the same number.
    expect(readFileSync(new URL('../../src/modules/payments/slips/ocr-thread.cjs', import.meta.url), 'utf8')).toContain(`setPriority(${BACKGROUND_NICE})`);
  });
});
