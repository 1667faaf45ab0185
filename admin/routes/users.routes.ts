import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pgErrorCode, withTransaction } from '#src/db/client.ts';
import { adminUserDeactivations, userRole } from '#src/db/schema/index.ts';
import { createUser, generatePassword } from '#src/modules/accounts/index.ts';
import { revokeApiKeysOf, setUserPassword, setUserRole } from '#src/modules/accounts/index.ts';
import { eq } from 'drizzle-orm';
import { writeAudit } from '../audit.ts';
import { passwordSchema } from '../auth/auth.routes.ts';
import { allowed, roles } from '../auth/roles.ts';
import { destroySessionsOf } from '../auth/sessions.ts';
import { formValues, optional, parseForm, text, type FieldErrors } from '../forms.ts';
import { findUserWithState, listUsersWithState } from '../queries/users.ts';
import { helpers, render } from '../view.ts';

const newUserBody = z.object({
  name: text(100),
  email: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.email().max(200)),
  role: z.enum(userRole.enumValues),
  language: z.enum(['th', 'en']),
  password: passwordSchema,
});

const roleBody = z.object({ role: z.enum(userRole.enumValues) });
const resetBody = z.object({ password: optional(passwordSchema) });
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** Staff accounts, for the owner. Nobody changes their own role or switches themselves off here. */
export const usersRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.deps;
  const manage = { roles: allowed('users.manage') };

  app.get('/users', { config: manage }, async (request, reply) => {
    return render(request, reply, 'users/list', { users: await listUsersWithState(db), roles });
  });

  app.get('/users/new', { config: manage }, async (request, reply) =>
    render(request, reply, 'users/new', { errors: {}, values: { role: 'staff', language: 'th' }, roles }),
  );

  app.post('/users', { config: manage }, async (request, reply) => {
    const { user: me } = request.admin!;
    const { t } = helpers(request);
    const parsed = parseForm(newUserBody, request.body, t);
    const again = (errors: FieldErrors) =>
      render(request, reply, 'users/new', { errors, values: formValues(request.body, ['password']), roles }, 400);
    if (!parsed.ok) return again(parsed.errors);
    try {
      const created = await withTransaction(db, async (tx) => {
        const user = await createUser(tx, parsed.data);
        await writeAudit(tx, me, { action: 'user.create', target: `user:${user.id}`, details: { email: user.email, role: user.role } });
        return user;
      });
      return reply.redirect(`/admin/users/${created.id}?done=userCreated`, 303);
    } catch (err) {
      if (pgErrorCode(err) === '23505') return again({ email: t('field.emailTaken') });
      throw err;
    }
  });

  async function showUser(request: FastifyRequest, reply: FastifyReply, id: number, extra: Record<string, unknown> = {}, status = 200) {
    const row = await findUserWithState(db, id);
    const h = helpers(request);
    if (!row) return render(request, reply, 'error', { title: h.t('error.notFound.title'), message: h.t('error.notFound') }, 404);
    const self = row.user.id === request.admin!.user.id;
    return render(request, reply, 'users/edit', { target: row.user, deactivatedAt: row.deactivatedAt, self, roles, errors: {}, ...extra }, status);
  }

  /** The user an action is about, refused when it is the one signed in (their own role and state are not theirs to change). */
  async function otherUser(request: FastifyRequest, reply: FastifyReply): Promise<number | undefined> {
    const params = idParams.safeParse(request.params);
    if (!params.success) {
      await showUser(request, reply, 0);
      return undefined;
    }
    if (params.data.id === request.admin!.user.id) {
      await showUser(request, reply, params.data.id, { error: helpers(request).t('users.notYourself') }, 403);
      return undefined;
    }
    if (!(await findUserWithState(db, params.data.id))) {
      await showUser(request, reply, params.data.id);
      return undefined;
    }
    return params.data.id;
  }

  app.get('/users/:id', { config: manage }, async (request, reply) => {
    const params = idParams.safeParse(request.params);
    return showUser(request, reply, params.success ? params.data.id : 0);
  });

  app.post('/users/:id/role', { config: manage }, async (request, reply) => {
    const id = await otherUser(request, reply);
    if (id === undefined) return reply;
    const { t } = helpers(request);
    const parsed = parseForm(roleBody, request.body, t);
    if (!parsed.ok) return showUser(request, reply, id, { errors: parsed.errors }, 400);
    const { user: me } = request.admin!;
    await withTransaction(db, async (tx) => {
      const before = await findUserWithState(tx, id);
      await setUserRole(tx, id, parsed.data.role);
      // Keys made under the old role must not keep its rights: a role change revokes them.
      const keys = before?.user.role === parsed.data.role ? 0 : await revokeApiKeysOf(tx, id);
      await writeAudit(tx, me, { action: 'user.role', target: `user:${id}`, details: { from: before?.user.role, to: parsed.data.role, apiKeysRevoked: keys } });
    });
    return reply.redirect(`/admin/users/${id}?done=role`, 303);
  });

  app.post('/users/:id/password', { config: manage }, async (request, reply) => {
    const id = await otherUser(request, reply);
    if (id === undefined) return reply;
    const { t } = helpers(request);
    const parsed = parseForm(resetBody, request.body, t);
    if (!parsed.ok) return showUser(request, reply, id, { errors: parsed.errors }, 400);
    const { user: me } = request.admin!;
    const generated = parsed.data.password === undefined ? generatePassword(16) : undefined;
    await withTransaction(db, async (tx) => {
      await setUserPassword(tx, id, parsed.data.password ?? generated!, { generated: generated !== undefined });
      await destroySessionsOf(tx, id);
      await writeAudit(tx, me, { action: 'user.password_reset', target: `user:${id}`, details: { generated: generated !== undefined } });
    });
    // A generated password is shown on this answer only, never put in a URL or a log.
    if (generated) return showUser(request, reply, id, { notice: t('done.resetGenerated', { password: generated }) });
    return reply.redirect(`/admin/users/${id}?done=reset`, 303);
  });

  app.post('/users/:id/deactivate', { config: manage }, async (request, reply) => {
    const id = await otherUser(request, reply);
    if (id === undefined) return reply;
    const { user: me } = request.admin!;
    await withTransaction(db, async (tx) => {
      const inserted = await tx
        .insert(adminUserDeactivations)
        .values({ userId: id, actor: me.email })
        .onConflictDoNothing()
        .returning();
      if (inserted.length === 0) return;
      await destroySessionsOf(tx, id);
      const keys = await revokeApiKeysOf(tx, id);
      await writeAudit(tx, me, { action: 'user.deactivate', target: `user:${id}`, details: { apiKeysRevoked: keys } });
    });
    return reply.redirect(`/admin/users/${id}?done=deactivated`, 303);
  });

  app.post('/users/:id/reactivate', { config: manage }, async (request, reply) => {
    const id = await otherUser(request, reply);
    if (id === undefined) return reply;
    const { user: me } = request.admin!;
    await withTransaction(db, async (tx) => {
      const removed = await tx.delete(adminUserDeactivations).where(eq(adminUserDeactivations.userId, id)).returning();
      if (removed.length > 0) await writeAudit(tx, me, { action: 'user.reactivate', target: `user:${id}` });
    });
    return reply.redirect(`/admin/users/${id}?done=reactivated`, 303);
  });
};
