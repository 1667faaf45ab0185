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
}

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
    },
  ) {
    super(message);
    this.name = 'SendError';
  }
}
