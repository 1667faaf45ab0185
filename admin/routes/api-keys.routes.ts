import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { withTransaction } from '#src/db/client.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '#src/modules/accounts/index.ts';
import { writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { parseForm, text, type FieldErrors } from '../forms.ts';
import { helpers, render } from '../view.ts';

const newKeyBody = z.object({ name: text(100) });
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/**
 * Keys for the JSON API (Authorization: Bearer tl_…), each acting as the user who made it, with that
 * user's role. A key is shown once, when made: only its hash is kept. The owner sees and revokes
 * everyone's keys; an admin their own.
 */
export const apiKeysRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  const manage = { roles: allowed('apikeys.manage') };
  const scope = (role: string, id: number) => (role === 'owner' ? {} : { userId: id });

  const page = async (request: Parameters<typeof helpers>[0], extra: { created?: { name: string; key: string }; errors?: FieldErrors; values?: Record<string, string> } = {}) => {
    const me = request.admin!.user;
    return {
      keys: await listApiKeys(db, scope(me.role, me.id)),
      created: extra.created,
      errors: extra.errors ?? {},
      values: extra.values ?? {},
      docsUrl: `${config.publicUrl}/docs`,
      apiUrl: `${config.publicUrl}/api/v1`,
    };
  };

  app.get('/api-keys', { config: manage }, async (request, reply) => render(request, reply, 'api-keys', await page(request)));

  app.post('/api-keys', { config: manage }, async (request, reply) => {
    const me = request.admin!.user;
    const { t } = helpers(request);
    const parsed = parseForm(newKeyBody, request.body, t);
    if (!parsed.ok) return render(request, reply, 'api-keys', await page(request, { errors: parsed.errors }), 400);
    const key = await withTransaction(db, async (tx) => {
      const made = await createApiKey(tx, me.id, parsed.data.name);
      await writeAudit(tx, me, { action: 'apikey.create', target: `user:${me.id}`, details: { name: parsed.data.name } });
      return made;
    });
    // Shown this once, never again: the page is not cached and the key is not in any address.
    reply.header('cache-control', 'no-store');
    return render(request, reply, 'api-keys', await page(request, { created: { name: parsed.data.name, key } }), 201);
  });

  app.post('/api-keys/:id/revoke', { config: manage }, async (request, reply) => {
    const me = request.admin!.user;
    const { t } = helpers(request);
    const id = idParams.safeParse(request.params);
    const revoked = id.success
      ? await withTransaction(db, async (tx) => {
          const row = await revokeApiKey(tx, id.data.id, scope(me.role, me.id));
          if (row) await writeAudit(tx, me, { action: 'apikey.revoke', target: `user:${row.userId}`, details: { id: row.id, name: row.name } });
          return row;
        })
      : undefined;
    if (!revoked) return render(request, reply, 'error', { title: t('error.notFound.title'), message: t('apikeys.notFound') }, 404);
    return reply.redirect('/admin/api-keys?done=apiKeyRevoked', 303);
  });
};
