import type { OutMessage } from './messages.ts';

export interface OutboundDelivery {
  /** The outbox row's id, for logs. */
  id: number;
  recipient: string;
  messages: OutMessage[];
  /** A channel's free reply (LINE reply token) while it is still valid; absent once used or expired. */
  replyToken?: string | undefined;
  /** Idempotency key for channels that honour one (LINE X-Line-Retry-Key): a retry never sends twice. */
  retryKey: string;
  attempt: number;
  /**
   * Why the message is sent, for channels that allow messages only for some purposes once a conversation
   * went quiet (Meta's 24-hour rule): `response` answers the person's message (the default), `update` is
   * about their order, payment or parcel, `human` is a reply written by staff, `promotional` is anything
   * else (a reorder reminder). Channels without such a rule ignore it.
   */
  purpose?: DeliveryPurpose | undefined;
  /** When the person last wrote to us on this channel, when known; the start of Meta's messaging window. */
  lastInboundAt?: Date | undefined;
}

export type DeliveryPurpose = 'response' | 'update' | 'human' | 'promotional';

/** Why a channel declined to send a message it may not send now; the back office shows it, nobody retries. */
export type SkipReason =
  /** More than 24 hours since the person last wrote, and nothing allows this kind of message after that. */
  | 'outside_messaging_window'
  /** A staff reply more than 7 days after the person last wrote (Meta's HUMAN_AGENT limit). */
  | 'outside_human_agent_window';

/** Sends outbox messages through one channel. Throws a SendError to say whether and when to retry. */
export interface ChannelSender {
  send(delivery: OutboundDelivery): Promise<void>;
}

export class SendError extends Error {
  constructor(
    message: string,
    readonly opts: {
      /** Worth trying again later (5xx, 429, timeouts, network); false for a request the channel refuses. */
      retryable: boolean;
      /** The channel asked us to wait this long (Telegram retry_after, LINE Retry-After). */
      retryAfterMs?: number | undefined;
      /** The channel says it already has this message (LINE 409 for a used retry key). */
      alreadySent?: boolean;
      /** Not a failure: the channel's rules forbid this message now. Recorded as skipped with the reason, never retried. */
      skipped?: SkipReason | undefined;
    },
  ) {
    super(message);
    this.name = 'SendError';
  }
}
