import type { FastifyPluginAsync } from 'fastify';

/** Back-office products pages. */
export const productsRoutes: FastifyPluginAsync = async () => {};
