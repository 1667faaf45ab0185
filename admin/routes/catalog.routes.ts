import type { FastifyPluginAsync } from 'fastify';

/** Back-office catalog pages. */
export const catalogRoutes: FastifyPluginAsync = async () => {};
