import { describe, expect, it } from 'vitest';
import { createGrouper } from '#src/lib/grouper.ts';

/** A grouper whose groups wait until the test lets them finish, recording what each group held. */
function harness(opts: { maxSize: number; concurrency: number; keyed?: boolean }) {
  const groups: string[][] = [];
  const finish: Array<() => void> = [];
  const grouper = createGrouper<string, string>({
    ...opts,
    keys: opts.keyed ? (item) => [item.split(':')[0]!] : undefined,
    run: async (items) => {
      groups.push(items);
      await new Promise<void>((resolve) => finish.push(resolve));
      if (items.includes('boom')) throw new Error('the group failed');
      return items.map((item) => (item.startsWith('bad') ? { status: 'rejected', reason: new Error(item) } : { status: 'fulfilled', value: `done ${item}` }));
    },
  });
  const next = async () => {
    finish.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { grouper, groups, next };
}

describe('grouper', () => {
  it('runs a lone call at once, and gathers the calls that arrive while a group runs', async () => {
    const { grouper, groups, next } = harness({ maxSize: 10, concurrency: 2 });
    const first = grouper.submit('a');
    expect(groups).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((x) => grouper.submit(x));
    // Fewer than half a group waits: no second group beside the running one.
    expect(groups).toHaveLength(1);
    await next();
    expect(await first).toBe('done a');
    expect(groups).toEqual([['a'], ['b', 'c', 'd']]);
    await next();
    expect(await Promise.all(rest)).toEqual(['done b', 'done c', 'done d']);
  });

  it('starts a second group beside a running one once half a group waits, never more than maxSize in one', async () => {
    const { grouper, groups, next } = harness({ maxSize: 4, concurrency: 2 });
    const calls = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => grouper.submit(x));
    // 'a' runs alone; once two wait, they start beside it; the rest wait for a free lane.
    expect(groups).toEqual([['a'], ['b', 'c']]);
    await next();
    expect(groups.at(-1)).toEqual(['d', 'e', 'f', 'g']);
    await next();
    await next();
    expect(await Promise.all(calls)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => `done ${x}`));
  });

  it('keeps calls with the same key out of the same group and out of a group still running', async () => {
    const { grouper, groups, next } = harness({ maxSize: 10, concurrency: 2, keyed: true });
    const calls = ['k1:a', 'k1:b', 'k2:c', 'k2:d', 'k3:e', 'k4:f', 'k5:g', 'k6:h'].map((x) => grouper.submit(x));
    // k1:a runs alone. With five waiting a second group starts: one call per key, none of k1 (running).
    expect(groups).toEqual([['k1:a'], ['k2:c', 'k3:e', 'k4:f']]);
    await next();
    // Four wait, fewer than half a group: they wait for the running group too.
    expect(groups).toHaveLength(2);
    await next();
    expect(groups.at(-1)).toEqual(['k1:b', 'k2:d', 'k5:g', 'k6:h']);
    await next();
    expect(await Promise.all(calls)).toHaveLength(8);
  });

  it('settles each call as its group says, and fails every call of a group that throws', async () => {
    const { grouper, groups, next } = harness({ maxSize: 10, concurrency: 1 });
    const first = grouper.submit('first');
    const mixed = Promise.allSettled([grouper.submit('bad one'), grouper.submit('fine')]);
    await next();
    await next();
    expect(await first).toBe('done first');
    const [bad, fine] = await mixed;
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'bad one' } });
    expect(fine).toEqual({ status: 'fulfilled', value: 'done fine' });

    const lone = grouper.submit('lone');
    const failing = Promise.allSettled([grouper.submit('fine too'), grouper.submit('boom')]);
    await next();
    await next();
    expect(await lone).toBe('done lone');
    expect((await failing).map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['the group failed', 'the group failed']);
    expect(groups).toEqual([['first'], ['bad one', 'fine'], ['lone'], ['fine too', 'boom']]);
  });
});
