// What the shop tells people, as data: one typed notice per thing worth telling. The outbox stores the
// notice with the recipient's language, and the words are chosen only when it is sent (the chat
// runtime renders it from templates/messages), so src/ never holds a sentence meant for a customer.
import type { OutboxPayload } from '../../db/schema/index.ts';
import type { DeliveryPurpose } from '../../ports/channel.ts';
import type { OutMessage } from '../../ports/messages.ts';

export type Locale = 'th' | 'en';

/** What every notice about an order carries, taken from the order when it is told. */
export interface OrderFacts {
  orderNumber: string;
  total: number;
  currency: string;
}

/** Told to a customer about one of their orders (the order's facts are added by tellCustomer). */
export type OrderNotice =
  | { kind: 'order.paid'; note?: string | undefined }
  | { kind: 'order.confirmed'; note?: string | undefined }
  | {
      kind: 'order.shipped';
      /** A parcel's carrier and tracking number with its tracking link; absent when the order was only marked shipped. */
      carrier?: string | undefined;
      trackingNumber?: string | undefined;
      trackingUrl?: string | null | undefined;
      note?: string | undefined;
    }
  /** A parcel is with the courier on its way to the door today. */
  | { kind: 'order.out_for_delivery'; carrier: string; trackingNumber: string; trackingUrl?: string | null | undefined }
  | { kind: 'order.delivered'; note?: string | undefined }
  | { kind: 'order.cancelled'; note?: string | undefined }
  /** Cancelled by the shop's clock: not paid in time. */
  | { kind: 'order.expired' }
  /** How much to pay and where (the unpaid-order reminder, and the details sent for an order typed in by staff). */
  | { kind: 'order.payment_reminder'; promptPayId?: string | undefined }
  /** The shop changed the order: its new total, what is still to pay (0 when paid in full) and what is owed back. */
  | { kind: 'order.edited'; revision: number; due: number; refund: number }
  /** Another unpaid order of theirs became part of this one. */
  | { kind: 'order.merged'; absorbed: string }
  /** The slip under review was refused; a new one may be sent. */
  | { kind: 'slip.rejected'; note?: string | undefined }
  /**
   * A payment was recorded (a slip approved for what it shows): what was received, what is still owed
   * (with where to pay it: the PromptPay id and the QR link for the rest) and what is owed back.
   */
  | {
      kind: 'payment.received';
      /** The payment's id: each one is told once. */
      paymentId: number;
      received: number;
      remaining: number;
      refund: number;
      promptPayId?: string | undefined;
      qrUrl?: string | undefined;
    };

/** What the shop decided on a return, and how it was settled. */
export type ReturnNotice =
  | { kind: 'return.approved'; returnNumber: string; orderNumber: string; note?: string | undefined }
  | { kind: 'return.rejected'; returnNumber: string; orderNumber: string; note?: string | undefined }
  | { kind: 'return.refunded'; returnNumber: string; amount: number; currency: string; later: boolean }
  | { kind: 'return.exchanged'; returnNumber: string; exchangeNumber: string; toPay: number; refund: number; currency: string };

/** A little before the customer usually runs out of something they buy again. */
export type ReminderNotice = { kind: 'reminder.reorder'; product: string; sku: string; qty: number; days: number };

/**
 * Messages already written: the chat's replies, a staff member's text (`by: 'staff'`), a test message.
 */
export type ReadyMessages = { kind: 'chat.messages'; messages: OutMessage[]; by?: 'staff' | undefined };

