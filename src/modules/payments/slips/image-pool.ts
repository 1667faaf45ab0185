// Image threads and the one concurrency budget (src/lib/budget.ts) every slip read in this process shares.
//
// The budget counts CPU-heavy steps (an image-thread task, one OCR recognition): at most
// `size` run at once, the rest wait in order. The threads are started on first use and
// stopped when nothing has used them for a while, so an idle app holds none.

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { createBudget, type Budget } from '../../../lib/budget.ts';
import { besides, spawnThread } from '../../../lib/thread.ts';
import type { ImageTask, ImageTaskResult } from './image-tasks.ts';

/** One per process: two readers (say, the web process's and a test's) still share the cores. */
export const slipBudget: Budget = createBudget(Math.max(1, Math.min(4, availableParallelism())));

// ---------------------------------------------------------------------------
// Threads

const threadFile = besides(import.meta.url, 'image-thread');
const spawn = () => spawnThread(threadFile);

type Pending = { resolve: (r: ImageTaskResult) => void; reject: (e: Error) => void };
type Thread = { worker: Worker; pending: Map<number, Pending> };

export type ImagePool = {
  run(task: ImageTask): Promise<ImageTaskResult>;
  /** Threads running now (0 when idle long enough). */
  readonly threads: number;
  close(): Promise<void>;
};

const IDLE_MS = 30_000;

export function createImagePool(opts: { size: number; budget: Budget; idleMs?: number }): ImagePool {
  const threads: Thread[] = [];
  const idle: Thread[] = [];
  const waiters: Array<(t: Thread) => void> = [];
  let nextId = 1;
  let idleTimer: NodeJS.Timeout | null = null;
  let closed = false;

  const start = (): Thread => {
    const worker = spawn();
    const thread: Thread = { worker, pending: new Map() };
    worker.on('message', (message: { id: number; result?: ImageTaskResult; error?: { message: string } }) => {
      const p = thread.pending.get(message.id);
      if (!p) return;
      thread.pending.delete(message.id);
      if (message.error) p.reject(new Error(message.error.message));
      else p.resolve(message.result!);
    });
    const fail = (err: Error): void => {
      for (const p of thread.pending.values()) p.reject(err);
      thread.pending.clear();
      const i = threads.indexOf(thread);
      if (i >= 0) threads.splice(i, 1);
      const j = idle.indexOf(thread);
      if (j >= 0) idle.splice(j, 1);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`image thread exited (${code})`)));
    threads.push(thread);
    return thread;
  };

  const acquire = (): Promise<Thread> => {
    const free = idle.pop();
    if (free) return Promise.resolve(free);
    if (threads.length < opts.size) return Promise.resolve(start());
    return new Promise((resolve) => waiters.push(resolve));
  };

  const release = (thread: Thread): void => {
    if (!threads.includes(thread)) return;
    const waiter = waiters.shift();
    if (waiter) return waiter(thread);
    idle.push(thread);
    // An idle thread must not keep the process alive, and is stopped after a while.
    thread.worker.unref();
    if (idle.length === threads.length) {
      idleTimer?.refresh();
      idleTimer ??= setTimeout(() => {
        idleTimer = null;
        if (idle.length !== threads.length) return;
        for (const t of idle.splice(0)) void t.worker.terminate();
        threads.length = 0;
      }, opts.idleMs ?? IDLE_MS).unref();
    }
  };

  return {
    get threads() {
      return threads.length;
    },
    run(task) {
      if (closed) return Promise.reject(new Error('image pool is closed'));
      return opts.budget.run(async () => {
        const thread = await acquire();
        thread.worker.ref();
        const id = nextId++;
        try {
          return await new Promise<ImageTaskResult>((resolve, reject) => {
            thread.pending.set(id, { resolve, reject });
            thread.worker.postMessage({ id, task });
          });
        } finally {
          release(thread);
        }
      });
    },
    async close() {
      closed = true;
      if (idleTimer) clearTimeout(idleTimer);
      await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
      idle.length = 0;
    },
  };
}
