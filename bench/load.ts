/** A small closed-loop load generator: `concurrency` workers send `requests` in total and time each one. */
export interface LoadResult {
  requests: number;
  durationMs: number;
  perSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  statuses: Record<number, number>;
}

export async function runLoad(opts: {
  requests: number;
  concurrency: number;
  send: (i: number) => Promise<number>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < opts.requests; i = next++) {
      const t0 = performance.now();
      const status = await opts.send(i).catch(() => 0);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const durationMs = performance.now() - started;
  return {
    requests: opts.requests,
    durationMs,
    perSec: (opts.requests / durationMs) * 1000,
    p50Ms: percentile(latencies, 0.5),
    p95Ms: percentile(latencies, 0.95),
    p99Ms: percentile(latencies, 0.99),
    statuses,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