/** Told to the merchant (the LINE group or user and the Telegram chat of the settings). */
export type MerchantNotice =
  | { kind: 'merchant.new_order'; orderNumber: string; total: number; currency: string; customer: string; channel: string; lines: string[] }
  | { kind: 'merchant.slip_review'; orderNumber: string; reasons: string[] }
  | { kind: 'merchant.low_stock'; items: { sku: string; name: string; available: number; threshold: number }[] }
  | {
      kind: 'merchant.daily_summary';
      date: string;
      orders: number;
      /** Net sales of the day (src/modules/reports/money.ts), and what is owed apart from it. */
      revenue: string;
      awaiting?: string | undefined;
      cod?: string | undefined;
      toReview: number;
      toConfirm: number;
      toPack: number;
      toShip: number;
    }
  /** A carrier could not deliver a parcel, is sending it back, has it back, or has a problem with it. */
  | {
      kind: 'merchant.parcel_problem';
      orderNumber: string;
      carrier: string;
      trackingNumber: string;
      status: 'failed_attempt' | 'returning' | 'returned' | 'exception';
      description: string;
    }
  | { kind: 'merchant.return_requested'; returnNumber: string; orderNumber: string; customer: string; reason: string; lines: string[] };

export type CustomerNotice = OrderNotice | ReturnNotice | ReminderNotice | ReadyMessages;

/** Every notice as it is stored and rendered: order notices with their order's facts. */
export type Notice = (OrderNotice & OrderFacts) | ReturnNotice | ReminderNotice | ReadyMessages | MerchantNotice;

/** Turns a notice and its recipient's language into words; given to the dispatcher by the chat runtime. */
export type RenderNotice = (notice: Notice, locale: Locale) => OutMessage[];

/**
 * The outbox payload of a notice, in the layout the outbox has always had, so rows queued before notices
 * existed read the same way: messages already written as `{messages, locale}`, every other notice as
 * `{template: kind, locale, params: its fields}`. This and noticeOf are the only readers and writers.
 */
export function payloadOf(notice: Notice, locale: Locale): OutboxPayload {
  if (notice.kind === 'chat.messages') return { messages: notice.messages, locale, ...(notice.by ? { by: notice.by } : {}) };
  const { kind, ...params } = notice;
  return { template: kind, locale, params };
}

/** Kinds renamed since they were first queued. */
const renamed: Record<string, Notice['kind']> = { 'order.slip_rejected': 'slip.rejected' };

/** The notice of a stored payload, and its language (a slip rejection queued under its old name included). */
export function noticeOf(payload: OutboxPayload): { notice: Notice; locale: Locale } {
  if ('messages' in payload) {
    return { notice: { kind: 'chat.messages', messages: payload.messages as OutMessage[], ...(payload.by ? { by: payload.by } : {}) }, locale: payload.locale };
  }
  const kind = renamed[payload.template] ?? payload.template;
  return { notice: { ...payload.params, kind } as Notice, locale: payload.locale };
}

/**
 * Why a notice is sent, for channels that allow only some purposes once a conversation went quiet
 * (Meta's 24-hour rule, CHANNELS.md): the chat's answers are responses; everything about an order, its
 * payment, parcel or return is a post-purchase update; a staff member's words are a human agent's; a
 * reorder reminder is promotional. The merchant's own notices never go to such a channel.
 */
export function purposeOf(notice: Notice): DeliveryPurpose {
  switch (notice.kind) {
    case 'chat.messages':
      return notice.by === 'staff' ? 'human' : 'response';
    case 'reminder.reorder':
      return 'promotional';
    case 'payment.received':
    case 'order.paid':
    case 'order.confirmed':
    case 'order.shipped':
    case 'order.out_for_delivery':
    case 'order.delivered':
    case 'order.cancelled':
    case 'order.expired':
    case 'order.payment_reminder':
    case 'order.edited':
    case 'order.merged':
    case 'slip.rejected':
    case 'return.approved':
    case 'return.rejected':
    case 'return.refunded':
    case 'return.exchanged':
    case 'merchant.new_order':
    case 'merchant.slip_review':
    case 'merchant.low_stock':
    case 'merchant.daily_summary':
    case 'merchant.parcel_problem':
    case 'merchant.return_requested':
      return 'update';
  }
}
