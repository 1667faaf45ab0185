import type { FastifyPluginAsync } from 'fastify';

/** Back-office imports pages. */
export const importsRoutes: FastifyPluginAsync = async () => {};
