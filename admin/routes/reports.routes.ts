import type { FastifyPluginAsync } from 'fastify';

/** Back-office reports pages. */
export const reportsRoutes: FastifyPluginAsync = async () => {};
