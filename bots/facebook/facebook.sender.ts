/**
 * Sends outbox deliveries to Messenger and Instagram through the Send API, one message a call, in order,
 * under Meta's 24-hour rule: within 24 hours of the person's last message anything may go; after that
 * an order, payment or shipping update goes tagged POST_PURCHASE_UPDATE, a staff reply tagged
 * HUMAN_AGENT for up to 7 days, and a promotional message not at all (skipped, with the reason).
 */
import { createRateLimiter, type RateLimiter } from '#src/lib/rate-limiter.ts';
import { SendError, type ChannelSender, type DeliveryPurpose, type SkipReason } from '#src/ports/channel.ts';
import { toMessengerMessages } from './facebook.render.ts';
import { GraphApiError, type GraphClient } from './graph.client.ts';

const HOUR = 3_600_000;
export const MESSAGING_WINDOW_MS = 24 * HOUR;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * HOUR;

export type MessagingType =
  | { messaging_type: 'RESPONSE' | 'UPDATE' }
  | { messaging_type: 'MESSAGE_TAG'; tag: 'POST_PURCHASE_UPDATE' | 'HUMAN_AGENT' };

/**
 * How a message of this purpose may go now, or why it may not. Inside the window an answer is a RESPONSE
 * and anything we start is an UPDATE (Meta's meaning of the two). When the person's last message time
 * is unknown, an answer goes as RESPONSE, updates and staff replies carry the tag that allows them
 * either way, and Meta decides the rest (its refusal is then recorded as skipped too).
 */
export function messagingTypeFor(purpose: DeliveryPurpose, lastInboundAt: Date | undefined, now: Date): MessagingType | { skip: SkipReason } {
  const since = lastInboundAt === undefined ? undefined : now.getTime() - lastInboundAt.getTime();
  const inWindow = since !== undefined && since < MESSAGING_WINDOW_MS;
  if (inWindow) return { messaging_type: purpose === 'response' || purpose === 'human' ? 'RESPONSE' : 'UPDATE' };
  switch (purpose) {
    case 'response':
      return since === undefined ? { messaging_type: 'RESPONSE' } : { skip: 'outside_messaging_window' };
    case 'update':
      return { messaging_type: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE' };
    case 'human':
      return since !== undefined && since >= HUMAN_AGENT_WINDOW_MS ? { skip: 'outside_human_agent_window' } : { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
    case 'promotional':
      return since === undefined ? { messaging_type: 'UPDATE' } : { skip: 'outside_messaging_window' };
  }
}

export const SKIP_TEXT: Record<SkipReason, string> = {
  outside_messaging_window: "not sent: more than 24 hours since the customer's last message, and Meta allows no message of this kind after that (24-hour rule)",
  outside_human_agent_window: "not sent: more than 7 days since the customer's last message, the longest Meta allows a staff reply (HUMAN_AGENT)",
};

/** Meta's codes: 4, 17, 32 and 613 are rate limits (app, user, page, per-person calls). */
const RATE_LIMIT_WAIT_MS: Record<number, number> = { 4: 5 * 60_000, 17: 5 * 60_000, 32: 5 * 60_000, 613: 60_000 };
const OUTSIDE_WINDOW = 2018278;

/** `rateLimitWaitMs` replaces Meta's waits after a rate limit (drills scale them down). */
export function asSendError(err: unknown, rateLimitWaitMs?: number): SendError {
  if (err instanceof SendError) return err;
  if (err instanceof GraphApiError) {
    const { code, subcode, status } = err;
    if (code === OUTSIDE_WINDOW || subcode === OUTSIDE_WINDOW) {
      return new SendError(`Send API: ${SKIP_TEXT.outside_messaging_window} — ${err.message}`, { retryable: false, skipped: 'outside_messaging_window' });
    }
    if (code !== undefined && code in RATE_LIMIT_WAIT_MS) {
      return new SendError(`Send API rate limit: ${err.message}`, { retryable: true, retryAfterMs: rateLimitWaitMs ?? RATE_LIMIT_WAIT_MS[code] });
    }
    // 1 and 2 are Meta's "unknown error" and "service temporarily unavailable": passing.
    if (status >= 500 || status === 429 || code === 1 || code === 2) return new SendError(`Send API: ${err.message}`, { retryable: true });
    // 10 and 200-299 (permissions), 551 (the person is unavailable), 190 (token), 100 (a bad request): a retry changes nothing.
    return new SendError(`Send API refused: ${err.message}`, { retryable: false });
  }
  return new SendError(`Send API: ${err instanceof Error ? err.message : String(err)}`, { retryable: true });
}

/**
 * Well inside Meta's budget of about 200 calls per person per hour: a conversation never waits, a
 * runaway is spread out; the page as a whole stays far from its limit.
 */
export const FACEBOOK_LIMITS = { overall: { perSecond: 40, burst: 40 }, perKey: { perSecond: 200 / 3600, burst: 100 } };

export interface FacebookSenderOptions {
  limiter?: RateLimiter;
  now?: () => Date;
  /** How long to wait after Meta's rate-limit answer, instead of its usual minutes (drills). */
  rateLimitWaitMs?: number;
}

export function createFacebookSender(graph: GraphClient, opts: FacebookSenderOptions = {}): ChannelSender {
  const limiter = opts.limiter ?? createRateLimiter(FACEBOOK_LIMITS);
  const now = opts.now ?? (() => new Date());
  // The Send API has no idempotency key: when a retry follows a partly sent delivery, this process
  // skips the messages it already sent.
  const progress = new Map<number, number>();
  return {
    async send(delivery) {
      const how = messagingTypeFor(delivery.purpose ?? 'response', delivery.lastInboundAt, now());
      if ('skip' in how) throw new SendError(SKIP_TEXT[how.skip], { retryable: false, skipped: how.skip });
      const messages = toMessengerMessages(delivery.messages);
      for (let i = progress.get(delivery.id) ?? 0; i < messages.length; i++) {
        await limiter.take(delivery.recipient);
        try {
          await graph.sendMessage({ recipient: { id: delivery.recipient }, ...how, message: messages[i] });
        } catch (err) {
          const e = asSendError(err, opts.rateLimitWaitMs);
          if (!e.opts.retryable) progress.delete(delivery.id);
          else if (progress.size > 10_000) progress.clear();
          throw e;
        }
        progress.set(delivery.id, i + 1);
      }
      progress.delete(delivery.id);
    },
  };
}
