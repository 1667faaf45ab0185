/**
 * Peak resident memory of this process, sampled every 100 ms. The app, the pg pool and the
 * tesseract worker threads all live in the bench process, so its RSS is the app's.
 */
export interface RssSampler {
  /** Starts a named phase; until the next start (or stop) samples count for it. */
  phase(name: string): void;
  stop(): void;
  /** Peak MB per phase, in the order the phases ran. */
  peaks(): Record<string, number>;
  overallMb(): number;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export function startRssSampler(intervalMs = 100): RssSampler {
  const peaks = new Map<string, number>();
  let current: string | undefined;
  let overall = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    overall = Math.max(overall, rss);
    if (current) peaks.set(current, Math.max(peaks.get(current) ?? 0, rss));
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    phase(name) {
      sample();
      current = name;
      sample();
    },
    stop() {
      sample();
      current = undefined;
      clearInterval(timer);
    },
    peaks: () => Object.fromEntries([...peaks].map(([k, v]) => [k, mb(v)])),
    overallMb: () => mb(overall),
  };
}
