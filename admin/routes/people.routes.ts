import type { FastifyPluginAsync } from 'fastify';

/** Back-office people pages. */
export const peopleRoutes: FastifyPluginAsync = async () => {};
