import type { FastifyPluginAsync } from 'fastify';

/** Back-office inventory pages. */
export const inventoryRoutes: FastifyPluginAsync = async () => {};
