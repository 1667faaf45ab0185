import type { FastifyPluginAsync } from 'fastify';

/** Back-office returns pages. */
export const returnsRoutes: FastifyPluginAsync = async () => {};
