/**
 * Runs tasks with at most `slots` at once and at most one per key (a customer); when a slot frees, the
 * key whose turn it is goes next (round robin), so a key with many tasks queues behind itself, never in
 * front of others: one customer sending 20 photos delays another's by one task at most.
 */
export interface FairQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Tasks waiting for a turn. */
  readonly waiting: number;
  readonly active: number;
}

export function createFairQueue(slots: number): FairQueue {
  const size = Math.max(1, Math.floor(slots));
  // Keys in turn order (a Map keeps insertion order); a key that just went moves to the back.
  const queued = new Map<string, (() => void)[]>();
  const running = new Set<string>();
  let active = 0;
  let waiting = 0;

  function pump(): void {
    while (active < size) {
      let key: string | undefined;
      for (const k of queued.keys()) {
        if (!running.has(k)) {
          key = k;
          break;
        }
      }
      if (key === undefined) return;
      const tasks = queued.get(key)!;
      const start = tasks.shift()!;
      if (tasks.length === 0) queued.delete(key);
      running.add(key);
      active++;
      waiting--;
      start();
    }
  }

  return {
    get waiting() {
      return waiting;
    },
    get active() {
      return active;
    },
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const start = (): void => {
          let done: Promise<T>;
          try {
            done = task();
          } catch (err) {
            done = Promise.reject(err);
          }
          done.then(resolve, reject).finally(() => {
            running.delete(key);
            active--;
            // Its next task waits behind every key that came while this one ran.
            const rest = queued.get(key);
            if (rest) {
              queued.delete(key);
              queued.set(key, rest);
            }
            pump();
          });
        };
        const tasks = queued.get(key);
        if (tasks) tasks.push(start);
        else queued.set(key, [start]);
        waiting++;
        pump();
      });
    },
  };
}
