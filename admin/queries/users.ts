import { asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { adminUserDeactivations, users, type User } from '#src/db/schema/index.ts';

export async function findUserByEmail(db: DbOrTx, email: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return user;
}

export async function findUserWithState(db: DbOrTx, id: number) {
  const [row] = await db
    .select({ user: users, deactivatedAt: adminUserDeactivations.createdAt })
    .from(users)
    .leftJoin(adminUserDeactivations, eq(adminUserDeactivations.userId, users.id))
    .where(eq(users.id, id));
  return row;
}

export async function isDeactivated(db: DbOrTx, userId: number): Promise<boolean> {
  const [row] = await db.select({ id: adminUserDeactivations.userId }).from(adminUserDeactivations).where(eq(adminUserDeactivations.userId, userId));
  return row !== undefined;
}

/** Owners first, then by name: the order the owner scans the list in. */
export async function listUsersWithState(db: DbOrTx) {
  return db
    .select({ user: users, deactivatedAt: adminUserDeactivations.createdAt })
    .from(users)
    .leftJoin(adminUserDeactivations, eq(adminUserDeactivations.userId, users.id))
    .orderBy(sql`array_position(array['owner','admin','staff','packer']::user_role[], ${users.role})`, asc(users.name), asc(users.id));
}
