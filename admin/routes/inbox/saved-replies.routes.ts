import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { eq } from 'drizzle-orm';
import { savedReplies } from '#src/db/schema/index.ts';
import { writeAudit } from '../../audit.ts';
import { allowed } from '../../auth/roles.ts';
import { formValues, parseForm, text } from '../../forms.ts';
import { savedReplyList } from '../../queries/inbox.ts';
import { helpers, render } from '../../view.ts';

const replyForm = z.object({ title: text(60), body: text(2000) });
const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** Saved replies: made and removed by the owner and admins, picked by everyone in the inbox with "/". */
export const savedRepliesRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.deps;
  const manage = { roles: allowed('inbox.replies') };

  app.get('/inbox/replies', { config: manage }, async (request, reply) => {
    return render(request, reply, 'inbox/replies', { replies: await savedReplyList(db), errors: {}, values: {} });
  });

  app.post('/inbox/replies', { config: manage }, async (request, reply) => {
    const parsed = parseForm(replyForm, request.body, helpers(request).t);
    if (!parsed.ok) return render(request, reply, 'inbox/replies', { replies: await savedReplyList(db), errors: parsed.errors, values: formValues(request.body) }, 400);
    const [made] = await db.insert(savedReplies).values(parsed.data).returning({ id: savedReplies.id });
    await writeAudit(db, request.admin!.user, { action: 'inbox.savedReply.add', target: `saved-reply:${made!.id}`, details: { title: parsed.data.title } });
    return reply.redirect('/admin/inbox/replies?done=savedReplyAdded', 303);
  });

  app.post('/inbox/replies/:id/delete', { config: manage }, async (request, reply) => {
    const parsed = idParams.safeParse(request.params);
    if (!parsed.success) return reply.callNotFound();
    const removed = await db.delete(savedReplies).where(eq(savedReplies.id, parsed.data.id)).returning({ title: savedReplies.title });
    if (removed.length) await writeAudit(db, request.admin!.user, { action: 'inbox.savedReply.delete', target: `saved-reply:${parsed.data.id}`, details: { title: removed[0]!.title } });
    return reply.redirect('/admin/inbox/replies?done=savedReplyDeleted', 303);
  });
};
