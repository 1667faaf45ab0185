import type { FastifyPluginAsync } from 'fastify';
import { inboxConversationRoutes } from './conversation.routes.ts';
import { inboxListRoutes } from './list.routes.ts';
import { inboxPhotoRoutes } from './photo.routes.ts';
import { inboxReplyRoutes } from './reply.routes.ts';
import { savedRepliesRoutes } from './saved-replies.routes.ts';

/** The chat inbox: every conversation on every channel, answered as a person (owner, admin, staff). */
export const inboxRoutes: FastifyPluginAsync = async (app) => {
  await app.register(inboxListRoutes);
  await app.register(savedRepliesRoutes);
  await app.register(inboxConversationRoutes);
  await app.register(inboxReplyRoutes);
  await app.register(inboxPhotoRoutes);
};
