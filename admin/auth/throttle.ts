import { inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '#src/db/client.ts';
import { adminLoginAttempts } from '#src/db/schema/index.ts';

/** Five wrong passwords within 15 minutes lock that email (or that address) for 15 minutes. */
export const LOCKOUT = { maxFailures: 5, windowMinutes: 15, lockMinutes: 15 } as const;

/**
 * The keys an attempt counts against: the email from this address, and the address. The email alone
 * (guesses spread over many addresses) counts too, except from an address the account has signed in
 * from before: whoever knows the owner's email cannot keep the owner out of their own shop.
 */
export const throttleKeys = (email: string, ip: string, knownAddress = false) => {
  const e = email.trim().toLowerCase();
  return [`email-ip:${e}|${ip}`, `ip:${ip}`, ...(knownAddress ? [] : [`email:${e}`])];
};

/** Has this user signed in from this address before (within the audit log)? */
export async function signedInFrom(db: Db, userId: number, ip: string): Promise<boolean> {
  const { rows } = await db.execute(
    sql`select 1 from admin_audit_log where user_id = ${userId} and action = 'session.login' and details->>'ip' = ${ip} limit 1`,
  );
  return rows.length > 0;
}

/**
 * Records an attempt before its password is checked, as a failure until proven right. A burst of
 * parallel guesses therefore counts in full: each one sees the others' rows and all but the first
 * few are refused, instead of every one of them passing the check before any failure is written.
 */
export async function beginAttempt(db: Db, keys: string[]): Promise<number[]> {
  // Attempts older than a day say nothing about a lockout any more; a flood of guesses cannot grow the table without end.
  await db.delete(adminLoginAttempts).where(lt(adminLoginAttempts.createdAt, sql`now() - interval '1 day'`));
  const rows = await db
    .insert(adminLoginAttempts)
    .values(keys.map((key) => ({ key, succeeded: false })))
    .returning({ id: adminLoginAttempts.id });
  return rows.map((r) => r.id);
}

export async function markSucceeded(db: Db, attemptIds: number[]): Promise<void> {
  if (attemptIds.length === 0) return;
  await db.update(adminLoginAttempts).set({ succeeded: true }).where(inArray(adminLoginAttempts.id, attemptIds));
}

/** An attempt refused because of a lockout was never checked: it neither counts nor extends the lock. */
export async function forgetAttempt(db: Db, attemptIds: number[]): Promise<void> {
  if (attemptIds.length === 0) return;
  await db.delete(adminLoginAttempts).where(inArray(adminLoginAttempts.id, attemptIds));
}

/**
 * When the key is locked, until when. Counted are the failures since the key's last success; the
 * lock holds when the latest five of them fall within 15 minutes, for 15 minutes after the fifth.
 * `beforeId` leaves out the attempt being made (and anything after it), `throughId` includes it.
 */
export async function lockedUntil(db: Db, key: string, bound: { beforeId: number } | { throughId: number }): Promise<Date | undefined> {
  const limit = 'beforeId' in bound ? sql`a.id < ${bound.beforeId}` : sql`a.id <= ${bound.throughId}`;
  const { rows } = await db.execute<{ until: Date | string | null }>(sql`
    with last_ok as (
      select coalesce(max(id), 0) as id from admin_login_attempts where key = ${key} and succeeded
    ), recent as (
      select a.created_at from admin_login_attempts a, last_ok
      where a.key = ${key} and not a.succeeded and a.id > last_ok.id and ${limit}
        and a.created_at > now() - make_interval(mins => ${LOCKOUT.windowMinutes + LOCKOUT.lockMinutes})
      order by a.id desc
      limit ${LOCKOUT.maxFailures}
    )
    select case
      when count(*) >= ${LOCKOUT.maxFailures}
        and max(created_at) - min(created_at) <= make_interval(mins => ${LOCKOUT.windowMinutes})
        and max(created_at) > now() - make_interval(mins => ${LOCKOUT.lockMinutes})
      then max(created_at) + make_interval(mins => ${LOCKOUT.lockMinutes})
    end as until
    from recent`);
  const until = rows[0]?.until;
  return until ? new Date(until) : undefined;
}

/** The latest lock over several keys (the email and the address), or undefined when none holds. */
export async function latestLock(
  db: Db,
  keys: string[],
  attemptIds: number[],
  mode: 'before' | 'through',
): Promise<Date | undefined> {
  let latest: Date | undefined;
  for (const [i, key] of keys.entries()) {
    const id = attemptIds[i]!;
    const until = await lockedUntil(db, key, mode === 'before' ? { beforeId: id } : { throughId: id });
    if (until && (!latest || until > latest)) latest = until;
  }
  return latest;
}
