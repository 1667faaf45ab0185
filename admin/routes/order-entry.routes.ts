import type { FastifyPluginAsync } from 'fastify';

/** Back-office order-entry pages. */
export const orderEntryRoutes: FastifyPluginAsync = async () => {};
