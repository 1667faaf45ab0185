// The two ways to tell people things: tellCustomer and notifyMerchant. Both queue the notice in the
// caller's transaction (sent only if the change commits) under a dedupe key, so the same event is never
// told twice; the keys are written exactly as they always were, so nothing queued before is sent again.
import type { Config } from '../../config.ts';
import type { Tx } from '../../db/client.ts';
import type { Order } from '../../db/schema/index.ts';
import { chatTargetFor, type ChatTarget } from '../customers/index.ts';
import type { CustomerNotice, Locale, MerchantNotice, Notice, OrderNotice, ReadyMessages, ReturnNotice } from './notices.ts';
import { payloadOf } from './notices.ts';
import { enqueueMessages, type OutboundMessage } from './outbox.repository.ts';

/** A chat to write to directly: a person talking to the shop right now, or one picked by the caller. */
export type ChatAddress = ChatTarget;

/** How a notice to a chat address is queued: its dedupe key, and the channel's free reply while it lasts. */
export interface Delivery {
  key: string;
  replyToken?: string | undefined;
  replyTokenExpiresAt?: Date | undefined;
  /** Staff wrote it (a reply from the inbox): who, for the conversation's transcript. */
  staffUserId?: number | undefined;
}

export interface Told {
  /** False when this notice was queued before (same key): nothing new was queued. */
  queued: boolean;
  /** The chat it went to; undefined when the customer has no chat (known only by phone). */
  to?: ChatAddress | undefined;
}

/** Notices about an order: its own status notices, its returns, and staff's messages about it. */
type AboutOrder = OrderNotice | ReturnNotice | ReadyMessages;

/**
 * What follows `order:<number>:` in the key of a notice about an order: the status it is about, then
 * what makes this one occurrence (`once`: a parcel's id, "reminder", a staff message's id ...).
 */
function orderKeyTail(order: Order, notice: OrderNotice | ReadyMessages): string {
  switch (notice.kind) {
    // A parcel is told with the status it brings, whatever the order's status (a first parcel of several leaves it confirmed).
    case 'order.shipped':
      return notice.kind.slice('order.'.length);
    case 'order.out_for_delivery':
      return 'out-for-delivery';
    case 'order.expired':
      return `${order.status}:expired`;
    // Every rejection is told: a new slip may be rejected again.
    case 'slip.rejected':
      return `${order.status}:slip-rejected:${Date.now()}`;
    case 'order.edited':
      return `${order.status}:edited:${notice.revision}`;
    case 'order.merged':
      return `${order.status}:merged:${notice.absorbed}`;
    case 'payment.received':
      return `${order.status}:payment:${notice.paymentId}`;
    case 'chat.messages':
      return 'staff-message';
    default:
      return order.status;
  }
}

function keyOf(order: Order, notice: AboutOrder, once: string | undefined): string {
  if (notice.kind.startsWith('return.')) return `return:${(notice as ReturnNotice).returnNumber}:${notice.kind.slice('return.'.length)}`;
  const tail = orderKeyTail(order, notice as OrderNotice | ReadyMessages);
  return `order:${order.number}:${tail}${once === undefined ? '' : `:${once}`}`;
}

/**
 * Tells a customer something, through the outbox:
 * - about an order: to the chat the order came from (else the one they used last), in their language
 *   (else `fallbackLocale`); the order's number, total and currency go with the notice. A customer
 *   with no chat is told nothing (`to` is undefined).
 * - to a chat address, under the caller's dedupe key (chat replies, reminders).
 * - many at once in one statement (the chat's replies of one batch); resolves to how many were new.
 */
export function tellCustomer(tx: Tx, order: Order, notice: AboutOrder, opts?: { once?: string | undefined; fallbackLocale?: Locale | undefined }): Promise<Told>;
export function tellCustomer(tx: Tx, to: ChatAddress, notice: CustomerNotice, delivery: Delivery): Promise<Told>;
export function tellCustomer(tx: Tx, many: { to: ChatAddress; notice: CustomerNotice; delivery: Delivery }[]): Promise<number>;
export async function tellCustomer(
  tx: Tx,
  to: Order | ChatAddress | { to: ChatAddress; notice: CustomerNotice; delivery: Delivery }[],
  notice?: CustomerNotice,
  opts?: Delivery | { once?: string | undefined; fallbackLocale?: Locale | undefined },
): Promise<Told | number> {
  if (Array.isArray(to)) return enqueueMessages(tx, to.map((m) => toChat(m.to, m.notice, m.delivery)));
  if ('recipient' in to) {
    const queued = (await enqueueMessages(tx, [toChat(to, notice!, opts as Delivery)])) > 0;
    return { queued, to };
  }
  const { once, fallbackLocale } = (opts ?? {}) as { once?: string; fallbackLocale?: Locale };
  const target = await chatTargetFor(tx, to.customerId, to.channel, fallbackLocale ?? 'th');
  if (!target) return { queued: false };
  const about = notice as AboutOrder;
  const told: Notice = { orderNumber: to.number, total: to.total, currency: to.currency, ...about } as Notice;
  const queued = await enqueueMessages(tx, [{ channel: target.channel, recipient: target.recipient, payload: payloadOf(told, target.locale), dedupeKey: keyOf(to, about, once) }]);
  return { queued: queued > 0, to: target };
}

function toChat(to: ChatAddress, notice: CustomerNotice, delivery: Delivery): OutboundMessage {
  return {
    channel: to.channel,
    recipient: to.recipient,
    payload: payloadOf(notice as Notice, to.locale),
    dedupeKey: delivery.key,
    replyToken: delivery.replyToken,
    replyTokenExpiresAt: delivery.replyTokenExpiresAt,
    staffUserId: delivery.staffUserId,
  };
}

export interface MerchantTarget {
  channel: 'line' | 'telegram';
  recipient: string;
}

/** Where the merchant hears of things: the LINE group/user and the Telegram chat set in config. */
export function merchantTargets(config: Pick<Config, 'merchant' | 'line' | 'telegram'>): MerchantTarget[] {
  const targets: MerchantTarget[] = [];
  if (config.merchant.lineTo && config.line) targets.push({ channel: 'line', recipient: config.merchant.lineTo });
  if (config.merchant.telegramChatId && config.telegram) targets.push({ channel: 'telegram', recipient: config.merchant.telegramChatId });
  return targets;
}

/**
 * Tells the merchant something on every target of the shop's settings, in the shop's language, once per
 * `key` (what makes the event one: "new-order:TL-10001") and target. Resolves to how many were queued.
 */
export async function notifyMerchant(
  tx: Tx,
  config: Pick<Config, 'merchant' | 'line' | 'telegram' | 'shop'>,
  notice: MerchantNotice | ReadyMessages,
  key: string,
): Promise<number> {
  return enqueueMessages(
    tx,
    merchantTargets(config).map((target) => ({
      ...target,
      payload: payloadOf(notice, config.shop.locale),
      dedupeKey: `merchant:${key}:${target.channel}`,
    })),
  );
}
