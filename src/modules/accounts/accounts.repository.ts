import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { apiKeys, users, type User, type UserRole } from '../../db/schema/index.ts';

/**
 * argon2id at OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane. The library's default (64 MiB, 4
 * lanes) took 64 MB more for each sign-in while it ran, a fifth of a 1 GB server when a few staff sign
 * in at once. Hashes made with other settings still verify, and a sign-in re-hashes them with these.
 */
const hashOptions = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, hashOptions);
}

/** A hash made with other settings than hashOptions (an account from before them). */
export function passwordNeedsRehash(hash: string): boolean {
  try {
    return argon2.needsRehash(hash, hashOptions);
  } catch {
    return false;
  }
}

/** After a sign-in with the right password: its hash made again with hashOptions, unless it changed meanwhile. */
export async function rehashPassword(db: DbOrTx, user: Pick<User, 'id' | 'passwordHash'>, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.update(users).set({ passwordHash }).where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)));
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export async function countUsers(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row!.n;
}

export async function createUser(
  db: DbOrTx,
  input: { email: string; name: string; password: string; role: UserRole; language?: 'th' | 'en'; mustChangePassword?: boolean },
): Promise<User> {
  const [user] = await db
    .insert(users)
    .values({
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      language: input.language ?? 'th',
      mustChangePassword: input.mustChangePassword ?? false,
      passwordHash: await hashPassword(input.password),
    })
    .returning();
  return user!;
}

/** A strong password that is easy to copy from a terminal: no look-alike characters. */
export function generatePassword(length = 20): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Issues an API key; only its hash is stored, so the key is shown this once. */
export async function createApiKey(db: DbOrTx, userId: number, name: string): Promise<string> {
  const key = `tl_${randomBytes(24).toString('base64url')}`;
  await db.insert(apiKeys).values({ userId, name, keyHash: sha256(key) });
  return key;
}

export async function userForApiKey(db: DbOrTx, key: string): Promise<User | undefined> {
  const [row] = await db
    .select({ user: users, keyId: apiKeys.id })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt)));
  if (!row) return undefined;
  await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, row.keyId));
  return row.user;
}

/** Compares secrets in constant time, whatever their lengths. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export async function setUserRole(tx: DbOrTx, userId: number, role: UserRole): Promise<User | undefined> {
  const [user] = await tx.update(users).set({ role }).where(eq(users.id, userId)).returning();
  return user;
}

/** A password the person chose clears the request to change it; one the system generated for them sets it. */
export async function setUserPassword(tx: DbOrTx, userId: number, password: string, opts: { generated?: boolean } = {}): Promise<void> {
  await tx.update(users).set({ passwordHash: await hashPassword(password), mustChangePassword: opts.generated ?? false }).where(eq(users.id, userId));
}

export async function setUserLanguage(tx: DbOrTx, userId: number, language: 'th' | 'en'): Promise<void> {
  await tx.update(users).set({ language }).where(eq(users.id, userId));
}

/** A switched-off account must not keep working through the JSON API either. */
export async function revokeApiKeysOf(tx: DbOrTx, userId: number): Promise<number> {
  const revoked = await tx
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return revoked.length;
}

export interface ApiKeyRow {
  id: number;
  name: string;
  userId: number;
  userName: string;
  userEmail: string;
  userRole: UserRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** The API keys (never the keys themselves: only their hashes are kept), newest first; one user's when `userId` is given. */
export async function listApiKeys(db: DbOrTx, filter: { userId?: number | undefined } = {}): Promise<ApiKeyRow[]> {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      userId: apiKeys.userId,
      userName: users.name,
      userEmail: users.email,
      userRole: users.role,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(filter.userId === undefined ? undefined : eq(apiKeys.userId, filter.userId))
    .orderBy(sql`${apiKeys.id} desc`);
}

/** Revokes one key (one of `userId`'s when given); undefined when there is no such key still working. */
export async function revokeApiKey(tx: DbOrTx, id: number, filter: { userId?: number | undefined } = {}): Promise<{ id: number; name: string; userId: number } | undefined> {
  const [row] = await tx
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt), filter.userId === undefined ? undefined : eq(apiKeys.userId, filter.userId)))
    .returning({ id: apiKeys.id, name: apiKeys.name, userId: apiKeys.userId });
  return row;
}
