import { validateSignature } from '@line/bot-sdk';
import type { FastifyPluginAsync } from 'fastify';
import { storableText } from '#src/http/error-handler.ts';
import type { InboundRecord } from '#src/modules/conversations/index.ts';
import { createForgeryGuard } from '#src/http/forgery-guard.ts';
import { lineEvent, lineWebhookBody } from './line.inbound.ts';

export interface LineWebhookOptions {
  channelSecret: string;
  /** Hands verified records to the chat runtime, which stores each once and processes them after the answer. */
  receive: (records: InboundRecord[]) => Promise<number>;
}

/**
 * POST /webhooks/line, in its own encapsulated plugin so the raw body is kept for the signature.
 * The signature is checked before anything is parsed; valid events are stored (once each, by
 * webhookEventId) and the webhook is answered at once — the conversation happens afterwards.
 */
export const lineWebhookPlugin: FastifyPluginAsync<LineWebhookOptions> = async (app, opts) => {
  // Only forgeries are rate-limited: LINE's own deliveries are never refused, however busy the shop is.
  const forgeries = createForgeryGuard();

  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.post('/webhooks/line', { schema: { hide: true } }, async (request, reply) => {
    // The signature first: a correctly signed delivery is never limited, whoever else shares its address.
    const raw = request.body as Buffer | undefined;
    const signature = request.headers['x-line-signature'];
    if (!raw || typeof signature !== 'string' || !validateSignature(raw, opts.channelSecret, signature)) {
      if (forgeries.refuse(request.ip)) {
        return reply.status(429).send({ error: { code: 'RATE_LIMITED', message: 'Too many requests with bad signatures' } });
      }
      request.log.warn('LINE webhook with a bad signature refused');
      return reply.status(401).send({ error: { code: 'BAD_SIGNATURE', message: 'X-Line-Signature does not match this body' } });
    }
    let body: { events: unknown[] };
    try {
      body = lineWebhookBody.parse(JSON.parse(raw.toString('utf8')));
    } catch (err) {
      request.log.warn({ err }, 'LINE webhook body is not a webhook');
      return reply.status(400).send({ error: { code: 'BAD_BODY', message: 'Not a LINE webhook body' } });
    }
    const events = body.events.flatMap((e) => {
      const parsed = lineEvent.safeParse(e);
      if (!parsed.success) {
        request.log.warn({ issues: parsed.error.issues }, 'LINE event skipped: unexpected shape');
        return [];
      }
      const userId = parsed.data.source?.userId ?? parsed.data.source?.type ?? 'unknown';
      return [{ channel: 'line', eventId: parsed.data.webhookEventId, userKey: `line:${userId}`, payload: storableText(parsed.data) as Record<string, unknown> }];
    });
    const stored = await opts.receive(events);
    request.log.info({ events: events.length, stored }, 'LINE webhook');
    return reply.status(200).send({});
  });
};
