import { eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from './client.ts';
import { withTransaction } from './client.ts';
import { documentCounters } from './schema/index.ts';

/**
 * Gap-free numbers a person reads (orders, returns, imports, receipts, credit notes): the next value of
 * a counter row, taken with UPDATE ... RETURNING in the transaction that uses it. A rollback gives the
 * number back; concurrent takers queue on the row; a restart loses nothing (unlike a sequence's cache).
 * `first` is the series' first value when the row does not exist yet.
 */
export async function nextInSeries(tx: Tx, series: string, first = 1): Promise<number> {
  return takeInSeries(tx, series, first, async (taken) => {
    const [counter] = await tx.with(taken).select().from(taken);
    return counter && Number(counter.value);
  });
}

/**
 * nextInSeries for a statement that uses the number at once: `use` builds it on the `taken` CTE (its
 * `value` column) and returns undefined when the CTE took nothing. One statement once the series
 * exists: placements queue on the counter row until commit, so every round trip saved here is saved
 * for all of them. The first taker makes the row (a concurrent first taker waits on its insert, then
 * takes the next value). With `count` it takes that many consecutive values; `value` is the first of them.
 */
export async function takeInSeries<T>(
  tx: Tx,
  series: string,
  first: number,
  use: (taken: ReturnType<typeof takenCte>) => Promise<T | undefined>,
  count = 1,
): Promise<T> {
  const taken = takenCte(tx, series, count);
  let result = await use(taken);
  if (result === undefined) {
    await tx.insert(documentCounters).values({ series, nextValue: first }).onConflictDoNothing();
    result = await use(taken);
  }
  return result!;
}

const takenCte = (tx: Tx, series: string, count = 1) =>
  tx.$with('taken').as(
    tx
      .update(documentCounters)
      .set({ nextValue: sql`${documentCounters.nextValue} + ${count}::int` })
      .where(eq(documentCounters.series, series))
      .returning({ value: sql<number>`(${documentCounters.nextValue} - ${count}::int)::bigint`.as('value') }),
  );

/** Runs `fn` in the caller's transaction, or in a new one when given the pool's handle. */
export function inTransaction<T>(db: DbOrTx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return 'rollback' in db ? fn(db as Tx) : withTransaction(db, fn);
}

/** The series names, in one place. */
export const series = {
  order: 'order',
  return: 'return',
  importRun: 'import-run',
} as const;
