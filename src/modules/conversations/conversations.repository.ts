import { and, asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { cartItems, chatInbox, chatSessions, webchatMessages, type ChatInboxRow } from '../../db/schema/index.ts';

// ---- inbox --------------------------------------------------------------------------------------

export interface InboundRecord {
  channel: string;
  eventId: string;
  userKey: string;
  payload: Record<string, unknown>;
}

/** Stores events once each; returns how many were new (a redelivery adds nothing). */
export async function recordInbound(db: DbOrTx, events: InboundRecord[]): Promise<number> {
  if (events.length === 0) return 0;
  const inserted = await db
    .insert(chatInbox)
    .values(events)
    .onConflictDoNothing({ target: [chatInbox.channel, chatInbox.eventId] })
    .returning({ id: chatInbox.id });
  return inserted.length;
}

/**
 * Claims the oldest pending event of a person nobody else is serving, inside the caller's transaction.
 * The advisory lock on the person keeps one person's events in order across workers and instances,
 * while different people are served in parallel.
 */
export async function claimNextInbound(tx: Tx): Promise<ChatInboxRow | undefined> {
  // Each person's oldest pending event, when it is due: one person's event waiting for a retry
  // holds back that person only, never everyone queued behind them.
  const candidates = await tx.execute<{ user_key: string }>(sql`
    select user_key from (
      select distinct on (user_key) user_key, id, available_at from ${chatInbox}
      where status = 'pending' order by user_key, id
    ) heads
    where available_at <= now()
    order by id
    limit 20`);
  const seen = new Set<string>();
  for (const { user_key: userKey } of candidates.rows) {
    if (seen.has(userKey)) continue;
    seen.add(userKey);
    const locked = await tx.execute<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(hashtextextended(${userKey}, 7146)) as ok`);
    if (!locked.rows[0]?.ok) continue;
    const [row] = await tx
      .select()
      .from(chatInbox)
      .where(and(eq(chatInbox.userKey, userKey), eq(chatInbox.status, 'pending')))
      .orderBy(asc(chatInbox.id))
      .limit(1)
      .for('update', { skipLocked: true });
    // The person's oldest event goes first, even when it waits for a retry: order matters in a conversation.
    if (row && row.availableAt.getTime() <= Date.now()) return row;
  }
  return undefined;
}

export async function markInbound(
  db: DbOrTx,
  id: number,
  outcome: { status: 'done' } | { status: 'failed'; error: string } | { status: 'pending'; error: string; retryInMs: number },
) {
  await db
    .update(chatInbox)
    .set({
      status: outcome.status,
      ...(outcome.status === 'pending' ? { availableAt: new Date(Date.now() + outcome.retryInMs) } : {}),
      processedAt: outcome.status === 'done' ? new Date() : null,
      attempts: sql`${chatInbox.attempts} + 1`,
      lastError: outcome.status === 'done' ? null : outcome.error,
    })
    .where(eq(chatInbox.id, id));
}

export async function pendingInboundCount(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(chatInbox).where(eq(chatInbox.status, 'pending'));
  return row!.n;
}

// ---- conversation state -------------------------------------------------------------------------

export async function loadSessionState<T extends Record<string, unknown>>(tx: Tx, identityId: number): Promise<T | undefined> {
  const [row] = await tx.select().from(chatSessions).where(eq(chatSessions.identityId, identityId));
  return row?.state as T | undefined;
}

export async function saveSessionState(tx: Tx, identityId: number, state: Record<string, unknown>) {
  await tx
    .insert(chatSessions)
    .values({ identityId, state })
    .onConflictDoUpdate({ target: chatSessions.identityId, set: { state, updatedAt: new Date() } });
}

// ---- carts --------------------------------------------------------------------------------------

export async function cartOf(db: DbOrTx, identityId: number) {
  return db.select().from(cartItems).where(eq(cartItems.identityId, identityId)).orderBy(asc(cartItems.addedAt), asc(cartItems.variantId));
}

export async function setCartQty(tx: Tx, identityId: number, variantId: number, qty: number) {
  if (qty <= 0) {
    await tx.delete(cartItems).where(and(eq(cartItems.identityId, identityId), eq(cartItems.variantId, variantId)));
    return;
  }
  await tx
    .insert(cartItems)
    .values({ identityId, variantId, qty })
    .onConflictDoUpdate({ target: [cartItems.identityId, cartItems.variantId], set: { qty } });
}

export async function clearCart(tx: Tx, identityId: number) {
  await tx.delete(cartItems).where(eq(cartItems.identityId, identityId));
}

// ---- web chat transcript ------------------------------------------------------------------------

export async function appendWebchat(
  db: DbOrTx,
  msg: { visitorId: string; sender: 'bot' | 'me'; clientId?: string | undefined; parts: unknown[] },
): Promise<boolean> {
  const inserted = await db.insert(webchatMessages).values(msg).onConflictDoNothing().returning({ id: webchatMessages.id });
  return inserted.length > 0;
}

export async function webchatAfter(db: DbOrTx, visitorId: string, afterId: number, limit = 100) {
  return db
    .select()
    .from(webchatMessages)
    .where(and(eq(webchatMessages.visitorId, visitorId), sql`${webchatMessages.id} > ${afterId}`))
    .orderBy(asc(webchatMessages.id))
    .limit(limit);
}
