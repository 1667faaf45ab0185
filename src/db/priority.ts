import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/**
 * Whose work a checkout is, when every connection is taken (the embedded database has one; a server
 * pool's are all taken under a burst of uploads and chat), so the next connection given back goes to
 * the work that matters most now:
 * - urgent: a webhook's acknowledgement (LINE, Meta and Telegram wait for it, and retry or give up
 *   when it is slow);
 * - person: an HTTP request someone is looking at (a back-office page, the web chat);
 * - anything else is background (chat batches, the outbox, reports, jobs), served in its order
 *   after them.
 */
type Turn = 'urgent' | 'person';
const turn = new AsyncLocalStorage<Turn>();

/** Runs `fn` with its database work ahead of all other (see Turn). */
export function urgently<T>(fn: () => Promise<T>): Promise<T> {
  return turn.run('urgent', fn);
}

/** Runs `fn`, and what it starts, as work a person is waiting on (every HTTP request: see app.ts). */
export function forAPerson<T>(fn: () => T): T {
  return turn.run('person', fn);
}

/** Runs `fn`, and what it starts, as background work, whoever started it (a request kicking a worker). */
export function inBackground<T>(fn: () => T): T {
  return turn.exit(fn);
}

/** The checkouts waiting in each line of a prioritised pool (undefined for any other pool). */
const waiting = new WeakMap<pg.Pool, () => { urgent: number; person: number; background: number }>();
export const waitingCheckouts = (pool: pg.Pool) => waiting.get(pool)?.();

type Waiter = { resolve: (client: pg.PoolClient) => void; reject: (err: Error) => void; timer: NodeJS.Timeout | undefined };

/**
 * Puts a priority line in front of a pool of `size` connections: urgent checkouts are served first,
 * then a person's, then background work, each line in order (see Turn). The pool's own queue stays empty (a checkout is asked
 * of it only while fewer than `size` are out), so the line keeps the pool's checkout timeout itself.
 */
export function prioritiseCheckouts(pool: pg.Pool, opts: { timeoutMs: number; size: number }): void {
  const checkout = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const lines: Record<Turn | 'background', Waiter[]> = { urgent: [], person: [], background: [] };
  let out = 0;
  waiting.set(pool, () => ({ urgent: lines.urgent.length, person: lines.person.length, background: lines.background.length }));

  const next = (): void => {
    if (out >= opts.size) return;
    const waiter = lines.urgent.shift() ?? lines.person.shift() ?? lines.background.shift();
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
      const line = lines[turn.getStore() ?? 'background'];
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
