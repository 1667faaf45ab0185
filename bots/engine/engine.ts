/**
 * The conversation, once for every channel: an inbound event and the person who sent it go in,
 * domain calls are made in the caller's transaction, and abstract messages come out. Adapters turn
 * wire formats into events and messages into wire formats; they never see the database.
 *
 * This file is the router: it loads the person's conversation, sends each event to the feature that
 * owns it (features/*.ts, one per part of the conversation, like a grammY bot's composers) and saves
 * the state. What the words are is templates/messages; what the shop does is src/workflows.
 */
import type { Tx } from '#src/db/client.ts';
import type { ChatChannel } from '#src/db/schema/index.ts';
import { formatMoney } from '#src/lib/money.ts';
import { messages as allMessages, type Messages } from '#templates/messages/index.ts';
import { createChatBatch, type ChatBatch } from './batch.ts';
import { fitReply, mainButtons, text, type CommandHandlers, type Ctx, type FeatureDeps, type SessionState } from './context.ts';
import { createBrowse } from './features/browse.ts';
import { createCart } from './features/cart.ts';
import { createCheckout } from './features/checkout.ts';
import { createOrders } from './features/orders.ts';
import { createReturnChat } from './features/returns.ts';
import { createSettings } from './features/settings.ts';
import { createSlips, type ImageEvent, type SlipHandler } from './features/slips.ts';
import type { OutMessage } from './messages.ts';
import { parseCommand, type Command } from './text.ts';

export type { SlipHandler } from './features/slips.ts';

export interface ChatPerson {
  channel: ChatChannel;
  userId: string;
  displayName?: string | undefined;
  /** From the channel (LINE profile language, Telegram language_code); used until the person picks one. */
  language?: 'th' | 'en' | undefined;
}

export type ChatEvent =
  | { kind: 'text'; text: string }
  | { kind: 'postback'; data: string }
  | ImageEvent
  | { kind: 'sticker' }
  | { kind: 'location'; address?: string | undefined }
  | { kind: 'follow' }
  | { kind: 'unfollow' };

export interface EngineReply {
  locale: 'th' | 'en';
  messages: OutMessage[];
  customerId: number;
}

export interface ChatEngineDeps extends FeatureDeps {
  onSlip?: SlipHandler;
}

export function createChatEngine(deps: ChatEngineDeps) {
  const { config } = deps;
  const returns = createReturnChat({ config, logger: deps.logger });
  const browse = createBrowse(deps);
  const cart = createCart();
  const checkout = createCheckout(deps);
  const orders = createOrders(deps);
  const settings = createSettings();
  const slips = createSlips({ onSlip: deps.onSlip, returns });
  // Every command kind has exactly one feature answering it: a kind nobody answers is a type error here.
  const commands: Required<CommandHandlers> = {
    ...browse.commands,
    ...cart.commands,
    ...checkout.commands,
    ...orders.commands,
    ...settings.commands,
    return: returns.command,
  };
  const run = <K extends Command['kind']>(ctx: Ctx, command: Extract<Command, { kind: K }>) =>
    (commands[command.kind] as (ctx: Ctx, command: Extract<Command, { kind: K }>) => Promise<OutMessage[]> | OutMessage[])(ctx, command);

  /**
   * One event of one person. In a batch (the inbox processor's), the conversation was loaded with the
   * others' and the writes go out with theirs; on its own, the event is its own batch.
   */
  async function handle(tx: Tx, person: ChatPerson, event: ChatEvent, batch?: ChatBatch<SessionState>): Promise<EngineReply> {
    const own = batch ?? createChatBatch<SessionState>(tx);
    const reply = await converse(own, person, event);
    if (!batch) await own.flush();
    return reply;
  }

  async function converse(batch: ChatBatch<SessionState>, person: ChatPerson, event: ChatEvent): Promise<EngineReply> {
    // No row lock on the session: the inbox processor already serves one person's events one at a time.
    const { customer, identityId, created, state: stored } = await batch.conversation(person);
    let locale: 'th' | 'en' = customer.language ?? person.language ?? config.shop.locale;
    const state: SessionState = stored ?? { step: 'idle' };
    const before = JSON.stringify(state);
    const ctx: Ctx = {
      tx: batch.tx,
      batch,
      cart: batch.cart(identityId),
      channel: person.channel,
      customer,
      identityId,
      get m(): Messages {
        return allMessages[locale];
      },
      get locale() {
        return locale;
      },
      setLocale(chosen) {
        locale = chosen;
      },
      state,
      money: (amount: number) => formatMoney(amount, config.shop.currency, locale),
    };
    const out: OutMessage[] = [];
    if (created && event.kind !== 'follow' && event.kind !== 'unfollow') out.push(text(ctx.m.greeting(config.shop.name)));
    out.push(...(await route(ctx, event)));
    if (!stored || JSON.stringify(state) !== before) batch.saveState(identityId, state);
    return { locale, messages: fitReply(out), customerId: customer.id };
  }

  async function route(ctx: Ctx, event: ChatEvent): Promise<OutMessage[]> {
    const { m, state } = ctx;
    switch (event.kind) {
      case 'follow':
        return [text(m.greeting(config.shop.name), mainButtons(m))];
      case 'unfollow':
        // Nobody to answer: a blocked LINE account cannot receive messages.
        return [];
      case 'sticker':
        return [text(m.sticker, mainButtons(m))];
      case 'location':
        return [state.step === 'await_address' ? text(m.addressMissing(['name', 'phone'])) : text(m.notUnderstood, mainButtons(m))];
      case 'image':
        return slips.image(ctx, event);
      case 'text':
      case 'postback': {
        const said = event.kind === 'text' ? event.text : event.data;
        const command = parseCommand(said);
        if (command) return run(ctx, command);
        if (state.step === 'return') return returns.reply(ctx, said);
        if (state.step === 'await_address') return checkout.delivery(ctx, said);
        return cart.text(ctx, said);
      }
    }
  }

  return {
    /** Runs in the caller's transaction; an error rolls it back whole (the inbox processor apologises). */
    handle,
    /** A batch for the inbox processor to pass to `handle` for each event of one transaction, then flush. */
    batch: (tx: Tx) => createChatBatch<SessionState>(tx),
  };
}
