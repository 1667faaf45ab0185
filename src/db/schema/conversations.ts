import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { productVariants } from './catalog.ts';
import { createdAt, updatedAt } from './columns.ts';
import { customerIdentities } from './customers.ts';

export const inboxStatus = pgEnum('inbox_status', ['pending', 'done', 'failed']);

/**
 * Every inbound chat event, stored before the webhook is acknowledged and processed afterwards.
 * The unique (channel, event_id) makes a redelivered event a no-op; a crash between the answer and
 * the processing leaves the row pending, and the next start picks it up.
 */
export const chatInbox = pgTable(
  'chat_inbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    channel: text('channel').notNull(),
    eventId: text('event_id').notNull(),
    /** "<channel>:<user id>": events of one person are processed one at a time, in order. */
    userKey: text('user_key').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: inboxStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** A failed attempt is retried after a pause, so one broken event cannot spin a worker. */
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('chat_inbox_event_key').on(t.channel, t.eventId),
    index('chat_inbox_pending_idx').on(t.id).where(sql`${t.status} = 'pending'`),
    index('chat_inbox_user_idx').on(t.userKey, t.id),
  ],
);

/** Where a conversation stands (idle, waiting for an address, waiting for a confirmation, ...). */
export const chatSessions = pgTable('chat_sessions', {
  identityId: integer('identity_id')
    .primaryKey()
    .references(() => customerIdentities.id, { onDelete: 'cascade' }),
  state: jsonb('state').$type<Record<string, unknown>>().notNull().default({}),
  updatedAt: updatedAt(),
});

export const cartItems = pgTable(
  'cart_items',
  {
    identityId: integer('identity_id')
      .notNull()
      .references(() => customerIdentities.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id')
      .notNull()
      .references(() => productVariants.id, { onDelete: 'cascade' }),
    qty: integer('qty').notNull(),
    addedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.identityId, t.variantId] }), check('cart_items_qty_pos', sql`${t.qty} > 0`)],
);

/** The web chat's transcript: what the visitor sent and what the bot answered, read by the page. */
export const webchatMessages = pgTable(
  'webchat_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    visitorId: text('visitor_id').notNull(),
    sender: text('sender').$type<'bot' | 'me'>().notNull(),
    clientId: text('client_id'),
    parts: jsonb('parts').$type<unknown[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('webchat_messages_visitor_idx').on(t.visitorId, t.id),
    uniqueIndex('webchat_messages_client_key').on(t.visitorId, t.clientId),
  ],
);

export type ChatInboxRow = typeof chatInbox.$inferSelect;
export type CartItem = typeof cartItems.$inferSelect;
