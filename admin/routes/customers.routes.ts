import type { FastifyPluginAsync } from 'fastify';

/** Back-office customers pages. */
export const customersRoutes: FastifyPluginAsync = async () => {};
