import { bigserial, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { SkipReason } from '../../ports/channel.ts';
import { createdAt, updatedAt } from './columns.ts';

export type OutboxPayload =
  | { template: string; locale: 'th' | 'en'; params: Record<string, unknown> }
  | { messages: unknown[]; locale: 'th' | 'en'; by?: 'staff' };

/**
 * `skipped`: not sent because the channel's rules forbid it now (Meta's 24-hour rule for a reminder);
 * not a failure and never retried; skip_reason says why.
 */
export const outboxStatus = pgEnum('outbox_status', ['pending', 'sending', 'sent', 'dead', 'skipped']);

/**
 * Messages to customers and merchants, written in the same transaction as the change that causes them
 * and sent afterwards by the dispatcher; the dedupe key makes "tell the customer once" a database rule.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    channel: text('channel').notNull(),
    recipient: text('recipient').notNull(),
    /** What to say, channel-agnostic: `{template, locale, params}` rendered at send time, or `{messages}` already written. */
    payload: jsonb('payload').$type<OutboxPayload>().notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    replyToken: text('reply_token'),
    replyTokenExpiresAt: timestamp('reply_token_expires_at', { withTimezone: true }),
    status: outboxStatus('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** While a dispatcher sends a row; a row still 'sending' after this was abandoned by a crash. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    /** Sent as X-Line-Retry-Key, so a retried LINE push is delivered once. */
    retryKey: uuid('retry_key').notNull().defaultRandom(),
    lastError: text('last_error'),
    /** Why a skipped message was not sent (the channel port's SkipReason), shown in the back office. */
    skipReason: text('skip_reason').$type<SkipReason>(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_key').on(t.dedupeKey),
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
  ],
);

export type OutboxRow = typeof outbox.$inferSelect;

/**
 * One-time codes that link the merchant's own LINE or Telegram chat as where the shop tells them things:
 * made in Settings → notifications, sent by the merchant to the shop's bot. Only a SHA-256 of the code is
 * kept; a code is good for a few minutes, once, and burnt after too many wrong guesses.
 */
export const merchantLinkCodes = pgTable(
  'merchant_link_codes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    codeHash: text('code_hash').notNull(),
    /** The back-office user who asked for it (kept as text so it outlives the user). */
    createdBy: text('created_by').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    usedChannel: text('used_channel'),
    usedRecipient: text('used_recipient'),
    /** Wrong codes sent while this one was open; at the limit it is burnt. */
    failures: integer('failures').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index('merchant_link_codes_hash_idx').on(t.codeHash), index('merchant_link_codes_expires_idx').on(t.expiresAt)],
);
