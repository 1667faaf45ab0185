/**
 * The inbox's reads: the conversation list (one row per conversation, newest activity first, from the
 * conversations table's own columns and indexes) and one conversation's transcript, a page at a time.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import type { OutboxPayload } from '#src/db/schema/index.ts';
import { effectiveState, type ConversationState } from '#src/modules/conversations/index.ts';
import { customerText } from '../outbox-text.ts';

export interface InboxFilter {
  unread?: boolean | undefined;
  waiting?: boolean | undefined;
  /** Assigned to this user. */
  mine?: number | undefined;
  channel?: string | undefined;
  label?: string | undefined;
  /** A name, a phone number or words of a message. */
  q?: string | undefined;
  page: number;
  perPage: number;
}

export interface InboxRow {
  id: number;
  channel: string;
  state: ConversationState;
  unread: number;
  labels: string[];
  lastMessageAt: Date;
  name: string;
  displayName: string | null;
  phone: string | null;
  assignedName: string | null;
  preview: { direction: 'in' | 'out'; sender: string; kind: string; text: string } | null;
}

/** What a message says in one line, whatever made it: the customer's words, or a notice rendered as sent. */
export function messageText(m: { kind: string; text: string | null; payload: OutboxPayload | null }): string {
  if (m.text) return m.text;
  if (m.payload) return customerText(m.payload);
  return '';
}

/** The WHERE of the list, from the filter (every value a parameter). */
function conditions(f: InboxFilter): SQL {
  const where: SQL[] = [sql`true`];
  if (f.unread) where.push(sql`c.unread > 0`);
  if (f.waiting) where.push(sql`c.state = 'waiting' and c.handover_until > now()`);
  if (f.mine !== undefined) where.push(sql`c.assigned_user_id = ${f.mine}`);
  if (f.channel) where.push(sql`c.channel = ${f.channel}`);
  if (f.label) where.push(sql`${f.label} = any(c.labels)`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const digits = f.q.replace(/\D/g, '');
    const phone = digits.length >= 4 ? sql` or cu.phone like ${`%${digits.replace(/^0/, '')}%`}` : sql``;
    where.push(sql`(cu.name ilike ${like} or ci.display_name ilike ${like}${phone}
      or c.id in (select conversation_id from chat_messages where text ilike ${like}))`);
  }
  return sql.join(where, sql` and `);
}

/** The list's order, exactly as its indexes are built (DESC NULLS LAST), so a page is read in index order. */
const newestFirst = sql`c.last_message_at desc nulls last, c.id desc nulls last`;

/**
 * One page of conversations: the page's ids are picked first from the conversations table alone (in
 * the order of its indexes; the customer joined only for a search), then only those rows are joined
 * to their customer and last message, so the list costs the same with 10 or 10,000 conversations.
 */
