// Idempotency-Keys of the API's orders: claimed in the order's transaction, tied to the order it made,
// given back when the request fails, so a retry returns the first request's order and never a second.
import { inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { insertRows, jsonRows } from '../../db/json-rows.ts';
import { idempotencyKeys } from '../../db/schema/index.ts';

export type IdempotencyClaim = { claimed: true } | { claimed: false; orderId: number | null; requestHash: string };

/**
 * Claims an Idempotency-Key inside the order's transaction. A concurrent request with the same key
 * blocks on the unique index until this one commits, then finds the key taken and returns its order.
 */
export async function claimIdempotencyKey(tx: Tx, key: string, requestHash: string): Promise<IdempotencyClaim> {
  return (await claimIdempotencyKeys(tx, [{ key, requestHash }])).get(key)!;
}

/**
 * claimIdempotencyKey for orders placed together (their keys distinct), by key: one insert, and one
 * read of the keys that were taken already. Keys are inserted in sorted order, so two groups waiting
 * on each other's keys cannot deadlock.
 */
export async function claimIdempotencyKeys(tx: Tx, claims: readonly { key: string; requestHash: string }[]): Promise<Map<string, IdempotencyClaim>> {
  const result = new Map<string, IdempotencyClaim>();
  if (claims.length === 0) return result;
  const sorted = [...claims].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const inserted = await insertRows(tx, idempotencyKeys, sorted, { onConflict: sql`do nothing` });
  for (const { key } of inserted) result.set(key, { claimed: true });
  const taken = claims.filter((c) => !result.has(c.key)).map((c) => c.key);
  if (taken.length > 0) {
    for (const existing of await tx.select().from(idempotencyKeys).where(inArray(idempotencyKeys.key, taken))) {
      result.set(existing.key, { claimed: false, orderId: existing.orderId, requestHash: existing.requestHash });
    }
  }
  return result;
}

export async function bindIdempotencyKey(tx: Tx, key: string, orderId: number) {
  await bindIdempotencyKeys(tx, [{ key, orderId }]);
}

/** Ties claimed keys to the orders they made, in one statement. */
export async function bindIdempotencyKeys(tx: Tx, bindings: readonly { key: string; orderId: number }[]): Promise<void> {
  if (bindings.length === 0) return;
  await tx.execute(sql`
    update ${idempotencyKeys} k set order_id = v.order_id
    from ${jsonRows('v', { key: 'text', order_id: 'int' }, bindings)}
    where k.key = v.key`);
}

/** Keys claimed in this transaction by requests that then failed: given back, so a retry can try again. */
export async function releaseIdempotencyKeys(tx: Tx, keys: readonly string[]): Promise<void> {
  if (keys.length > 0) await tx.delete(idempotencyKeys).where(inArray(idempotencyKeys.key, [...keys]));
}
