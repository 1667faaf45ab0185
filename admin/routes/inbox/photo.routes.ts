import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { MAX_IMAGE_BYTES } from '#src/lib/image-guard.ts';
import { storeStaffPhoto } from '#src/modules/conversations/index.ts';
import { replyAsStaff } from '#src/workflows/conversations/reply-as-staff.ts';
import { writeAudit } from '../../audit.ts';
import { refuse } from '../../auth/guard.ts';
import { allowed } from '../../auth/roles.ts';
import { helpers, isHtmx } from '../../view.ts';
import { formCsrfValid, readMultipartForm } from '../../multipart-form.ts';
import { chatAddressOf, headOf } from './conversation.routes.ts';

const fieldsSchema = z.object({ messageId: z.uuid(), caption: z.string().trim().max(500).optional() });

/** A photo staff send from the inbox: a multipart form (the CSRF token is checked once its fields are read). */
export const inboxPhotoRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;
  await app.register(multipart, { limits: { fileSize: MAX_IMAGE_BYTES, files: 1, fields: 5, parts: 6, fieldSize: 1_000 } });

  app.post('/inbox/:id/photo', { config: { roles: allowed('inbox.use'), ownCsrf: true } }, async (request, reply) => {
    const form = await readMultipartForm(request);
    if (!formCsrfValid(request, form)) return refuse(request, reply, 'csrf');
    const { fields, file, tooLarge } = form;
    const head = await headOf(request, reply);
    if (!head) return reply;
    const { t } = helpers(request);
    const parsed = fieldsSchema.safeParse(fields);
    // Checked by content like every upload, and stored before any transaction.
    const stored = parsed.success && file && !tooLarge ? await storeStaffPhoto(config.dataDir, file) : undefined;
    if (!parsed.success || !stored?.ok) return reply.code(400).type('text/html; charset=utf-8').send(`<p class="alert alert-error" role="alert">${t('inbox.error.photo')}</p>`);
    const to = await chatAddressOf(request, head);
    const url = `${config.publicUrl}/media/chat/${stored.name}`;
    const me = request.admin!.user;
    await replyAsStaff(
      db,
      {
        conversationId: head.id,
        to,
        notices: [{ kind: 'chat.messages', by: 'staff', messages: [{ type: 'image', url, altText: parsed.data.caption || t('inbox.kind.image'), caption: parsed.data.caption || undefined }] }],
        staffUserId: me.id,
        messageId: parsed.data.messageId,
        handoverMinutes: config.merchant.handoverMinutes,
      },
      (tx, result) => writeAudit(tx, me, { action: 'inbox.reply', target: `conversation:${head.id}`, details: { kind: 'photo', file: stored.name, delivery: result.queued ? result.delivery : undefined } }),
    );
    void app.chat.dispatcher.kick();
    if (isHtmx(request)) return reply.header('hx-trigger', JSON.stringify({ 'inbox-sent': { messageId: crypto.randomUUID(), key: 'inboxSent' } })).code(204).send();
    return reply.redirect(`/admin/inbox/${head.id}?done=inboxSent`, 303);
  });
};
