import { setPriority } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Starts a worker thread on a module next to the caller. Started from source (tsx, vitest) the thread
 * is TypeScript too, so it registers tsx's loader first; from compiled JavaScript it is loaded as is.
 */
export function spawnThread(file: string, opts: { resourceLimits?: ResourceLimits; workerData?: unknown } = {}): Worker {
  if (path.extname(file) !== '.ts') return new Worker(file, opts);
  // tsx's ES entry; where import.meta.resolve is missing, the bare name resolves from the
  // working directory, which is the project's when tests and scripts run.
  let tsx = 'tsx/esm/api';
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    // Keep the bare name.
  }
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`;
  return new Worker(boot, { ...opts, eval: true });
}

/**
 * The nice value of the threads doing CPU-heavy background work (slip images, OCR, import parsing).
 * On Linux the nice value belongs to the thread, so only the calling thread is lowered: when the cores
 * are busy, the main thread (requests, webhooks, the embedded database) is scheduled first and the
 * reading waits, instead of every acknowledgement waiting behind the reading. Idle cores still run the
 * reading at full speed. ocr-thread.cjs (tesseract's thread) sets the same value.
 */
export const BACKGROUND_NICE = 10;

/** Called first in a background thread: lowers its own priority (see BACKGROUND_NICE); a system that refuses leaves it as it is. */
export function lowerThreadPriority(): void {
  try {
    setPriority(BACKGROUND_NICE);
  } catch {
    // Not permitted here (some sandboxes): the thread runs at the normal priority.
  }
}

/** The file `name` (without extension) beside `importMetaUrl`, with the caller's own extension (.ts or .js). */
export function besides(importMetaUrl: string, name: string): string {
  const here = fileURLToPath(importMetaUrl);
  return path.join(path.dirname(here), `${name}${path.extname(here)}`);
}

/**
 * Runs one task in a thread of its own, with a memory ceiling and a deadline: the thread answers once
 * ({ result } or { error }) and is ended. Running out of memory or time rejects with `limitError()`.
 */
export function runOnce<I, O>(
  file: string,
  input: I,
  opts: { timeoutMs: number; maxOldGenerationSizeMb: number; transfer?: ArrayBuffer[]; limitError: (why: 'memory' | 'time') => Error },
): Promise<O> {
  return new Promise<O>((resolve, reject) => {
    const worker = spawnThread(file, { resourceLimits: { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb, maxYoungGenerationSizeMb: 16 } });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(opts.limitError('time'))), opts.timeoutMs);
    worker.on('message', (m: { result?: O; error?: { name: string; message: string; code?: string; details?: Record<string, unknown> } }) => {
      if (m.error) {
        const e = m.error;
        finish(() => reject(Object.assign(new Error(e.message), { name: e.name, threadError: e })));
      } else finish(() => resolve(m.result as O));
    });
    worker.on('error', (err: Error & { code?: string }) =>
      finish(() => reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? opts.limitError('memory') : err)),
    );
    worker.on('exit', (code) => finish(() => reject(new Error(`thread exited (${code}) without an answer`))));
    worker.postMessage(input, opts.transfer ?? []);
  });
}
