import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/**
 * Work someone is waiting on right now: a webhook's acknowledgement (LINE, Meta and Telegram wait for
 * it, and retry or give up when it is slow). When every connection is taken (the embedded database
 * has one; a server pool's are all taken under a burst of uploads and chat), such work goes to the
 * front of the line instead of behind the queued background work (chat batches, the outbox,
 * reports), so it gets the next connection given back.
 */
const urgentWork = new AsyncLocalStorage<true>();

/** Runs `fn` with its database work ahead of background work (see urgentWork). */
export function urgently<T>(fn: () => Promise<T>): Promise<T> {
  return urgentWork.run(true, fn);
}

/** The checkouts waiting in each line of a prioritised pool (undefined for any other pool). */
const waiting = new WeakMap<pg.Pool, () => { urgent: number; normal: number }>();
export const waitingCheckouts = (pool: pg.Pool) => waiting.get(pool)?.();

type Waiter = { resolve: (client: pg.PoolClient) => void; reject: (err: Error) => void; timer: NodeJS.Timeout | undefined };

/**
 * Puts a priority line in front of a pool of `size` connections: checkouts made inside `urgently` are
 * served before the others, each line in order. The pool's own queue stays empty (a checkout is asked
 * of it only while fewer than `size` are out), so the line keeps the pool's checkout timeout itself.
 */
export function prioritiseCheckouts(pool: pg.Pool, opts: { timeoutMs: number; size: number }): void {
  const checkout = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const lines: { urgent: Waiter[]; normal: Waiter[] } = { urgent: [], normal: [] };
  let out = 0;
  waiting.set(pool, () => ({ urgent: lines.urgent.length, normal: lines.normal.length }));

  const next = (): void => {
    if (out >= opts.size) return;
    const waiter = lines.urgent.shift() ?? lines.normal.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    out++;
    checkout().then(
      (client) => {
        const release = client.release;
        client.release = (err?: Error | boolean) => {
          // Once: a second release reaches pg's own, which refuses it.
          client.release = release;
          release.call(client, err);
          out--;
          next();
        };
        waiter.resolve(client);
      },
      (err: Error) => {
        out--;
        waiter.reject(err);
        next();
      },
    );
  };

  const enqueue = (): Promise<pg.PoolClient> =>
    new Promise((resolve, reject) => {
      const line = urgentWork.getStore() ? lines.urgent : lines.normal;
      const waiter: Waiter = { resolve, reject, timer: undefined };
      waiter.timer = setTimeout(() => {
        const i = line.indexOf(waiter);
        if (i >= 0) line.splice(i, 1);
        reject(new Error('timeout exceeded when trying to connect'));
      }, opts.timeoutMs);
      waiter.timer.unref();
      line.push(waiter);
      next();
    });

  // pg calls connect(callback) itself (pool.query); everyone else awaits the promise.
  (pool as { connect: unknown }).connect = (callback?: (err: Error | undefined, client?: pg.PoolClient, done?: (err?: Error) => void) => void) => {
    const checkedOut = enqueue();
    if (!callback) return checkedOut;
    checkedOut.then(
      (client) => callback(undefined, client, (err?: Error) => client.release(err)),
      (err: Error) => callback(err),
    );
    return undefined;
  };
}
