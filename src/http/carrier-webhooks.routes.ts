import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createForgeryGuard } from './forgery-guard.ts';
import { isCarrierError } from '../modules/shipping/index.ts';
import { applyCarrierEvents } from '../workflows/shipping/apply-carrier-events.ts';

/**
 * POST /webhooks/carriers/<carrier>: a carrier's status pushes (Flash Express). Public, so the carrier's
 * signature is the only key: a push that does not verify gets 401 and changes nothing. A verified push
 * is recorded (a repeat records nothing new) and answered with the body the carrier documents; anything
 * else makes it deliver again, which is safe for the same reason. The signature is checked before any
 * limit: only forgeries are counted (per source address) and refused with 429 when they flood; the
 * carrier's own signed pushes are never limited, however busy the day or whoever shares their address.
 */
export async function carrierWebhookRoutes(app: FastifyInstance) {
  await app.register(async (scope) => {
    const forgeries = createForgeryGuard();
    // The form is kept as sent: the adapter reads it (its signature covers fields, not the body).
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => done(null, body));
    const params = z.object({ carrier: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/) });

    scope.post('/webhooks/carriers/:carrier', { schema: { hide: true } }, async (request, reply) => {
      const { db, config, carriers, logger } = app.deps;
      const parsed = params.safeParse(request.params);
      const carrier = parsed.success ? carriers.registry().get(parsed.data.carrier) : undefined;
      if (!carrier?.verifyWebhook || !carrier.parseWebhook || !carrier.webhookAck) {
        return reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'No webhook for this carrier' } });
      }
      const rawBody = typeof request.body === 'string' ? request.body : '';
      if (!carrier.verifyWebhook({ headers: request.headers, rawBody })) {
        if (forgeries.refuse(request.ip)) {
          return reply.status(429).send({ error: { code: 'RATE_LIMITED', message: 'Too many requests with bad signatures' } });
        }
        request.log.warn({ carrier: carrier.code }, 'carrier webhook refused: signature does not verify');
        return reply.status(401).send({ error: { code: 'UNAUTHORIZED', message: 'The signature does not verify' } });
      }
      let events;
      try {
        events = carrier.parseWebhook(rawBody);
      } catch (err) {
        if (!isCarrierError(err)) throw err;
        request.log.warn({ carrier: carrier.code, reason: err.message }, 'carrier webhook refused: not what the carrier sends');
        return reply.status(400).send({ error: { code: 'BAD_WEBHOOK', message: err.message } });
      }
      const applied = await applyCarrierEvents(db, { config, carriers: carriers.registry(), logger: request.log as typeof logger }, events, 'webhook');
      if (applied.recorded > 0) void app.chat?.dispatcher.kick();
      const ack = carrier.webhookAck;
      return reply.status(ack.status).type(ack.contentType).send(ack.body);
    });
  });
}
