import { integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { updatedAt } from './columns.ts';

/**
 * What the shop set in the back office (profile, PromptPay, bank accounts, shipping rules, carriers,
 * notification targets, reminder policies, language, time zone). One row per section; a section
 * without a row falls back to the environment's value. The data is validated by the settings module's zod schemas.
 */
export const shopSettings = pgTable('shop_settings', {
  section: text('section').primaryKey(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  /** Bumped on every save, so other processes notice a change cheaply. */
  version: integer('version').notNull().default(1),
  updatedBy: text('updated_by').notNull(),
  updatedAt: updatedAt(),
});

export type ShopSettingsRow = typeof shopSettings.$inferSelect;
