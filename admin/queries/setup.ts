/**
 * The first hour's checklist: what a new shop still has to set before it can sell and hear of orders.
 * Each item is read off the live config and the accounts, so it is done the moment the setting is saved.
 */
import { sql } from 'drizzle-orm';
import type { Config } from '#src/config.ts';
import type { Db } from '#src/db/client.ts';
import { users } from '#src/db/schema/index.ts';
import { merchantTargets } from '#src/modules/notify/index.ts';

export type SetupItemKey = 'profile' | 'payment' | 'channel' | 'notifications' | 'staff' | 'password';

export interface SetupItem {
  key: SetupItemKey;
  done: boolean;
  /** Where the item is done. */
  href: string;
}

export async function setupChecklist(db: Db, config: Config): Promise<SetupItem[]> {
  const [counts] = await db
    .select({
      people: sql<number>`count(*)::int`,
      generated: sql<number>`count(*) filter (where ${users.mustChangePassword})::int`,
    })
    .from(users);
  return [
    // Labels print without a sender address until the shop's address and phone are set.
    { key: 'profile', done: config.shop.address.trim() !== '' && config.shop.phone.trim() !== '', href: '/admin/settings/profile' },
    // Customers cannot pay until there is somewhere to pay to.
    { key: 'payment', done: Boolean(config.promptPayId) || config.receivers.payTo.length > 0, href: '/admin/settings/payments' },
    { key: 'channel', done: Boolean(config.line || config.telegram), href: '/admin/settings/notifications#channels' },
    { key: 'notifications', done: merchantTargets(config).length > 0, href: '/admin/settings/notifications#link' },
    { key: 'staff', done: (counts?.people ?? 0) > 1, href: '/admin/users/new' },
    { key: 'password', done: (counts?.generated ?? 0) === 0, href: '/admin/account' },
  ];
}
