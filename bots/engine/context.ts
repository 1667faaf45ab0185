/**
 * What every feature of the conversation shares: the context of one event (the person, their cart
 * and state, the words in their language), the shape of a feature, and small message helpers.
 */
import type { Config } from '#src/config.ts';
import type { Tx } from '#src/db/client.ts';
import type { ChatChannel, Customer } from '#src/db/schema/index.ts';
import type { Logger } from '#src/logger.ts';
import { variantName, type Sellable } from '#src/modules/catalog/index.ts';
import type { Messages } from '#templates/messages/index.ts';
import type { Cart, ChatBatch } from './batch.ts';
import { MAX_MESSAGES_PER_REPLY, MAX_QUICK_REPLIES, type Button, type OutMessage } from './messages.ts';
import type { Interpretation } from './understanding/index.ts';

/** Where a return conversation stands, kept in the session state between messages. */
export interface ReturnChatState {
  orderNumber: string;
  stage: 'lines' | 'qty' | 'reason' | 'other_reason' | 'photos';
  /** Order line id → units to return. */
  picked: Record<string, number>;
  pendingLine?: number | undefined;
  reason?: string | undefined;
  photos: string[];
}

/** What the customer means, as the understanding layer reads it; each intent is one feature's to answer. */
export type Command = Interpretation;

/** Where an order goes, as the checkout keeps it between the address and the summary. */
export interface DeliveryDetails {
  name: string;
  phone: string;
  address: string;
  postcode?: string | undefined;
  province?: string | undefined;
}

export interface SessionState extends Record<string, unknown> {
  step: 'idle' | 'await_address' | 'await_confirm' | 'return';
  delivery?: DeliveryDetails;
  /** Delivery details given so far at the address step; `checked` is the postcode already asked about. */
  draft?: Partial<DeliveryDetails> & { checked?: string | undefined };
  ret?: ReturnChatState;
}

/** One event of one person, as every feature sees it. */
export interface Ctx {
  tx: Tx;
  batch: ChatBatch<SessionState>;
  cart: Cart;
  channel: ChatChannel;
  customer: Customer;
  identityId: number;
  readonly m: Messages;
  readonly locale: 'th' | 'en';
  /** The person chose a language: this reply and every later one speak it. */
  setLocale(locale: 'th' | 'en'): void;
  state: SessionState;
  /** The words of the event being answered (a text or a button), as the customer sent them. */
  said?: string | undefined;
  money: (amount: number) => string;
}

export interface FeatureDeps {
  config: Config;
  logger: Logger;
  /** The PromptPay QR for an amount owed on an order, as an image message; absent = text instructions only. */
  paymentQr?: ((orderNumber: string, amount: number, locale: 'th' | 'en') => OutMessage | undefined) | undefined;
}

/** A feature's answers to commands, one per command kind it owns (the router checks every kind has one). */
export type CommandHandlers = {
  [K in Command['intent']]?: (ctx: Ctx, command: Extract<Command, { intent: K }>) => Promise<OutMessage[]> | OutMessage[];
};

export const text = (t: string, buttons?: Button[]): OutMessage => ({ type: 'text', text: t, buttons: buttons?.slice(0, MAX_QUICK_REPLIES) });

export const nameOf = (item: Pick<Sellable, 'nameTh' | 'nameEn' | 'options'>, locale: 'th' | 'en') => variantName(item, locale);

export const mainButtons = (m: Messages): Button[] => [
  { label: m.button.menu, command: 'menu' },
  { label: m.button.cart, command: 'cart' },
  { label: m.button.status, command: 'status' },
];

export const menuButton = (m: Messages): Button => ({ label: m.button.menu, command: 'menu' });

export const cartButtons = (m: Messages): Button[] => [
  { label: m.button.checkout, command: 'checkout' },
  { label: m.button.cart, command: 'cart' },
  { label: m.button.menu, command: 'menu' },
];

/** A button label short enough for every channel's quick replies. */
export function shortLabel(s: string, max = 20): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** At most five messages per reply (LINE's limit); extra texts are joined into the last. */
export function fitReply(messages: OutMessage[]): OutMessage[] {
  if (messages.length <= MAX_MESSAGES_PER_REPLY) return messages;
  const head = messages.slice(0, MAX_MESSAGES_PER_REPLY - 1);
  const tail = messages.slice(MAX_MESSAGES_PER_REPLY - 1);
  const texts = tail.filter((m): m is Extract<OutMessage, { type: 'text' }> => m.type === 'text');
  const lastButtons = texts.at(-1)?.buttons;
  return [...head, { type: 'text', text: texts.map((t) => t.text).join('\n\n'), buttons: lastButtons }];
}
