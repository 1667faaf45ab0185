/**
 * The inbox's storage: one conversation per chat identity and its transcript. Messages are written
 * once each — inbound while their chat_inbox event is processed (keyed by the inbox row), outbound
 * when their outbox row is queued (keyed by the outbox row) — in set-based statements that also keep
 * the conversation's last activity and unread count, so the list reads one row per conversation.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { inList, jsonRows } from '../../db/json-rows.ts';
import { conversations, type Conversation, type MessageSender } from '../../db/schema/index.ts';
import { nextHandover, type HandoverEvent, type HandoverState } from './handover.ts';

export interface InboundMessage {
  inboxId: number;
  eventId: string;
  channel: string;
  identityId: number;
  kind: string;
  text?: string | undefined;
  mediaPath?: string | undefined;
  sticker?: string | undefined;
}

/**
 * The customer's messages of one batch, in one statement: their conversations are made when new,
 * each message stored once (a retried event adds nothing), and the conversations' last activity and
 * unread counts moved. (Photos read as slips are linked to their slip afterwards: linkSlips.)
 */
export async function recordInboundMessages(tx: Tx, msgs: InboundMessage[]): Promise<void> {
  if (msgs.length === 0) return;
  const input = jsonRows(
    'i',
    { inbox_id: 'bigint', event_id: 'text', channel: 'text', identity_id: 'int', kind: 'text', text: 'text', media_path: 'text', sticker: 'text' },
    msgs,
  );
  await openConversations(tx, [...new Map(msgs.map((m) => [m.identityId, m.channel]))]);
  // Two statements: an UPDATE cannot see rows another part of its own statement inserted.
  await tx.execute(sql`
    with input as (select * from ${input}),
    conv as (select id, identity_id from conversations where identity_id in (select identity_id from input)),
    ins as (
      insert into chat_messages (conversation_id, direction, sender, channel, event_id, inbox_id, kind, text, media_path, sticker)
      select conv.id, 'in', 'customer', i.channel, i.event_id, i.inbox_id, i.kind, i.text, i.media_path, i.sticker
      from input i join conv using (identity_id)
      order by i.inbox_id
      on conflict (inbox_id) do nothing
      returning id, conversation_id, kind)
    update conversations c set last_message_id = x.id, last_message_at = now(), unread = c.unread + x.written
    from (
      -- Following or leaving is not writing: on the record, never unread.
      select conversation_id, max(id) as id, count(*) filter (where kind not in ('follow', 'unfollow'))::int as written
      from ins group by conversation_id) x
    where c.id = x.conversation_id`);
}

/**
 * LINE reply tokens of events the bot left unanswered (during a hand-over): staff's reply may use the
 * newest while it is valid, instead of a push counted against the shop's monthly quota.
 */
export async function keepReplyTokens(tx: Tx, tokens: { identityId: number; token: string; expiresAt: Date }[]): Promise<void> {
  for (const t of tokens) {
    await tx
      .update(conversations)
      .set({ replyToken: t.token, replyTokenExpiresAt: t.expiresAt })
      .where(eq(conversations.identityId, t.identityId));
  }
}

/** Makes the conversations of chat identities that have none yet. */
async function openConversations(tx: Tx, identities: [number, string][]): Promise<void> {
  if (identities.length === 0) return;
  await tx.execute(sql`
    insert into conversations (identity_id, channel)
    select v.identity_id, v.channel from ${jsonRows('v', { identity_id: 'int', channel: 'text' }, identities.map(([identityId, channel]) => ({ identityId, channel })))}
    on conflict (identity_id) do nothing`);
}

/** Slip photos are stored before the engine reads them as slips: links each to the slip it became. */
export async function linkSlips(tx: Tx, inboxIds: number[]): Promise<void> {
  if (inboxIds.length === 0) return;
  await tx.execute(sql`
    update chat_messages m set slip_id = s.id
    from payment_slips s
    where m.inbox_id in (${sql.join(inboxIds.map((id) => sql`${id}`), sql`, `)})
      and m.kind = 'image' and m.slip_id is null and s.image_path = m.media_path`);
}

export interface OutboundRecord {
  outboxId: number;
  channel: string;
  recipient: string;
  dedupeKey: string;
  sender: MessageSender;
  staffUserId?: number | undefined;
  kind: string;
  text?: string | undefined;
  mediaPath?: string | undefined;
}

/**
 * Queued messages to customers, in one statement, once per outbox row: each joins the conversation of
 * the chat identity it goes to (made when new). Messages to the merchant's chats have no identity and
 * are not part of any customer's conversation.
 */
