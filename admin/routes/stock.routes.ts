import type { FastifyPluginAsync } from 'fastify';

/** Back-office stock pages. */
export const stockRoutes: FastifyPluginAsync = async () => {};
