import { HTTPFetchError, messagingApi } from '@line/bot-sdk';
import { createRateLimiter, type RateLimiter } from '#src/lib/rate-limiter.ts';
import { withTimeout } from '#src/lib/timeout.ts';
import { SendError, type ChannelSender } from '#src/ports/channel.ts';
import { toLineMessages } from './line.flex.ts';

export interface LineClientConfig {
  channelAccessToken: string;
  apiBaseUrl: string;
  dataApiBaseUrl: string;
}

export function createLineClients(config: LineClientConfig) {
  return {
    api: new messagingApi.MessagingApiClient({ channelAccessToken: config.channelAccessToken, baseURL: config.apiBaseUrl }),
    blob: new messagingApi.MessagingApiBlobClient({ channelAccessToken: config.channelAccessToken, baseURL: config.dataApiBaseUrl }),
  };
}

export type LineClients = ReturnType<typeof createLineClients>;

/** The SDK's fetch has no timeout; a call that hangs is abandoned and retried (a push keeps its retry key). */
export function withLineTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return withTimeout(p, ms, () => new SendError(`${what}: no answer within ${ms} ms`, { retryable: true }));
}

function asSendError(err: unknown, what: string): SendError {
  if (err instanceof SendError) return err;
  if (err instanceof HTTPFetchError) {
    const retryAfter = Number(err.headers.get('retry-after'));
    const requestId = err.headers.get('x-line-request-id') ?? undefined;
    const message = `${what}: LINE answered ${err.status} ${err.body.slice(0, 300)}${requestId ? ` (x-line-request-id ${requestId})` : ''}`;
    if (err.status === 409) return new SendError(message, { retryable: false, alreadySent: true });
    return new SendError(message, {
      retryable: err.status === 429 || err.status >= 500,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    });
  }
  return new SendError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { retryable: true });
}

/** Well inside LINE's published limit for reply and push calls (2,000 requests a second). */
export const LINE_LIMITS = { overall: { perSecond: 500, burst: 100 } };

/**
 * Replies with the free reply token while it is valid, and pushes otherwise (or when LINE refuses a
 * fresh token). Pushes carry the outbox row's retry key: LINE answers 409 to a retry it already delivered.
 */
export function createLineSender(clients: LineClients, opts: { timeoutMs?: number; limiter?: RateLimiter } = {}): ChannelSender {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const limiter = opts.limiter ?? createRateLimiter(LINE_LIMITS);
  return {
    async send(delivery) {
      const messages = toLineMessages(delivery.messages);
      for (let i = 0; i < messages.length; i += 5) {
        const chunk = messages.slice(i, i + 5);
        await limiter.take(delivery.recipient);
        if (i === 0 && delivery.replyToken) {
          try {
            await withLineTimeout(clients.api.replyMessage({ replyToken: delivery.replyToken, messages: chunk }), timeoutMs, 'reply');
            continue;
          } catch (err) {
            if (!(err instanceof HTTPFetchError && err.status === 400 && /reply token/i.test(err.body))) throw asSendError(err, 'reply');
            // The token is refused. On a first attempt it was never used (expired): push instead. On a
            // retry it is refused because the earlier attempt used it: that reply was delivered.
            if (delivery.attempt > 1) continue;
          }
        }
        const retryKey = i === 0 ? delivery.retryKey : retryKeyFor(delivery.retryKey, i);
        try {
          await withLineTimeout(clients.api.pushMessage({ to: delivery.recipient, messages: chunk }, retryKey), timeoutMs, 'push');
        } catch (err) {
          const e = asSendError(err, 'push');
          if (e.opts.alreadySent) continue;
          throw e;
        }
      }
    },
  };
}

/** A distinct but stable retry key for the n-th chunk of a long delivery. */
function retryKeyFor(base: string, n: number): string {
  const tail = (parseInt(base.slice(-8), 16) + n) % 0x100000000;
  return `${base.slice(0, -8)}${tail.toString(16).padStart(8, '0')}`;
}
