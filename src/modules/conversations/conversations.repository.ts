import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { inList, insertRows, jsonRows } from '../../db/json-rows.ts';
import {
  cartItems,
  chatInbox,
  chatSessions,
  customerIdentities,
  customers,
  webchatMessages,
  type ChatChannel,
  type ChatInboxRow,
  type Customer,
} from '../../db/schema/index.ts';

// ---- inbox --------------------------------------------------------------------------------------

export interface InboundRecord {
  channel: string;
  eventId: string;
  userKey: string;
  payload: Record<string, unknown>;
}

/**
 * Stores events once each, in the order given (ids follow it: a person's events are handled in id
 * order); returns those that were new (a redelivery adds nothing). The events travel as one parameter
 * (jsonRows): a receipt group is dozens of events, each with its payload.
 */
export async function recordInbound(db: DbOrTx, events: InboundRecord[]): Promise<{ channel: string; eventId: string }[]> {
  if (events.length === 0) return [];
  const input = jsonRows('r', { ordinal: 'int', channel: 'text', event_id: 'text', user_key: 'text', payload: 'jsonb' }, events.map((e, ordinal) => ({ ordinal, ...e })));
  const { rows } = await db.execute<{ channel: string; event_id: string }>(sql`
    insert into ${chatInbox} (channel, event_id, user_key, payload)
    select r.channel, r.event_id, r.user_key, r.payload from ${input} order by r.ordinal
    on conflict (channel, event_id) do nothing
    returning channel, event_id`);
  return rows.map((r) => ({ channel: r.channel, eventId: r.event_id }));
}

/** The oldest pending event of each person whose event is due: the only candidates to take next. */
const dueHeads = (limit: number) => sql`
  select id from (
    select distinct on (user_key) id, available_at from ${chatInbox}
    where status = 'pending'
    order by user_key, id) h
  where available_at <= now()
  order by id
  limit ${limit}`;

/**
 * Leases, in one short statement of its own, the oldest pending event of up to `limit` different
 * people for `leaseMs`: their availability moves past the lease, so no other worker or instance takes
 * them (nor those people's next events) while this one reads photos and calls channels outside any
 * transaction. Only a person's oldest pending event is ever a candidate, so each person's events are
 * handled in order while different people are served in parallel. Candidates are ten times the batch
 * and locked with SKIP LOCKED, so workers leasing at the same moment pass over each other's rows. A
 * worker that dies holding a lease loses it when the lease runs out; the event is then taken again.
 */
export async function leaseInbound(db: DbOrTx, opts: { limit: number; leaseMs: number; onlyId?: number | undefined }): Promise<ChatInboxRow[]> {
  const candidates = opts.onlyId === undefined ? dueHeads(opts.limit * 10) : sql`select id from (${dueHeads(opts.limit * 10)}) d where id = ${opts.onlyId}`;
  const { rows } = await db.execute<{ id: number }>(sql`
    update ${chatInbox} set available_at = now() + ${`${opts.leaseMs} milliseconds`}::interval
    where id in (
      select c.id from ${chatInbox} c
      -- Checked again on the locked row: a worker leasing at the same moment, whose lease committed
      -- while this statement waited, moved available_at past now(); the candidates' snapshot still
      -- showed it due, and without this the event was leased (its photo fetched and read) twice.
      where c.id in (${candidates}) and c.status = 'pending' and c.available_at <= now()
      order by c.id
      limit ${opts.limit}
      for update of c skip locked)
    returning id`);
  if (rows.length === 0) return [];
  return db
    .select()
    .from(chatInbox)
    .where(inList(chatInbox.id, rows.map((r) => Number(r.id)), 'bigint'))
    .orderBy(asc(chatInbox.id));
}

/**
 * Claims, inside the caller's transaction, leased events that are still pending: each is row-locked
 * and its status checked again on the locked row, so an event finished by another worker a moment ago
 * (after its lease ran out) is never handled twice. It waits for a lock rather than skipping the row:
 * another worker's lease statement that looked at this event and passed it by (see leaseInbound) holds
 * it locked for a moment, and skipped, the event stayed pending unanswered until the lease ran out.
 * Locks on these rows are only ever held by such statements and by short processing transactions.
 */
export async function claimInbound(tx: Tx, ids: number[]): Promise<ChatInboxRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(chatInbox)
    .where(and(inList(chatInbox.id, ids, 'bigint'), eq(chatInbox.status, 'pending')))
    .orderBy(asc(chatInbox.id))
    .for('update');
}

