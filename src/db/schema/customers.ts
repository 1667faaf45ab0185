import { boolean, index, integer, pgEnum, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.ts';

export const chatChannel = pgEnum('chat_channel', ['line', 'telegram', 'webchat', 'facebook', 'instagram']);
export const language = pgEnum('language', ['th', 'en']);

export const customers = pgTable(
  'customers',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    /** Normalised to digits with the country code, e.g. 66812345678, so one person is found however they typed it. */
    phone: text('phone'),
    email: text('email'),
    language: language('language'),
    reminderOptOut: boolean('reminder_opt_out').notNull().default(false),
    note: text('note'),
    /** Set when this record was merged into another (the same person); it then holds nothing and only redirects. */
    mergedIntoId: integer('merged_into_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('customers_phone_idx').on(t.phone), index('customers_name_idx').on(t.name)],
);

export const customerIdentities = pgTable(
  'customer_identities',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    channel: chatChannel('channel').notNull(),
    externalId: text('external_id').notNull(),
    displayName: text('display_name'),
    /**
     * When this person last wrote to us on this chat (any event they sent, stored as it was received).
     * Meta's 24-hour messaging window starts here; it also tells which chat a customer used last.
     */
    lastInboundAt: timestamp('last_inbound_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('customer_identities_channel_external_key').on(t.channel, t.externalId),
    index('customer_identities_customer_idx').on(t.customerId),
  ],
);

export const customerAddresses = pgTable(
  'customer_addresses',
  {
    id: serial('id').primaryKey(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    phone: text('phone').notNull(),
    address: text('address').notNull(),
    postcode: text('postcode'),
    createdAt: createdAt(),
  },
  (t) => [index('customer_addresses_customer_idx').on(t.customerId, t.createdAt)],
);

export type Customer = typeof customers.$inferSelect;
export type CustomerIdentity = typeof customerIdentities.$inferSelect;
export type CustomerAddress = typeof customerAddresses.$inferSelect;
export type ChatChannel = (typeof chatChannel.enumValues)[number];
export type Language = (typeof language.enumValues)[number];
