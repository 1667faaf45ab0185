import type { FastifyPluginAsync } from 'fastify';

/** Back-office settings pages. */
export const settingsRoutes: FastifyPluginAsync = async () => {};