export async function listConversations(db: DbOrTx, f: InboxFilter): Promise<{ rows: InboxRow[]; more: boolean }> {
  const people = f.q ? sql`join customer_identities ci on ci.id = c.identity_id join customers cu on cu.id = ci.customer_id` : sql``;
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    with page as materialized (
      select c.id from conversations c ${people}
      where ${conditions(f)}
      order by ${newestFirst}
      limit ${f.perPage + 1} offset ${(f.page - 1) * f.perPage})
    select c.id, c.channel, c.state, c.handover_until, c.unread, c.labels, c.last_message_at,
      cu.name, ci.display_name, cu.phone, u.name as assigned_name,
      m.direction, m.sender, m.kind, m.text, o.payload
    from page p
    join conversations c on c.id = p.id
    join customer_identities ci on ci.id = c.identity_id
    join customers cu on cu.id = ci.customer_id
    left join users u on u.id = c.assigned_user_id
    left join chat_messages m on m.id = c.last_message_id
    left join outbox o on o.id = m.outbox_id
    order by ${newestFirst}`);
  const now = new Date();
  const list = rows.slice(0, f.perPage).map(
    (r): InboxRow => ({
      id: Number(r.id),
      channel: String(r.channel),
      state: effectiveState({ state: r.state as ConversationState, handoverUntil: r.handover_until ? new Date(r.handover_until as string) : null }, now),
      unread: Number(r.unread),
      labels: (r.labels as string[] | null) ?? [],
      lastMessageAt: new Date(r.last_message_at as string),
      name: String(r.name),
      displayName: (r.display_name as string | null) ?? null,
      phone: (r.phone as string | null) ?? null,
      assignedName: (r.assigned_name as string | null) ?? null,
      preview: r.kind
        ? {
            direction: r.direction as 'in' | 'out',
            sender: String(r.sender),
            kind: String(r.kind),
            text: messageText({ kind: String(r.kind), text: r.text as string | null, payload: r.payload as OutboxPayload | null }).slice(0, 140),
          }
        : null,
    }),
  );
  return { rows: list, more: rows.length > f.perPage };
}

/** The labels in use, for the filter. */
export async function labelsInUse(db: DbOrTx): Promise<string[]> {
  // From the 1,000 most recent conversations (read in index order): the labels staff use now.
  const { rows } = await db.execute<{ label: string }>(sql`
    select distinct unnest(labels) as label
    from (select labels from conversations c order by ${newestFirst} limit 1000) recent order by 1 limit 200`);
  return rows.map((r) => r.label);
}

export interface TranscriptMessage {
  id: number;
  direction: 'in' | 'out';
  sender: string;
  staffName: string | null;
  kind: string;
  text: string;
  mediaPath: string | null;
  sticker: string | null;
  slipId: number | null;
  slip: { verdict: string; amount: number | null; bank: string | null; ref: string | null; orderNumber: string | null } | null;
  outboxStatus: string | null;
  /** The language the message is written in: the outbox's for what the shop sent, unknown (und) for what customers typed. */
  lang: string;
  createdAt: Date;
}

/** A page of the transcript: up to `limit` messages before `before` (newest page without it), oldest first. */
export async function transcriptPage(
  db: DbOrTx,
  conversationId: number,
  opts: { before?: number | undefined; after?: number | undefined; limit: number },
): Promise<{ messages: TranscriptMessage[]; older: boolean }> {
  const bound = opts.after !== undefined ? sql`and m.id > ${opts.after}` : opts.before !== undefined ? sql`and m.id < ${opts.before}` : sql``;
  const order = opts.after !== undefined ? sql`m.id asc` : sql`m.id desc`;
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select m.id, m.direction, m.sender, u.name as staff_name, m.kind, m.text, m.media_path, m.sticker, m.slip_id, m.created_at,
      o.payload, o.status as outbox_status, s.verdict as slip_status, s.amount as slip_amount, s.bank as slip_bank, s.trans_ref as slip_ref, ord.number as slip_order
    from chat_messages m
    left join users u on u.id = m.staff_user_id
    left join outbox o on o.id = m.outbox_id
    left join payment_slips s on s.id = m.slip_id
    left join orders ord on ord.id = s.order_id
    where m.conversation_id = ${conversationId} ${bound}
    order by ${order}
    limit ${opts.limit + 1}`);
  const page = rows.slice(0, opts.limit);
  const messages = page.map(
    (r): TranscriptMessage => ({
      id: Number(r.id),
      direction: r.direction as 'in' | 'out',
      sender: String(r.sender),
      staffName: (r.staff_name as string | null) ?? null,
      kind: String(r.kind),
      text: messageText({ kind: String(r.kind), text: r.text as string | null, payload: r.payload as OutboxPayload | null }),
      mediaPath: (r.media_path as string | null) ?? null,
      sticker: (r.sticker as string | null) ?? null,
      slipId: r.slip_id === null ? null : Number(r.slip_id),
      slip: r.slip_status
        ? {
            verdict: String(r.slip_status),
            amount: r.slip_amount === null ? null : Number(r.slip_amount),
            bank: (r.slip_bank as string | null) ?? null,
            ref: (r.slip_ref as string | null) ?? null,
            orderNumber: (r.slip_order as string | null) ?? null,
          }
        : null,
      outboxStatus: (r.outbox_status as string | null) ?? null,
      lang: (r.payload as OutboxPayload | null)?.locale ?? 'und',
      createdAt: new Date(r.created_at as string),
    }),
  );
  if (opts.after === undefined) messages.reverse();
  return { messages, older: opts.after === undefined && rows.length > opts.limit };
}

