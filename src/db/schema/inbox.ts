import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgEnum, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { createdAt } from './columns.ts';
import { customerIdentities } from './customers.ts';

/**
 * Who answers a conversation: the bot, nobody yet (the customer asked for a person), or a person
 * (staff took it over). While it is not the bot's, the bot stays quiet until `handover_until`.
 */
export const conversationState = pgEnum('conversation_state', ['bot', 'waiting', 'person']);

/**
 * The back office's view of one chat identity (a LINE user, a Telegram chat, a web-chat visitor): what
 * the inbox lists, kept up to date as messages are stored, so the list never scans the transcript.
 */
export const conversations = pgTable(
  'conversations',
  {
    id: serial('id').primaryKey(),
    identityId: integer('identity_id')
      .notNull()
      .references(() => customerIdentities.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    state: conversationState('state').notNull().default('bot'),
    /** A hand-over ends by itself then (N minutes of silence, set in Settings). */
    handoverUntil: timestamp('handover_until', { withTimezone: true }),
    assignedUserId: integer('assigned_user_id').references(() => users.id, { onDelete: 'set null' }),
    labels: text('labels').array().notNull().default(sql`'{}'::text[]`),
    lastMessageId: bigint('last_message_id', { mode: 'number' }),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true }).notNull().defaultNow(),
    /** Messages from the customer since staff last opened the conversation. */
    unread: integer('unread').notNull().default(0),
    lastReadMessageId: bigint('last_read_message_id', { mode: 'number' }),
    lastReadBy: integer('last_read_by').references(() => users.id, { onDelete: 'set null' }),
    /** LINE's free reply to the customer's last message the bot left unanswered (during a hand-over). */
    replyToken: text('reply_token'),
    replyTokenExpiresAt: timestamp('reply_token_expires_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('conversations_identity_key').on(t.identityId),
    index('conversations_recent_idx').on(t.lastMessageAt.desc(), t.id.desc()),
    index('conversations_state_idx').on(t.state, t.lastMessageAt.desc()),
    index('conversations_assigned_idx').on(t.assignedUserId, t.lastMessageAt.desc()),
    index('conversations_unread_idx').on(t.lastMessageAt.desc()).where(sql`${t.unread} > 0`),
  ],
);

export type MessageDirection = 'in' | 'out';
export type MessageSender = 'customer' | 'bot' | 'staff' | 'shop';

/**
 * The transcript: every message in and out, once each. Inbound rows are written while their chat_inbox
 * event is processed (one per event), outbound rows when their outbox row is queued (one per outbox
 * row): bot answers, notices and staff replies alike. Kept for disputes; never pruned with the inbox.
 */
export const chatMessages = pgTable(
  'chat_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversationId: integer('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    direction: text('direction').$type<MessageDirection>().notNull(),
    sender: text('sender').$type<MessageSender>().notNull(),
    staffUserId: integer('staff_user_id').references(() => users.id, { onDelete: 'set null' }),
    channel: text('channel').notNull(),
    /** The channel's event id (inbound) — with the inbox row it came from — or the outbox row (outbound). */
    eventId: text('event_id'),
    inboxId: bigint('inbox_id', { mode: 'number' }),
    outboxId: bigint('outbox_id', { mode: 'number' }),
    /** text | image | sticker | location | postback | follow | unfollow | notice */
    kind: text('kind').notNull(),
    text: text('text'),
    /** A photo under DATA_DIR (inbound), or the URL sent (outbound). */
    mediaPath: text('media_path'),
    sticker: text('sticker'),
    slipId: integer('slip_id'),
    createdAt: createdAt(),
  },
  (t) => [
    index('chat_messages_conversation_idx').on(t.conversationId, t.id),
    uniqueIndex('chat_messages_inbox_key').on(t.inboxId),
    uniqueIndex('chat_messages_outbox_key').on(t.outboxId),
    /** The inbox's search by message text ("where is my parcel"). */
    index('chat_messages_text_trgm_idx').using('gin', sql`${t.text} gin_trgm_ops`),
  ],
);

/** Answers staff type often, with {name} {order} {total} {tracking} filled in when picked with "/". */
export const savedReplies = pgTable('saved_replies', {
  id: serial('id').primaryKey(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  createdAt: createdAt(),
});

export type Conversation = typeof conversations.$inferSelect;
export type ChatMessage = typeof chatMessages.$inferSelect;
export type NewChatMessage = typeof chatMessages.$inferInsert;
export type SavedReply = typeof savedReplies.$inferSelect;
