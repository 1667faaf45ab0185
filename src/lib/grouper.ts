/**
 * Work done in groups: each call queues, and whenever fewer than `concurrency` groups are running the
 * next group takes up to `maxSize` queued calls, in arrival order. A call that shares a key (`keys`)
 * with one in this group or in a group still running waits for a later group: the same thing is never
 * in two groups at once.
 * Under no load a group is one call and waits for nothing; under load calls gather while the groups
 * before them run, and each group's fixed cost (a transaction, its statements, its commit) is shared.
 * `run` settles every call of its group; if it throws, every call of the group fails with that error.
 */
export interface Grouper<I, O> {
  submit(item: I): Promise<O>;
}

export function createGrouper<I, O>(opts: {
  maxSize: number;
  concurrency: number;
  keys?: (item: I) => readonly string[];
  run: (items: I[]) => Promise<PromiseSettledResult<O>[]>;
}): Grouper<I, O> {
  type Call = { item: I; resolve: (value: O) => void; reject: (reason: unknown) => void };
  let queue: Call[] = [];
  let running = 0;
  /** The keys of the calls in running groups. */
  const busy = new Set<string>();

  const start = (): void => {
    // A second group starts beside a running one only once half a group is waiting: a few calls more
    // wait for the running group and join the next, rather than each costing a group of its own.
    while (queue.length > 0 && (running === 0 || (running < opts.concurrency && queue.length >= opts.maxSize / 2))) {
      const group: Call[] = [];
      const later: Call[] = [];
      const held: string[] = [];
      for (const call of queue) {
        const keys = opts.keys?.(call.item) ?? [];
        if (group.length >= opts.maxSize || keys.some((k) => busy.has(k))) {
          later.push(call);
          continue;
        }
        for (const k of keys) busy.add(k);
        held.push(...keys);
        group.push(call);
      }
      queue = later;
      // Everything queued waits on a running group's keys: the next group starts when that one ends.
      if (group.length === 0) return;
      running++;
      void settle(group).finally(() => {
        running--;
        for (const k of held) busy.delete(k);
        start();
      });
    }
  };

  const settle = async (group: Call[]): Promise<void> => {
    try {
      const outcomes = await opts.run(group.map((c) => c.item));
      group.forEach((call, i) => {
        const outcome = outcomes[i]!;
        if (outcome.status === 'fulfilled') call.resolve(outcome.value);
        else call.reject(outcome.reason);
      });
    } catch (err) {
      for (const call of group) call.reject(err);
    }
  };

  return {
    submit: (item) =>
      new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        start();
      }),
  };
}
