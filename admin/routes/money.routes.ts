import type { FastifyPluginAsync } from 'fastify';

/** Back-office money pages. */
export const moneyRoutes: FastifyPluginAsync = async () => {};
