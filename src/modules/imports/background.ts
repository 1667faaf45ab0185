import type { Logger } from 'pino';

/**
 * Imports applied after the request that started them has answered. They run in this process; the
 * page follows their progress in the database (import_runs.processed_rows), so any instance can show it.
 * A run cut short by a restart stays 'running' with the rows it finished recorded.
 */
const running = new Set<Promise<void>>();

export function runInBackground(task: () => Promise<void>, logger: Pick<Logger, 'error'>): void {
  const p = (async () => {
    // Let the request that started it answer first.
    await new Promise((resolve) => setImmediate(resolve));
    await task();
  })()
    .catch((err: unknown) => logger.error({ err }, 'background import failed'))
    .finally(() => running.delete(p));
  running.add(p);
}

/** Resolves when no import is running in this process (tests, and a clean shutdown). */
export async function importsIdle(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

/** A row result's message: a text code and its parameters, shown in the language of whoever reads it. */
export function rowMessage(code: string, params: Record<string, string | number> = {}): string {
  return JSON.stringify({ code, params });
}
