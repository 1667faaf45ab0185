import { bigint, timestamp } from 'drizzle-orm/pg-core';

/** Money is an integer number of minor units (satang); bigint so sums never overflow. */
export const money = (name: string) => bigint(name, { mode: 'number' });

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
