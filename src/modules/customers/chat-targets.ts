import { and, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { jsonRows } from '../../db/json-rows.ts';
import { customerIdentities, customers, type OrderChannel } from '../../db/schema/index.ts';

export interface ChatTarget {
  channel: 'line' | 'telegram' | 'webchat' | 'facebook' | 'instagram';
  recipient: string;
  locale: 'th' | 'en';
}

/**
 * Where to tell a customer about their order: the chat the order came from, else the chat they wrote
 * from last. Customers known only by phone (API, marketplace) have none, and get no chat message.
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
    .orderBy(sql`${customerIdentities.lastInboundAt} desc nulls last`, desc(customerIdentities.createdAt));
  const pick = rows.find((r) => r.channel === preferred) ?? rows[0];
  if (!pick) return undefined;
  return { channel: pick.channel, recipient: pick.externalId, locale: pick.language ?? fallbackLocale };
}

export interface ChatInbound {
  channel: ChatTarget['channel'];
  externalId: string;
  /** When the event was received. */
  at: Date;
}

/**
 * Notes that people wrote to us (one statement for a batch): each chat identity keeps the latest time,
 * whatever order the events are handled in. Identities not made yet are left alone.
 */
export async function noteChatInbound(tx: Tx, events: ChatInbound[]): Promise<void> {
  if (events.length === 0) return;
  const latest = new Map<string, ChatInbound>();
  for (const e of events) {
    const key = `${e.channel}:${e.externalId}`;
    const seen = latest.get(key);
    if (!seen || seen.at < e.at) latest.set(key, e);
  }
  const rows = [...latest.values()];
  await tx.execute(sql`
    update customer_identities ci set last_inbound_at = greatest(ci.last_inbound_at, e.at)
    from ${jsonRows('e', { channel: 'text', external_id: 'text', at: 'timestamptz' }, rows)}
    where ci.channel::text = e.channel and ci.external_id = e.external_id`);
}

/** When each chat last wrote to us (`<channel>:<external id>` → time), for the chats that ever did. */
export async function lastChatInbound(db: DbOrTx, chats: { channel: string; externalId: string }[]): Promise<Map<string, Date>> {
  if (chats.length === 0) return new Map();
  const result = await db.execute<{ channel: string; external_id: string; last_inbound_at: string | Date }>(sql`
    select ci.channel::text as channel, ci.external_id, ci.last_inbound_at from customer_identities ci
    join ${jsonRows('c', { channel: 'text', external_id: 'text' }, chats)}
      on ci.channel::text = c.channel and ci.external_id = c.external_id
    where ci.last_inbound_at is not null`);
  return new Map(result.rows.map((r) => [`${r.channel}:${r.external_id}`, r.last_inbound_at instanceof Date ? r.last_inbound_at : new Date(r.last_inbound_at)]));
}

/** The language a chat identity's customer is answered in, when one is known (chosen or first seen). */
export async function chatIdentityLanguage(db: DbOrTx, channel: ChatTarget['channel'], externalId: string): Promise<'th' | 'en' | undefined> {
  const [row] = await db
    .select({ language: customers.language })
    .from(customerIdentities)
    .innerJoin(customers, eq(customers.id, customerIdentities.customerId))
    .where(and(eq(customerIdentities.channel, channel), eq(customerIdentities.externalId, externalId)));
  return row?.language ?? undefined;
}
