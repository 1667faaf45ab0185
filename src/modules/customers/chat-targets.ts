import { desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { customerIdentities, customers, type OrderChannel } from '../../db/schema/index.ts';

export interface ChatTarget {
  channel: 'line' | 'telegram' | 'webchat' | 'facebook' | 'instagram';
  recipient: string;
  locale: 'th' | 'en';
}

/**
 * Where to tell a customer about their order: the chat the order came from, else the chat they used
 * last. Customers known only by phone (API, marketplace) have none, and get no chat message.
 */
export async function chatTargetFor(
  db: DbOrTx,
  customerId: number,
  preferred: OrderChannel,
  fallbackLocale: 'th' | 'en',
): Promise<ChatTarget | undefined> {
  const rows = await db
    .select({ channel: customerIdentities.channel, externalId: customerIdentities.externalId, language: customers.language })
    .from(customerIdentities)
    .innerJoin(customers, eq(customers.id, customerIdentities.customerId))
    .where(eq(customerIdentities.customerId, customerId))
    .orderBy(desc(customerIdentities.createdAt));
  const pick = rows.find((r) => r.channel === preferred) ?? rows[0];
  if (!pick) return undefined;
  return { channel: pick.channel, recipient: pick.externalId, locale: pick.language ?? fallbackLocale };
}
