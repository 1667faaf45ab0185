import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../lib/timeout.ts';

export async function healthRoutes(app: FastifyInstance) {
  app.get('/healthz', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => {
    try {
      await withTimeout(app.deps.db.execute(sql`select 1`), 3_000, () => new Error('no answer within 3000 ms'));
      return { status: 'ok' };
    } catch (err) {
      app.log.warn({ err }, 'health check: database does not answer');
      return reply.status(503).send({ status: 'unavailable', reason: 'database' });
    }
  });
}
