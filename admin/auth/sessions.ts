import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, lt, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { adminSessions, adminUserDeactivations, users, type AdminSession, type User } from '#src/db/schema/index.ts';

export const SESSION_COOKIE = 'talad_admin';
/** Sliding: each request pushes the end 12 hours ahead, so a shift's work never logs anyone out. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Writing last_seen_at on every request would turn each page view into a write; once a minute is enough. */
const TOUCH_EVERY_MS = 60 * 1000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newToken = () => randomBytes(32).toString('base64url');

export interface SignedIn {
  session: AdminSession;
  user: User;
}

export async function createSession(db: DbOrTx, userId: number): Promise<{ token: string; session: AdminSession }> {
  const token = newToken();
  const [session] = await db
    .insert(adminSessions)
    .values({ id: hashToken(token), userId, csrfToken: newToken(), expiresAt: sql`now() + make_interval(secs => ${SESSION_TTL_MS / 1000})` })
    .returning();
  // Sessions that ran out are of no use to anyone; clearing them here keeps the table small without a job.
  await db.delete(adminSessions).where(lt(adminSessions.expiresAt, sql`now()`));
  return { token, session: session! };
}

/** The session behind a cookie, if it is current and its user is still switched on; slides its expiry. */
export async function loadSession(db: DbOrTx, token: string): Promise<SignedIn | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const [row] = await db
    .select({ session: adminSessions, user: users, deactivated: adminUserDeactivations.userId })
    .from(adminSessions)
    .innerJoin(users, eq(users.id, adminSessions.userId))
    .leftJoin(adminUserDeactivations, eq(adminUserDeactivations.userId, users.id))
    .where(and(eq(adminSessions.id, hashToken(token)), gt(adminSessions.expiresAt, sql`now()`)));
  if (!row || row.deactivated !== null) return undefined;
  let session = row.session;
  if (Date.now() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    const [touched] = await db
      .update(adminSessions)
      .set({ lastSeenAt: sql`now()`, expiresAt: sql`now() + make_interval(secs => ${SESSION_TTL_MS / 1000})` })
      .where(eq(adminSessions.id, session.id))
      .returning();
    if (touched) session = touched;
  }
  return { session, user: row.user };
}

export async function destroySession(db: DbOrTx, sessionId: string): Promise<void> {
  await db.delete(adminSessions).where(eq(adminSessions.id, sessionId));
}

/** Signs a user out everywhere (password reset, deactivation), or everywhere but here (own password change). */
export async function destroySessionsOf(db: DbOrTx, userId: number, exceptSessionId?: string): Promise<void> {
  await db
    .delete(adminSessions)
    .where(and(eq(adminSessions.userId, userId), exceptSessionId ? ne(adminSessions.id, exceptSessionId) : undefined));
}
