import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { insertRows } from '../../db/json-rows.ts';
import { outbox, type MessageSender, type OutboxPayload, type OutboxRow } from '../../db/schema/index.ts';
import { recordOutboundMessages, type OutboundRecord } from '../conversations/index.ts';
import type { OutMessage } from '../../ports/messages.ts';

export interface OutboundMessage {
  channel: 'line' | 'telegram' | 'webchat' | 'facebook' | 'instagram';
  recipient: string;
  /** A notice and the recipient's language (notices.ts: payloadOf), rendered when sent. */
  payload: OutboxPayload;
  /** Names the event, e.g. "order:TL-10001:shipped:3"; the same key is never queued twice. */
  dedupeKey: string;
  replyToken?: string | undefined;
  replyTokenExpiresAt?: Date | undefined;
  /** The staff member who wrote it (a reply from the inbox), for the transcript. */
  staffUserId?: number | undefined;
}

/** What a queued message is in the conversation's transcript: who says it, and its words when already written. */
function transcriptOf(msg: OutboundMessage, outboxId: number): OutboundRecord {
  const base = { outboxId, channel: msg.channel, recipient: msg.recipient, dedupeKey: msg.dedupeKey, staffUserId: msg.staffUserId };
  const byStaff = msg.staffUserId !== undefined || ('messages' in msg.payload && msg.payload.by === 'staff');
  const sender: MessageSender = byStaff ? 'staff' : msg.dedupeKey.startsWith('reply:') ? 'bot' : 'shop';
  // A notice's words are chosen when it is sent (templates/messages): the transcript renders it from the outbox row.
  if (!('messages' in msg.payload)) return { ...base, sender, kind: 'notice' };
  const out = msg.payload.messages as OutMessage[];
  const text = out
    .map((x) => (x.type === 'text' ? x.text : x.type === 'image' ? (x.caption ?? x.altText) : [x.altText, ...x.cards.map((c) => `${c.title} ${c.price}`)].join('\n')))
    .join('\n');
  const image = out.find((x) => x.type === 'image');
  const kind = out.length === 1 ? out[0]!.type : 'messages';
  return { ...base, sender, kind, text, mediaPath: image?.type === 'image' ? image.url : undefined };
}

/**
 * Queues messages in the caller's transaction, in one statement: each is sent only if the change that
 * caused it commits, and at most once per dedupe key. Returns how many were new. (Callers go through
 * tellCustomer and notifyMerchant.)
 */
export async function enqueueMessages(tx: Tx, msgs: OutboundMessage[]): Promise<number> {
  if (msgs.length === 0) return 0;
  const inserted = await insertRows(
    tx,
    outbox,
    msgs.map((msg) => ({
      channel: msg.channel,
      recipient: msg.recipient,
      payload: msg.payload,
      dedupeKey: msg.dedupeKey,
      replyToken: msg.replyToken,
      replyTokenExpiresAt: msg.replyTokenExpiresAt,
    })),
    { onConflict: sql`(dedupe_key) do nothing` },
  );
  // Each message queued for a customer joins their conversation's transcript, once (as the outbox row is).
  const byKey = new Map(msgs.map((m) => [m.dedupeKey, m]));
  await recordOutboundMessages(
    tx,
    inserted.map((row) => transcriptOf(byKey.get(row.dedupeKey)!, row.id)),
  );
  return inserted.length;
}

export async function outboxFor(db: DbOrTx, recipient: string): Promise<OutboxRow[]> {
  return db.select().from(outbox).where(eq(outbox.recipient, recipient)).orderBy(asc(outbox.id));
}

/** Messages that could not be delivered after every retry, newest first, for the back office. */
export async function deadMessages(db: DbOrTx, limit = 100): Promise<OutboxRow[]> {
  return db.select().from(outbox).where(eq(outbox.status, 'dead')).orderBy(desc(outbox.updatedAt)).limit(limit);
}

/**
 * Messages a channel's rules kept from being sent (a reorder reminder more than 24 hours after the
 * customer last wrote on Messenger), newest first, with the reason, for the back office.
 */
export async function skippedMessages(db: DbOrTx, limit = 100): Promise<OutboxRow[]> {
  return db.select().from(outbox).where(eq(outbox.status, 'skipped')).orderBy(desc(outbox.updatedAt)).limit(limit);
}

/**
 * Sends a dead message again, from scratch. Only a dead row moves, so a double click cannot queue it
 * twice; a LINE push keeps its retry key, so a message that did arrive is not shown twice.
 */
export async function resendDeadMessage(db: DbOrTx, id: number): Promise<boolean> {
  const updated = await db
    .update(outbox)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: new Date(), lastError: null, lockedUntil: null, replyToken: null })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'dead')))
    .returning({ id: outbox.id });
  return updated.length > 0;
}
