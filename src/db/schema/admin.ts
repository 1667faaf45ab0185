import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { createdAt } from './columns.ts';

/**
 * Back-office sign-ins. The id is the SHA-256 of the cookie's token, so a leaked table cannot be
 * replayed as a cookie; each session carries its own CSRF token.
 */
export const adminSessions = pgTable(
  'admin_sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('admin_sessions_user_idx').on(t.userId), index('admin_sessions_expires_idx').on(t.expiresAt)],
);

/**
 * Every sign-in attempt, kept in the database so a lockout survives a restart and holds across
 * instances. `key` is "email:<address>" or "ip:<address>": one attempt writes one row per key.
 */
export const adminLoginAttempts = pgTable(
  'admin_login_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    key: text('key').notNull(),
    succeeded: boolean('succeeded').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('admin_login_attempts_key_idx').on(t.key, t.id), index('admin_login_attempts_created_idx').on(t.createdAt)],
);

/** Who did what in the back office: every state change, with the order (or other target) it touched. */
export const adminAuditLog = pgTable(
  'admin_audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Kept apart from user_id so the entry still says who it was after the user is gone. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    orderNumber: text('order_number'),
    target: text('target'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('admin_audit_log_order_idx').on(t.orderNumber, t.id),
    index('admin_audit_log_created_idx').on(t.createdAt),
  ],
);

/**
 * Staff accounts switched off by the owner. Kept beside users rather than in it so the accounts
 * module's table stays as it is; a row here refuses sign-in and ends every session of that user.
 */
export const adminUserDeactivations = pgTable('admin_user_deactivations', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  actor: text('actor').notNull(),
  createdAt: createdAt(),
});

export type AdminSession = typeof adminSessions.$inferSelect;
export type AdminAuditEntry = typeof adminAuditLog.$inferSelect;
