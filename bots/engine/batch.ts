/**
 * What one transaction of chat events reads once and writes once. The inbox processor handles the
 * events of many people in one transaction, one event per person; reading each person's
 * conversation and cart, the catalog and stock one query per event, and writing each cart change and
 * state one statement per event, made the database round trips, not the conversation, the cost of
 * chat. So a batch loads every person's conversation and cart in one query, reads the catalog once,
 * keeps the carts and states in memory while the engine works on them, and writes what changed in a
 * few statements just before the commit. A person's cart is only ever touched by their own event,
 * so the copy in memory is the truth until the flush.
 */
import type { Tx } from '#src/db/client.ts';
import type { ChatChannel } from '#src/db/schema/index.ts';
import { listCatalogCards, type CatalogCard } from '#src/modules/catalog/index.ts';
import {
  conversationKey,
  findConversations,
  handoverOf,
  saveCartChanges,
  type HandoverState,
  saveSessionStates,
  type CartChange,
  type StoredConversation,
} from '#src/modules/conversations/index.ts';
import { createChatIdentities } from '#src/modules/customers/index.ts';
import { availableByVariant } from '#src/modules/inventory/index.ts';
import { indexCatalog, type CatalogIndex } from './understanding/index.ts';

export interface BatchPerson {
  channel: ChatChannel;
  userId: string;
  displayName?: string | undefined;
  language?: 'th' | 'en' | undefined;
}

export interface BatchConversation<State> extends StoredConversation<State> {
  /** This person never wrote before: their customer record was made for this event. */
  created: boolean;
}

/** One identity's cart while a batch works on it: quantities per variant in the order they were added. */
export class Cart {
  readonly #items: Map<number, number>;
  constructor(items: Map<number, number>) {
    this.#items = new Map(items);
  }
  qty(variantId: number): number {
    return this.#items.get(variantId) ?? 0;
  }
  set(variantId: number, qty: number) {
    if (qty > 0) this.#items.set(variantId, qty);
    else this.#items.delete(variantId);
  }
  clear() {
    this.#items.clear();
  }
  lines(): { variantId: number; qty: number }[] {
    return [...this.#items].map(([variantId, qty]) => ({ variantId, qty }));
  }
}

export function createChatBatch<State extends Record<string, unknown>>(tx: Tx) {
  const conversations = new Map<string, BatchConversation<State>>();
  const carts = new Map<number, { stored: Map<number, number>; cart: Cart }>();
  const states = new Map<number, State>();
  const available = new Map<number, number>();
  const handovers = new Map<number, HandoverState>();
  let catalog: Promise<{ cards: CatalogCard[]; index: CatalogIndex<CatalogCard>; bySku: Map<string, CatalogCard> }> | undefined;

  return {
    tx,
    /**
     * Loads the conversations of everyone in the batch in one query, and makes the customers and chat
     * identities of those who never wrote before in two more.
     */
    async load(people: BatchPerson[]) {
      const missing = [...new Map(people.map((p) => [conversationKey(p.channel, p.userId), p])).values()].filter(
        (p) => !conversations.has(conversationKey(p.channel, p.userId)),
      );
      if (missing.length === 0) return;
      const found = await findConversations<State>(tx, missing.map((p) => ({ channel: p.channel, externalId: p.userId })));
      for (const [key, conversation] of found) conversations.set(key, { ...conversation, created: false });
      const newcomers = missing.filter((p) => !found.has(conversationKey(p.channel, p.userId)));
      const made = await createChatIdentities(
        tx,
        newcomers.map((p) => ({ channel: p.channel, externalId: p.userId, displayName: p.displayName, language: p.language })),
      );
      for (const { input, customer, identityId } of made) {
        conversations.set(conversationKey(input.channel, input.externalId), { customer, identityId, state: undefined, cart: new Map(), created: true });
      }
      // Who answers each conversation (the bot, or a person in the back office), one query for all.
      const ids = [...found.values()].map((c) => c.identityId);
      for (const [id, h] of await handoverOf(tx, ids)) handovers.set(id, h);
      // Made by another transaction a moment ago: read like anyone else's.
      if (made.length < newcomers.length) await this.load(newcomers);
    },
    /** Who answers the conversation: undefined when it never left the bot. */
    handover(identityId: number): HandoverState | undefined {
      return handovers.get(identityId);
    },
    setHandover(identityId: number, state: HandoverState) {
      handovers.set(identityId, state);
    },
    /** The person's customer, identity, state and cart; made first for someone new. */
    async conversation(person: BatchPerson): Promise<BatchConversation<State>> {
      await this.load([person]);
      return conversations.get(conversationKey(person.channel, person.userId))!;
    },
    /** The cart of an identity found by `conversation`. */
    cart(identityId: number): Cart {
      let entry = carts.get(identityId);
      if (!entry) {
        const stored = [...conversations.values()].find((c) => c.identityId === identityId)?.cart ?? new Map<number, number>();
        entry = { stored, cart: new Cart(stored) };
        carts.set(identityId, entry);
      }
      return entry.cart;
    },
    saveState(identityId: number, state: State) {
      states.set(identityId, structuredClone(state));
    },
    /** Every product on sale, read (and indexed for matching) once per batch. */
    async catalog() {
      catalog ??= listCatalogCards(tx).then((cards) => ({ cards, index: indexCatalog(cards), bySku: new Map(cards.map((c) => [c.sku, c])) }));
      return catalog;
    },
    /** Units available per variant, each variant read once per batch until stock moves. */
    async available(variantIds: number[]): Promise<Map<number, number>> {
      const unknown = [...new Set(variantIds.filter((id) => !available.has(id)))];
      if (unknown.length > 0) {
        const read = await availableByVariant(tx, unknown);
        for (const id of unknown) available.set(id, read.get(id) ?? 0);
      }
      return new Map(variantIds.map((id) => [id, available.get(id) ?? 0]));
    },
    /** An order was placed or cancelled in this batch: stock is read again. */
    stockMoved() {
      available.clear();
    },
    /** Writes every cart change and conversation state of the batch: call before the commit. */
    async flush() {
      const changes: CartChange[] = [];
      for (const [identityId, { stored, cart }] of carts) {
        const now = new Map(cart.lines().map((l) => [l.variantId, l.qty]));
        for (const [variantId, qty] of now) if (stored.get(variantId) !== qty) changes.push({ identityId, variantId, qty });
        for (const variantId of stored.keys()) if (!now.has(variantId)) changes.push({ identityId, variantId, qty: 0 });
        carts.set(identityId, { stored: now, cart });
      }
      await saveCartChanges(tx, changes);
      await saveSessionStates(tx, [...states].map(([identityId, state]) => ({ identityId, state })));
      states.clear();
    },
  };
}

export type ChatBatch<State extends Record<string, unknown> = Record<string, unknown>> = ReturnType<typeof createChatBatch<State>>;
