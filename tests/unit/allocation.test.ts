import { describe, expect, it } from 'vitest';
import { allocate, type AvailableStock } from '#src/modules/inventory/allocation.ts';

const BKK = 1;
const CNX = 2;
const stock = (rows: [warehouseId: number, priority: number, variantId: number, available: number][]): AvailableStock[] =>
  rows.map(([warehouseId, priority, variantId, available]) => ({ warehouseId, priority, variantId, available }));

describe('allocate', () => {
  it('ships the whole order from the highest-priority warehouse that can', () => {
    const result = allocate(
      [{ lineKey: 0, variantId: 10, qty: 2 }, { lineKey: 1, variantId: 11, qty: 1 }],
      stock([[BKK, 10, 10, 5], [BKK, 10, 11, 5], [CNX, 5, 10, 5], [CNX, 5, 11, 5]]),
    );
    expect(result).toEqual({
      ok: true,
      allocations: [
        { lineKey: 0, variantId: 10, qty: 2, warehouseId: BKK },
        { lineKey: 1, variantId: 11, qty: 1, warehouseId: BKK },
      ],
    });
  });

  it('prefers one parcel from a lower-priority warehouse over splitting', () => {
    const result = allocate(
      [{ lineKey: 0, variantId: 10, qty: 2 }, { lineKey: 1, variantId: 11, qty: 1 }],
      stock([[BKK, 10, 10, 5], [BKK, 10, 11, 0], [CNX, 5, 10, 5], [CNX, 5, 11, 5]]),
    );
    expect(result.ok && result.allocations.every((a) => a.warehouseId === CNX)).toBe(true);
  });

  it('supplies each line from wherever it is when no warehouse has everything', () => {
    const result = allocate(
      [{ lineKey: 0, variantId: 10, qty: 2 }, { lineKey: 1, variantId: 11, qty: 1 }],
      stock([[BKK, 10, 10, 5], [CNX, 5, 11, 5]]),
    );
    expect(result).toEqual({
      ok: true,
      allocations: [
        { lineKey: 0, variantId: 10, qty: 2, warehouseId: BKK },
        { lineKey: 1, variantId: 11, qty: 1, warehouseId: CNX },
      ],
    });
  });

  it('splits a line across warehouses only when no single one holds enough', () => {
    const result = allocate([{ lineKey: 0, variantId: 10, qty: 7 }], stock([[BKK, 10, 10, 4], [CNX, 5, 10, 4]]));
    expect(result).toEqual({
      ok: true,
      allocations: [
        { lineKey: 0, variantId: 10, warehouseId: BKK, qty: 4 },
        { lineKey: 0, variantId: 10, warehouseId: CNX, qty: 3 },
      ],
    });
  });

  it('reports every shortage and allocates nothing when stock is short', () => {
    const result = allocate(
      [{ lineKey: 0, variantId: 10, qty: 9 }, { lineKey: 1, variantId: 11, qty: 1 }, { lineKey: 2, variantId: 12, qty: 1 }],
      stock([[BKK, 10, 10, 4], [CNX, 5, 10, 4], [BKK, 10, 11, 1]]),
    );
    expect(result).toEqual({
      ok: false,
      shortages: [
        { variantId: 10, requested: 9, available: 8 },
        { variantId: 12, requested: 1, available: 0 },
      ],
    });
  });
});
