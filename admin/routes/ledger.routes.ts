import type { FastifyPluginAsync } from 'fastify';

/** Back-office ledger pages. */
export const ledgerRoutes: FastifyPluginAsync = async () => {};
