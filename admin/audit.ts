import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { adminAuditLog, type AdminAuditEntry, type User } from '#src/db/schema/index.ts';

export interface AuditInput {
  action: string;
  orderNumber?: string | undefined;
  target?: string | undefined;
  details?: Record<string, unknown>;
}

/** How a back-office user appears in order history and ledger rows, beside "api" and the chat actors. */
export const actorOf = (user: Pick<User, 'email'>) => `admin:${user.email}`;

/** One row per state change made in the back office; written in the change's transaction where there is one. */
export async function writeAudit(db: DbOrTx, user: Pick<User, 'id' | 'email'>, entry: AuditInput): Promise<void> {
  await db.insert(adminAuditLog).values({
    userId: user.id,
    actor: user.email,
    action: entry.action,
    orderNumber: entry.orderNumber,
    target: entry.target,
    details: entry.details ?? {},
  });
}

export async function auditOfOrder(db: DbOrTx, orderNumber: string): Promise<AdminAuditEntry[]> {
  return db.select().from(adminAuditLog).where(eq(adminAuditLog.orderNumber, orderNumber)).orderBy(asc(adminAuditLog.id));
}