/** Marks events handled, in one statement. */
export async function markInboundDone(tx: Tx, ids: number[]) {
  if (ids.length === 0) return;
  await tx
    .update(chatInbox)
    .set({ status: 'done', processedAt: new Date(), attempts: sql`${chatInbox.attempts} + 1`, lastError: null })
    .where(inList(chatInbox.id, ids, 'bigint'));
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

/**
 * Forgets handled events received before `before`, `batch` rows per statement so no long lock is
 * held. A channel redelivers an event within minutes, never weeks later, so the dedupe they served is
 * over; events that failed stay for a look. Returns how many were removed.
 */
export async function pruneInbound(db: DbOrTx, before: Date, batch = 5000): Promise<number> {
  let removed = 0;
  for (;;) {
    const { rowCount } = await db.execute(sql`
      delete from ${chatInbox} where id in (
        select id from ${chatInbox} where status = 'done' and received_at < ${before} limit ${batch})`);
    removed += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return removed;
  }
}

// ---- conversation state -------------------------------------------------------------------------

export interface StoredConversation<T> {
  customer: Customer;
  identityId: number;
  state: T | undefined;
  /** The cart as stored: quantity per variant, in the order the items were added. */
  cart: Map<number, number>;
}

/**
 * Returning people's customer records, chat identities, conversation states and carts, in one query
 * however many people a batch of events holds (the common case for every message). Keyed by
 * `channel:externalId`; someone who never wrote has no entry, and is then created.
 */
export async function findConversations<T extends Record<string, unknown>>(
  tx: Tx,
  people: { channel: ChatChannel; externalId: string }[],
): Promise<Map<string, StoredConversation<T>>> {
  const found = new Map<string, StoredConversation<T>>();
  if (people.length === 0) return found;
  const cart = sql<[number, number][]>`(
    select coalesce(json_agg(json_build_array(${cartItems.variantId}, ${cartItems.qty}) order by ${cartItems.addedAt}, ${cartItems.variantId}), '[]')
    from ${cartItems} where ${cartItems.identityId} = ${customerIdentities.id})`;
  const rows = await tx
    .select({ customer: customers, identityId: customerIdentities.id, channel: customerIdentities.channel, externalId: customerIdentities.externalId, state: chatSessions.state, cart })
    .from(customerIdentities)
    .innerJoin(customers, eq(customers.id, customerIdentities.customerId))
    .leftJoin(chatSessions, eq(chatSessions.identityId, customerIdentities.id))
    .where(
      and(
        inArray(customerIdentities.channel, [...new Set(people.map((p) => p.channel))]),
        inList(customerIdentities.externalId, [...new Set(people.map((p) => p.externalId))], 'text'),
      ),
    );
  for (const row of rows) {
    found.set(conversationKey(row.channel, row.externalId), {
      customer: row.customer,
      identityId: row.identityId,
      state: (row.state ?? undefined) as T | undefined,
      cart: new Map(row.cart.map(([variantId, qty]) => [Number(variantId), Number(qty)])),
    });
  }
  return found;
}

export const conversationKey = (channel: string, externalId: string) => `${channel}:${externalId}`;

/** Who a chat id belongs to and the step their conversation is at (undefined when they never wrote). */
export async function conversationOf(db: DbOrTx, channel: string, externalId: string): Promise<{ customerId: number; step: string | undefined } | undefined> {
  const { rows } = await db.execute<{ customer_id: number; step: string | null }>(sql`
    select i.customer_id, s.state->>'step' as step from customer_identities i
    left join ${chatSessions} s on s.identity_id = i.id
    where i.channel = ${channel} and i.external_id = ${externalId}`);
  const row = rows[0];
  return row ? { customerId: Number(row.customer_id), step: row.step ?? undefined } : undefined;
}

/** Conversation states of many identities in one statement. */
export async function saveSessionStates(tx: Tx, states: { identityId: number; state: Record<string, unknown> }[]) {
  if (states.length === 0) return;
  await insertRows(tx, chatSessions, states, { onConflict: sql`(identity_id) do update set state = excluded.state, updated_at = now()` });
}

// ---- carts --------------------------------------------------------------------------------------

export interface CartChange {
  identityId: number;
  variantId: number;
  /** 0 removes the item. */
  qty: number;
}

/** Applies many carts' changes: one upsert for the new quantities, one delete for the removed items. */
export async function saveCartChanges(tx: Tx, changes: CartChange[]) {
  const kept = changes.filter((c) => c.qty > 0);
  const removed = changes.filter((c) => c.qty <= 0);
  if (kept.length > 0) {
    await insertRows(tx, cartItems, kept, { onConflict: sql`(identity_id, variant_id) do update set qty = excluded.qty` });
  }
  if (removed.length > 0) {
    await tx
      .delete(cartItems)
      .where(sql`(${cartItems.identityId}, ${cartItems.variantId}) in (${sql.join(removed.map((c) => sql`(${c.identityId}, ${c.variantId})`), sql`, `)})`);
  }
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
