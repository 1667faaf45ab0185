/**
 * At most `size` tasks at once, the rest waiting in order: the slip readers' CPU budget.
 */
export type Budget = {
  readonly size: number;
  /** Tasks waiting for a turn. */
  readonly waiting: number;
  run<T>(task: () => Promise<T>): Promise<T>;
};

export function createBudget(size: number): Budget {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = (): void => {
    if (active >= size) return;
    const start = queue.shift();
    if (start) {
      active++;
      start();
    }
  };
  return {
    size,
    get waiting() {
      return queue.length;
    },
    run<T>(task: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push(() => {
          task()
            .then(resolve, reject)
            .finally(() => {
              active--;
              next();
            });
        });
        next();
      });
    },
  };
}