export async function recordOutboundMessages(tx: Tx, msgs: OutboundRecord[]): Promise<void> {
  const toCustomers = msgs.filter((m) => !m.dedupeKey.startsWith('merchant:'));
  if (toCustomers.length === 0) return;
  await tx.execute(sql`
    insert into conversations (identity_id, channel)
    select distinct ci.id, ci.channel::text from customer_identities ci
    join ${jsonRows('v', { channel: 'text', recipient: 'text' }, toCustomers)}
      on ci.channel::text = v.channel and ci.external_id = v.recipient
    on conflict (identity_id) do nothing`);
  const input = jsonRows(
    'i',
    { outbox_id: 'bigint', channel: 'text', recipient: 'text', sender: 'text', staff_user_id: 'int', kind: 'text', text: 'text', media_path: 'text' },
    toCustomers,
  );
  await tx.execute(sql`
    with input as (select * from ${input}),
    who as (
      select i.outbox_id, ci.id as identity_id
      from input i join customer_identities ci on ci.channel::text = i.channel and ci.external_id = i.recipient),
    conv as (select id, identity_id from conversations where identity_id in (select identity_id from who)),
    ins as (
      insert into chat_messages (conversation_id, direction, sender, staff_user_id, channel, outbox_id, kind, text, media_path)
      select conv.id, 'out', i.sender, i.staff_user_id, i.channel, i.outbox_id, i.kind, i.text, i.media_path
      from input i join who using (outbox_id) join conv using (identity_id)
      order by i.outbox_id
      on conflict (outbox_id) do nothing
      returning id, conversation_id)
    update conversations c set last_message_id = x.id, last_message_at = now()
    from (select conversation_id, max(id) as id from ins group by conversation_id) x
    where c.id = x.conversation_id`);
}

/** The conversation of a chat identity, made when new (a customer staff write to first). */
export async function conversationOfIdentity(db: DbOrTx, identityId: number, channel: string): Promise<Conversation> {
  const [row] = await db
    .insert(conversations)
    .values({ identityId, channel })
    .onConflictDoUpdate({ target: conversations.identityId, set: { channel } })
    .returning();
  return row!;
}

export async function findConversation(db: DbOrTx, id: number): Promise<Conversation | undefined> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
  return row;
}

/** Hand-over state per identity, for the engine (one query per batch). */
export async function handoverOf(db: DbOrTx, identityIds: number[]): Promise<Map<number, HandoverState>> {
  if (identityIds.length === 0) return new Map();
  const rows = await db
    .select({ identityId: conversations.identityId, state: conversations.state, handoverUntil: conversations.handoverUntil, assignedUserId: conversations.assignedUserId })
    .from(conversations)
    .where(inList(conversations.identityId, identityIds, 'int'));
  return new Map(rows.map((r) => [r.identityId, { state: r.state, handoverUntil: r.handoverUntil, assignedUserId: r.assignedUserId }]));
}

export interface HandoverChange {
  conversation: Conversation;
  before: HandoverState;
  after: HandoverState;
}

/**
 * Moves a conversation's hand-over (the state machine in handover.ts) under a row lock, so a staff
 * take-over and a customer's message never overwrite each other. By conversation id or chat identity.
 */
export async function moveHandover(
  tx: Tx,
  which: { conversationId: number } | { identityId: number; channel: string },
  event: HandoverEvent,
  minutes: number,
  now = new Date(),
): Promise<HandoverChange | undefined> {
  if ('identityId' in which) await conversationOfIdentity(tx, which.identityId, which.channel);
  const where = 'identityId' in which ? eq(conversations.identityId, which.identityId) : eq(conversations.id, which.conversationId);
  const [current] = await tx.select().from(conversations).where(where).for('update');
  if (!current) return undefined;
  const before: HandoverState = { state: current.state, handoverUntil: current.handoverUntil, assignedUserId: current.assignedUserId };
  const after = nextHandover(before, event, now, minutes);
  const [updated] = await tx
    .update(conversations)
    .set({ state: after.state, handoverUntil: after.handoverUntil, assignedUserId: after.assignedUserId })
    .where(eq(conversations.id, current.id))
    .returning();
  return { conversation: updated!, before, after };
}

/** Staff read the conversation up to its last message. */
export async function markRead(db: DbOrTx, conversationId: number, userId: number): Promise<void> {
  await db
    .update(conversations)
    .set({ unread: 0, lastReadMessageId: sql`${conversations.lastMessageId}`, lastReadBy: userId })
    .where(and(eq(conversations.id, conversationId)));
}

/**
 * Takes the LINE reply token the bot left unanswered, if it is still good for a moment: it is used
 * once (cleared in the same statement), else the message goes as a push.
 */
export async function takeReplyToken(tx: Tx, conversationId: number, marginMs = 5_000): Promise<{ token: string; expiresAt: Date } | undefined> {
  const { rows } = await tx.execute<{ token: string | null; expires_at: Date | string | null }>(sql`
    update conversations c set reply_token = null, reply_token_expires_at = null
    from (select id, reply_token, reply_token_expires_at from conversations where id = ${conversationId} for update) old
    where c.id = old.id
    returning old.reply_token as token, old.reply_token_expires_at as expires_at`);
  const row = rows[0];
  if (!row?.token || !row.expires_at) return undefined;
  const expiresAt = new Date(row.expires_at);
  return expiresAt.getTime() > Date.now() + marginMs ? { token: row.token, expiresAt } : undefined;
}

/** Sets the labels of a conversation (trimmed, unique, at most 20). */
export async function setLabels(db: DbOrTx, conversationId: number, labels: string[]): Promise<void> {
  const clean = [...new Set(labels.map((l) => l.trim().slice(0, 40)).filter(Boolean))].slice(0, 20);
  await db.update(conversations).set({ labels: clean }).where(eq(conversations.id, conversationId));
}

/** How many customers wait for a person now (the nav badge). */
export async function waitingCount(db: DbOrTx): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from conversations where state = 'waiting' and handover_until > now()`);
  return Number(rows[0]?.n ?? 0);
}
