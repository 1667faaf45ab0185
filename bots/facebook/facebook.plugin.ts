import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { storableText } from '#src/http/error-handler.ts';
import { safeEqual } from '#src/modules/accounts/index.ts';
import type { InboundRecord } from '#src/modules/conversations/index.ts';
import { createForgeryGuard } from '#src/http/forgery-guard.ts';
import { channelOf, facebookWebhookBody, messagingItem, recordOf } from './facebook.inbound.ts';
import type { FacebookMedia } from './facebook.media.ts';

export interface FacebookWebhookOptions {
  /** The live app secret and verify token (Settings may change them while running); undefined: not connected. */
  credentials: () => { appSecret: string; verifyToken: string } | undefined;
  /** Hands verified records to the chat runtime, which stores each once and processes them after the answer. */
  receive: (records: InboundRecord[]) => Promise<number>;
  /** Downloads the photos of stored items at once, before their CDN URLs expire (facebook.media.ts). */
  media?: Pick<FacebookMedia, 'keep'> | undefined;
}

const verification = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.verify_token': z.string().min(1),
  'hub.challenge': z.string().min(1).max(256),
});

const notConnected = (reply: FastifyReply) => reply.status(404).send({ error: { code: 'NOT_CONNECTED', message: 'Messenger and Instagram are not connected' } });

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** X-Hub-Signature-256 is `sha256=` + the hex HMAC-SHA256 of the raw body with the app secret. */
export function validFacebookSignature(raw: Buffer, appSecret: string, header: unknown): boolean {
  const given = typeof header === 'string' ? SIGNATURE.exec(header.trim()) : null;
  if (!given) return false;
  const expected = createHmac('sha256', appSecret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(given[1]!, 'hex'));
}

/**
 * GET and POST /webhooks/facebook for a Page's Messenger and its Instagram account, in an encapsulated
 * plugin so the raw body is kept for the signature. The GET answers Meta's verification; a POST's
 * signature is checked before anything is parsed, its items are stored (once each, by message id) and
 * it is answered at once — the conversation happens afterwards, in the inbox processor.
 */
export const facebookWebhookPlugin: FastifyPluginAsync<FacebookWebhookOptions> = async (app, opts) => {
  const forgeries = createForgeryGuard();

  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.get('/webhooks/facebook', { schema: { hide: true } }, async (request, reply) => {
    const credentials = opts.credentials();
    if (!credentials) return notConnected(reply);
    const query = verification.safeParse(request.query);
    if (!query.success || !safeEqual(query.data['hub.verify_token'], credentials.verifyToken)) {
      request.log.warn('Facebook webhook verification refused');
      return reply.status(403).send({ error: { code: 'BAD_VERIFY_TOKEN', message: 'hub.mode or hub.verify_token is wrong' } });
    }
    return reply.status(200).type('text/plain; charset=utf-8').send(query.data['hub.challenge']);
  });

  app.post('/webhooks/facebook', { schema: { hide: true } }, async (request, reply) => {
    // The signature first: a correctly signed delivery is never limited, whoever else shares its address.
    const credentials = opts.credentials();
    if (!credentials) return notConnected(reply);
    const raw = request.body;
    if (!Buffer.isBuffer(raw) || !validFacebookSignature(raw, credentials.appSecret, request.headers['x-hub-signature-256'])) {
      if (forgeries.refuse(request.ip)) {
        return reply.status(429).send({ error: { code: 'RATE_LIMITED', message: 'Too many requests with bad signatures' } });
      }
      request.log.warn('Facebook webhook with a bad signature refused');
      return reply.status(401).send({ error: { code: 'BAD_SIGNATURE', message: 'X-Hub-Signature-256 does not match this body' } });
    }
    let body: z.infer<typeof facebookWebhookBody>;
    try {
      body = facebookWebhookBody.parse(JSON.parse(raw.toString('utf8')));
    } catch (err) {
      request.log.warn({ err }, 'Facebook webhook body is not a webhook');
      return reply.status(400).send({ error: { code: 'BAD_BODY', message: 'Not a Messenger or Instagram webhook body' } });
    }
    const object = body.object;
    // Other subscriptions of the same app (feed, permissions...) are acknowledged and left alone.
    if (object !== 'page' && object !== 'instagram') return reply.status(200).send('EVENT_RECEIVED');
    const records = body.entry.flatMap((entry) =>
      (entry.messaging ?? []).flatMap((raw) => {
        const item = messagingItem.safeParse(raw);
        if (!item.success) {
          request.log.warn({ issues: item.error.issues }, 'Facebook messaging item skipped: unexpected shape');
          return [];
        }
        const record = recordOf(object, entry.id, storableText(item.data));
        return record ? [record] : [];
      }),
    );
    const stored = await opts.receive(records);
    // A redelivery too: a photo whose first download failed gets another chance while its URL works.
    opts.media?.keep(records);
    request.log.info({ channel: channelOf(object), items: records.length, stored }, 'Facebook webhook');
    return reply.status(200).send('EVENT_RECEIVED');
  });
};
