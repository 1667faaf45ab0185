import type { FastifyPluginAsync } from 'fastify';

/** Back-office analytics pages. */
export const analyticsRoutes: FastifyPluginAsync = async () => {};
