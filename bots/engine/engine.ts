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
import { fitReply, mainButtons, text, type Command, type CommandHandlers, type Ctx, type FeatureDeps, type SessionState } from './context.ts';
import { createBrowse } from './features/browse.ts';
import { createCart } from './features/cart.ts';
import { createCheckout } from './features/checkout.ts';
import { createHandover } from './features/handover.ts';
import { createOrders } from './features/orders.ts';
import { createReturnChat } from './features/returns.ts';
import { createSettings } from './features/settings.ts';
import { createSlips, type ImageEvent, type InboundImage } from './features/slips.ts';
import type { OutMessage } from './messages.ts';
import { understand, type Step } from './understanding/index.ts';

export type { ImageEvent, InboundImage, PreparedPhoto } from './features/slips.ts';

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
  /** `label`: what the channel says the sticker shows (LINE's first keyword, Telegram's emoji), for the inbox. */
  | { kind: 'sticker'; label?: string | undefined }
  | { kind: 'location'; address?: string | undefined }
  | { kind: 'follow' }
  | { kind: 'unfollow' };

/** An event as a channel's decoder hands it over: a photo is still to be fetched (before the transaction). */
export type InboundEvent = Exclude<ChatEvent, ImageEvent> | InboundImage;

export interface EngineReply {
  locale: 'th' | 'en';
  messages: OutMessage[];
  customerId: number;
}

export type ChatEngineDeps = FeatureDeps;

export function createChatEngine(deps: ChatEngineDeps) {
  const { config } = deps;
  const returns = createReturnChat({ config, logger: deps.logger });
  const browse = createBrowse(deps);
  const checkout = createCheckout(deps);
  const orders = createOrders(deps);
  const settings = createSettings();
  const handover = createHandover(deps);
  const slips = createSlips({ ...deps, returns });
  // Every command kind has exactly one feature answering it: a kind nobody answers is a type error here.
  const commands: Required<CommandHandlers> = {
    ...browse.commands,
    ...createCart().commands,
    ...checkout.commands,
    ...orders.commands,
    ...settings.commands,
    ...handover.commands,
    return: (ctx, command) => (command.action === 'reply' ? returns.reply(ctx, command.text) : returns.command(ctx, command)),
  };
  const run = <K extends Command['intent']>(ctx: Ctx, command: Extract<Command, { intent: K }>) =>
    (commands[command.intent] as (ctx: Ctx, command: Extract<Command, { intent: K }>) => Promise<OutMessage[]> | OutMessage[])(ctx, command);

  /** What the customer may say in the middle of checkout without leaving it: answered, then checkout goes on. */
  const onTheWay = new Set<Command['intent']>(['add', 'price', 'stock', 'question', 'smalltalk', 'help']);

  async function answer(ctx: Ctx, command: Command): Promise<OutMessage[]> {
    const during = ctx.state.step === 'await_address' || ctx.state.step === 'await_confirm';
    const out = await run(ctx, command);
    if (!during || !onTheWay.has(command.intent)) return out;
    return [...out, ...(await checkout.resume(ctx))];
  }

  /** How the understanding layer names where the conversation stands. */
  const steps: Record<SessionState['step'], Step> = { idle: 'browse', await_address: 'address', await_confirm: 'summary', return: 'return' };

  /** What a text or a button means, read against the catalog and the conversation's step. */
  async function interpret(ctx: Ctx, said: string): Promise<Command> {
    const { index } = await ctx.batch.catalog();
    return understand(said, { step: steps[ctx.state.step], catalog: index });
  }

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
    const said = event.kind === 'text' ? event.text : event.kind === 'postback' ? event.data : undefined;
    const command = said === undefined ? undefined : await interpret(ctx, said);
    ctx.said = said;
    const out: OutMessage[] = [];
    // Someone new is welcomed once: not again when their first words are a greeting ("สวัสดี", /start).
    // A first message that picks a language ("ภาษาไทย" from an English phone) is welcomed in that language.
    if (created && command?.intent === 'lang') ctx.setLocale(command.lang);
    if (created && event.kind !== 'follow' && event.kind !== 'unfollow' && command?.intent !== 'greeting') out.push(text(ctx.m.greeting(config.shop.name)));
    out.push(...(await route(ctx, event, command)));
    if (!stored || JSON.stringify(state) !== before) batch.saveState(identityId, state);
    return { locale, messages: fitReply(out), customerId: customer.id };
  }

  async function route(ctx: Ctx, event: ChatEvent, command: Command | undefined): Promise<OutMessage[]> {
    const { m, state } = ctx;
    switch (event.kind) {
      case 'follow':
        return [text(m.greeting(config.shop.name), mainButtons(m))];
      case 'unfollow':
        // Nobody to answer: a blocked LINE account cannot receive messages.
        return [];
      case 'sticker':
        return handover.quiet(ctx) ? [] : [text(m.sticker, mainButtons(m))];
      case 'location':
        if (handover.quiet(ctx) && state.step !== 'await_address') return [];
        return state.step === 'await_address' ? checkout.location(ctx, event.address) : [text(m.notUnderstood, mainButtons(m))];
      case 'image':
        return slips.image(ctx, event);
      case 'text':
      case 'postback':
        // A person is answering: the bot stays quiet unless the customer asks for it back.
        if (handover.quiet(ctx, command!.intent)) return [];
        return answer(ctx, command!);
    }
  }

  return {
    /** Runs in the caller's transaction; an error rolls it back whole (the inbox processor apologises). */
    handle,
    /** A batch for the inbox processor to pass to `handle` for each event of one transaction, then flush. */
    batch: (tx: Tx) => createChatBatch<SessionState>(tx),
  };
}
