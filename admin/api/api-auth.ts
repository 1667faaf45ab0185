import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual, userForApiKey } from '#src/modules/accounts/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling the API, for history and ledger rows: "api" or "api:<user email>". */
    apiActor: string;
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
    return;
  }
  const user = token.startsWith('tl_') ? await userForApiKey(db, token) : undefined;
  if (!user) return unauthorized(reply, 'This API token is not valid');
  request.apiActor = `api:${user.email}`;
}
