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
  const take = () =>
    tx
      .update(documentCounters)
      .set({ nextValue: sql`${documentCounters.nextValue} + 1` })
      .where(eq(documentCounters.series, series))
      .returning({ value: sql<number>`(${documentCounters.nextValue} - 1)::bigint` });
  // One statement once the series exists: placements queue on this row until commit, so every round
  // trip saved here is saved for all of them. The first taker makes the row (a concurrent first taker
  // waits on its insert, then takes the next value).
  let [counter] = await take();
  if (!counter) {
    await tx.insert(documentCounters).values({ series, nextValue: first }).onConflictDoNothing();
    [counter] = await take();
  }
  return Number(counter!.value);
}

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
