import type { FastifyPluginAsync } from 'fastify';

/** Back-office print pages. */
export const printRoutes: FastifyPluginAsync = async () => {};
