/**
 * Peak resident memory per named phase, sampled every `intervalMs`: of this process by default (the
 * bench's, which runs the app through tsx beside the fakes), or of what `read` returns (another
 * process's RSS, in bytes; undefined when there is none to read).
 */
export interface RssSampler {
  /** Starts a named phase; until the next start (or stop) samples count for it. */
  phase(name: string): void;
  /** Counts a reading taken another way (a process's own peak) for the current phase. */
  note(bytes: number): void;
  stop(): void;
  /** Peak MB per phase, in the order the phases ran. */
  peaks(): Record<string, number>;
  overallMb(): number;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export function startRssSampler(intervalMs = 100, read: () => number | undefined = () => process.memoryUsage.rss()): RssSampler {
  const peaks = new Map<string, number>();
  let current: string | undefined;
  let overall = 0;
  const count = (bytes: number) => {
    overall = Math.max(overall, bytes);
    if (current) peaks.set(current, Math.max(peaks.get(current) ?? 0, bytes));
  };
  const sample = () => {
    const rss = read();
    if (rss !== undefined) count(rss);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    phase(name) {
      sample();
      current = name;
      sample();
    },
    note: count,
    stop() {
      sample();
      current = undefined;
      clearInterval(timer);
    },
    peaks: () => Object.fromEntries([...peaks].map(([k, v]) => [k, mb(v)])),
    overallMb: () => mb(overall),
  };
}
