/** Which warehouse supplies how much of each line: pure, so the policy is unit-tested apart from the database. */

export interface AllocationLine {
  lineKey: number;
  variantId: number;
  qty: number;
}

export interface AvailableStock {
  warehouseId: number;
  priority: number;
  variantId: number;
  available: number;
}

export interface Allocation {
  lineKey: number;
  variantId: number;
  warehouseId: number;
  qty: number;
}

export type AllocationResult =
  | { ok: true; allocations: Allocation[] }
  | { ok: false; shortages: { variantId: number; requested: number; available: number }[] };

/**
 * Prefers the highest-priority warehouse that can ship the whole order (one parcel); failing that,
 * supplies each line from the highest-priority warehouses that have it, splitting a line only when
 * no single warehouse holds enough. Lines of the same variant share one pool of stock.
 */
export function allocate(lines: AllocationLine[], stock: AvailableStock[]): AllocationResult {
  const byPriority = [...stock].sort((a, b) => b.priority - a.priority || a.warehouseId - b.warehouseId);
  const needed = new Map<number, number>();
  for (const l of lines) needed.set(l.variantId, (needed.get(l.variantId) ?? 0) + l.qty);

  const shortages = [...needed]
    .map(([variantId, requested]) => ({
      variantId,
      requested,
      available: byPriority.filter((s) => s.variantId === variantId).reduce((n, s) => n + Math.max(0, s.available), 0),
    }))
    .filter((s) => s.available < s.requested);
  if (shortages.length > 0) return { ok: false, shortages };

  const warehouseIds = [...new Set(byPriority.map((s) => s.warehouseId))];
  const single = warehouseIds.find((w) =>
    [...needed].every(([variantId, qty]) => availableAt(byPriority, w, variantId) >= qty),
  );
  if (single !== undefined) {
    return { ok: true, allocations: lines.map((l) => ({ ...l, warehouseId: single })) };
  }

  const remaining = new Map(byPriority.map((s) => [`${s.warehouseId}:${s.variantId}`, Math.max(0, s.available)]));
  const allocations: Allocation[] = [];
  for (const line of lines) {
    const candidates = byPriority.filter((s) => s.variantId === line.variantId);
    const whole = candidates.find((s) => (remaining.get(`${s.warehouseId}:${s.variantId}`) ?? 0) >= line.qty);
    let left = line.qty;
    for (const s of whole ? [whole] : candidates) {
      const key = `${s.warehouseId}:${s.variantId}`;
      const take = Math.min(left, remaining.get(key) ?? 0);
      if (take <= 0) continue;
      remaining.set(key, (remaining.get(key) ?? 0) - take);
      allocations.push({ lineKey: line.lineKey, variantId: line.variantId, warehouseId: s.warehouseId, qty: take });
      left -= take;
      if (left === 0) break;
    }
  }
  return { ok: true, allocations };
}

function availableAt(stock: AvailableStock[], warehouseId: number, variantId: number): number {
  return stock.find((s) => s.warehouseId === warehouseId && s.variantId === variantId)?.available ?? 0;
}