/** Who the conversation is with: the chat identity and its customer. */
export async function conversationHead(db: DbOrTx, id: number) {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select c.*, ci.external_id, ci.display_name, ci.customer_id, ci.last_inbound_at, u.name as assigned_name
    from conversations c
    join customer_identities ci on ci.id = c.identity_id
    left join users u on u.id = c.assigned_user_id
    where c.id = ${id}`);
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: Number(r.id),
    identityId: Number(r.identity_id),
    channel: String(r.channel),
    externalId: String(r.external_id),
    displayName: (r.display_name as string | null) ?? null,
    customerId: Number(r.customer_id),
    state: effectiveState({ state: r.state as ConversationState, handoverUntil: r.handover_until ? new Date(r.handover_until as string) : null }, new Date()),
    handoverUntil: r.handover_until ? new Date(r.handover_until as string) : null,
    assignedUserId: r.assigned_user_id === null ? null : Number(r.assigned_user_id),
    assignedName: (r.assigned_name as string | null) ?? null,
    labels: (r.labels as string[] | null) ?? [],
    unread: Number(r.unread),
    lastMessageId: r.last_message_id === null ? null : Number(r.last_message_id),
    replyTokenValid: Boolean(r.reply_token) && r.reply_token_expires_at !== null && new Date(r.reply_token_expires_at as string).getTime() > Date.now() + 5_000,
  };
}

export type ConversationHead = NonNullable<Awaited<ReturnType<typeof conversationHead>>>;

/** The open cart of the chat identity: what the customer put in it and has not ordered yet. */
export async function openCart(db: DbOrTx, identityId: number) {
  const { rows } = await db.execute<{ sku: string; name_th: string; name_en: string; qty: number; price: number }>(sql`
    select v.sku, p.name_th, p.name_en, ci.qty, v.price
    from cart_items ci join product_variants v on v.id = ci.variant_id join products p on p.id = v.product_id
    where ci.identity_id = ${identityId} order by ci.created_at, ci.variant_id`);
  return rows.map((r) => ({ sku: r.sku, nameTh: r.name_th, nameEn: r.name_en, qty: Number(r.qty), price: Number(r.price) }));
}

/** Changes since `since` (a database time): the conversations whose activity moved, for the live list. */
export async function conversationsChangedSince(db: DbOrTx, since: Date): Promise<{ id: number; at: Date; lastMessageId: number | null }[]> {
  const { rows } = await db.execute<{ id: number; at: string; last_message_id: number | null }>(sql`
    select id, last_message_at as at, last_message_id from conversations where last_message_at > ${since.toISOString()}::timestamptz
    order by last_message_at limit 200`);
  return rows.map((r) => ({ id: Number(r.id), at: new Date(r.at), lastMessageId: r.last_message_id === null ? null : Number(r.last_message_id) }));
}

/** The customer's newest parcel with a tracking number (for {tracking} and the tracking link). */
export async function latestParcel(db: DbOrTx, customerId: number, orderNumber?: string) {
  const { rows } = await db.execute<{ number: string; carrier: string | null; tracking_number: string }>(sql`
    select o.number, s.carrier, s.tracking_number from shipments s join orders o on o.id = s.order_id
    where o.customer_id = ${customerId} and s.tracking_number is not null ${orderNumber ? sql`and o.number = ${orderNumber}` : sql``}
    order by s.id desc limit 1`);
  const r = rows[0];
  return r ? { orderNumber: r.number, carrier: r.carrier ?? '', trackingNumber: r.tracking_number } : undefined;
}

/** Saved replies, oldest first (the order staff made them in). */
export async function savedReplyList(db: DbOrTx) {
  const { rows } = await db.execute<{ id: number; title: string; body: string }>(sql`select id, title, body from saved_replies order by id`);
  return rows.map((r) => ({ id: Number(r.id), title: r.title, body: r.body }));
}

/** A saved reply with its placeholders filled for one conversation. */
export function fillSavedReply(body: string, facts: { name: string; order: string; total: string; tracking: string }): string {
  return body.replace(/\{(name|order|total|tracking)\}/g, (_, key: keyof typeof facts) => facts[key]);
}

/** The stored file of a photo the customer sent in this conversation. */
export async function inboundPhoto(db: DbOrTx, conversationId: number, messageId: number): Promise<string | undefined> {
  const { rows } = await db.execute<{ media_path: string | null }>(sql`
    select media_path from chat_messages where id = ${messageId} and conversation_id = ${conversationId} and direction = 'in' and kind = 'image'`);
  return rows[0]?.media_path ?? undefined;
}
