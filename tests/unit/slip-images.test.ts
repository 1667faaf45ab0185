import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '#src/config.ts';
import { estimateTextOrientation, firstChannel, type Gray } from '#src/modules/payments/slips/image-ops.ts';
import { turnPoint } from '#src/modules/payments/slips/qr-image.ts';
import { createBudget } from '#src/lib/budget.ts';
import { MAX_ENLARGEMENT, OCR_MAX_PIXELS, OCR_WIDTH, planOcrSize } from '#src/modules/payments/slips/image-tasks.ts';
import { defaultOcrIdleMs, defaultOcrWorkers } from '#src/modules/payments/slips/ocr-pool.ts';
import { usableMemory } from '#src/lib/memory.ts';
import { loadSlipManifest, readSlipFixture } from '../fixtures/slips/fixtures.ts';

const GB = 2 ** 30;

describe('the size a slip is read at', () => {
  it('brings a screenshot to OCR width', () => {
    expect(planOcrSize(1080, 2400)).toEqual({ width: OCR_WIDTH, height: Math.round((2400 * OCR_WIDTH) / 1080) });
  });

  it('never enlarges a small image (MAX_ENLARGEMENT is 1)', () => {
    expect(MAX_ENLARGEMENT).toBe(1);
    expect(planOcrSize(200, 400)).toEqual({ width: 200, height: 400 });
    expect(planOcrSize(639, 1384)).toEqual({ width: 639, height: 1384 });
  });

  it('never gives OCR more than OCR_MAX_PIXELS, however long the slip', () => {
    const size = planOcrSize(600, 2900)!;
    expect(size.width * size.height).toBeLessThanOrEqual(OCR_MAX_PIXELS * 1.001);
    expect(size.width).toBeLessThan(OCR_WIDTH);
  });

  it('does not read a strip no slip is shaped like, in either direction', () => {
    expect(planOcrSize(240, 104_000)).toBeNull();
    expect(planOcrSize(9000, 300)).toBeNull();
  });
});

describe('turning points with the image', () => {
  it('follows a quarter turn clockwise and back', () => {
    const p = { x: 10, y: 20 };
    const turned = turnPoint(p, 100, 200, 90, 0);
    expect(turned).toEqual({ x: 179, y: 10 });
    expect(turnPoint(turned, 200, 100, 270, 0)).toEqual(p);
    expect(turnPoint(p, 100, 200, 180, 0)).toEqual({ x: 89, y: 179 });
  });

  it('follows a small turn about the centre on the grown canvas', () => {
    const centre = turnPoint({ x: 50, y: 100 }, 100, 200, 0, 20);
    const t = (20 * Math.PI) / 180;
    expect(centre.x).toBeCloseTo((100 * Math.cos(t) + 200 * Math.sin(t)) / 2, 6);
    expect(centre.y).toBeCloseTo((100 * Math.sin(t) + 200 * Math.cos(t)) / 2, 6);
  });
});

describe('which way the text runs', () => {
  const slip = readSlipFixture(loadSlipManifest().find((e) => e.file.startsWith('19_'))!);
  const small = async (degrees: number): Promise<Gray> => {
    const { data, info } = await sharp(slip)
      .rotate(degrees, { background: '#808080' })
      .grayscale()
      .resize({ width: 400, height: 400, fit: 'inside' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: firstChannel(data, info.channels), width: info.width, height: info.height };
  };

  it.each([-20, -10, 0, 10, 20])('finds a %d degree tilt', async (degrees) => {
    const found = estimateTextOrientation(await small(degrees));
    expect(found?.sideways).toBe(false);
    expect(Math.abs((found?.skew ?? 99) - degrees)).toBeLessThanOrEqual(1);
  });

  it.each([90, 270])('sees a page turned %d degrees lying on its side', async (degrees) => {
    expect(estimateTextOrientation(await small(degrees))?.sideways).toBe(true);
  });
});

describe('OCR workers and the shared budget', () => {
  it('counts a container memory limit as the machine size: a 1 GB container on a 24 GB host is a small machine', () => {
    expect(usableMemory(24 * GB, 1 * GB)).toBe(1 * GB);
    expect(defaultOcrWorkers(usableMemory(24 * GB, 1 * GB), 2)).toBe(1);
    // No limit: reported as 0 by some versions, as a huge number (an unlimited cgroup) by others.
    expect(usableMemory(24 * GB, 0)).toBe(24 * GB);
    expect(usableMemory(24 * GB, 2 ** 64)).toBe(24 * GB);
  });

  it('lets the workers go after two quiet minutes on a small server, ten on a bigger one', () => {
    expect(defaultOcrIdleMs(1 * GB)).toBe(2 * 60_000);
    expect(defaultOcrIdleMs(usableMemory(24 * GB, 1 * GB))).toBe(2 * 60_000);
    expect(defaultOcrIdleMs(8 * GB)).toBe(10 * 60_000);
  });

  it('keeps one OCR worker on a small machine or two cores, and two on a bigger one', () => {
    expect(defaultOcrWorkers(1 * GB, 2)).toBe(1);
    expect(defaultOcrWorkers(2 * GB, 4)).toBe(1);
    expect(defaultOcrWorkers(8 * GB, 1)).toBe(1);
    expect(defaultOcrWorkers(24 * GB, 2)).toBe(1);
    expect(defaultOcrWorkers(8 * GB, 3)).toBe(1);
    expect(defaultOcrWorkers(8 * GB, 4)).toBe(2);
    expect(defaultOcrWorkers(24 * GB, 16)).toBe(2);
  });

  it('reads OCR_WORKERS from the environment, leaving it to memory when unset', () => {
    expect(loadConfig({}).ocrWorkers).toBeUndefined();
    expect(loadConfig({ OCR_WORKERS: '3' }).ocrWorkers).toBe(3);
    expect(() => loadConfig({ OCR_WORKERS: '0' })).toThrow(ConfigError);
  });

  it('runs no more steps at once than its size, in the order they came', async () => {
    const budget = createBudget(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const steps = Array.from({ length: 5 }, (_, i) =>
      budget.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([0, 1]);
    expect(budget.waiting).toBe(3);
    while (gates.length || order.length < 5) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(steps)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });
});
