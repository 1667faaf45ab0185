import type { FastifyInstance } from 'fastify';

/** The site's root leads people to the back office (which asks them to sign in), not to a JSON 404. */
export async function homeRoutes(app: FastifyInstance) {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/admin', 302));
}
