import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserRole } from '#src/db/schema/index.ts';
import { safeEqual, userForApiKey } from '#src/modules/accounts/index.ts';
import { can, type Capability } from '../auth/roles.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling the API, for history and ledger rows: "api" or "api:<user email>". */
    apiActor: string;
    /** The role the caller acts with: the key's user's role, the owner's for the shop-wide API_TOKEN. */
    apiRole: UserRole;
  }
  interface FastifyContextConfig {
    /** What an API route needs, by the back office's role matrix. */
    capability?: Capability;
  }
}

const unauthorized = (reply: FastifyReply, message: string) =>
  reply
    .status(401)
    .header('www-authenticate', 'Bearer realm="talad"')
    .send({ error: { code: 'UNAUTHORIZED', message } });

/** Accepts the shop-wide API_TOKEN or a user's API key, as `Authorization: Bearer <token>`. */
export async function requireApiToken(request: FastifyRequest, reply: FastifyReply) {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return unauthorized(reply, 'Send a bearer token: Authorization: Bearer <API token>');
  const token = match[1]!;
  const { config, db } = request.server.deps;
  if (config.apiToken && safeEqual(token, config.apiToken)) {
    request.apiActor = 'api';
    request.apiRole = 'owner';
    return;
  }
  const user = token.startsWith('tl_') ? await userForApiKey(db, token) : undefined;
  if (!user) return unauthorized(reply, 'This API token is not valid');
  request.apiActor = `api:${user.email}`;
  request.apiRole = user.role;
}

/** A user's API key does what that user may do in the back office, no more (403 otherwise). */
export async function requireCapability(request: FastifyRequest, reply: FastifyReply) {
  const needed = request.routeOptions.config.capability;
  if (!needed || can(request.apiRole, needed)) return;
  return reply.status(403).send({ error: { code: 'FORBIDDEN', message: `This API key's role (${request.apiRole}) may not do this` } });
}
