import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { inArray } from 'drizzle-orm';
import { customers } from '#src/db/schema/index.ts';
import { upcomingReminders } from '#src/jobs/customers.remind-reorder.job.ts';
import { deadMessages, resendDeadMessage, skippedMessages } from '#src/modules/notify/index.ts';
import type { OutboxRow } from '#src/db/schema/index.ts';
import { customerText } from '../outbox-text.ts';
import { writeAudit } from '../audit.ts';
import { allowed } from '../auth/roles.ts';
import { render } from '../view.ts';

/** An outbox row as the page lists it: to whom, when, and what it says in the customer's language (marked with it). */
const listed = (m: OutboxRow) => ({
  id: m.id,
  channel: m.channel,
  recipient: m.recipient,
  error: m.lastError ?? '',
  at: m.updatedAt,
  locale: m.payload.locale,
  text: customerText(m.payload),
});

/**
 * What the outbox could not deliver (with a resend button), what a channel's rules kept from being
 * sent (with the reason), and the reorder reminders coming up.
 */
export const messagesRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.deps;

  app.get('/messages', { config: { roles: allowed('messages.manage') } }, async (request, reply) => {
    const now = new Date();
    const [dead, skipped, upcoming] = await Promise.all([deadMessages(db, 200), skippedMessages(db, 200), upcomingReminders(db, config, now)]);
    const soon = upcoming.filter((r) => r.prediction.runOutAt.getTime() >= now.getTime() - 7 * 86_400_000).slice(0, 200);
    const people = soon.length
      ? await db
          .select({ id: customers.id, name: customers.name, phone: customers.phone, optOut: customers.reminderOptOut })
          .from(customers)
          .where(inArray(customers.id, [...new Set(soon.map((r) => r.customerId))]))
      : [];
    const byId = new Map(people.map((p) => [p.id, p]));
    return render(request, reply, 'messages', {
      dead: dead.map((m) => ({ ...listed(m), attempts: m.attempts })),
      skipped: skipped.map((m) => ({ ...listed(m), reason: m.skipReason })),
      reminders: soon.map((r) => ({ ...r, customer: byId.get(r.customerId) })),
      resent: (request.query as { resent?: string }).resent === '1',
    });
  });

  app.post('/messages/:id/resend', { config: { roles: allowed('messages.manage') } }, async (request, reply) => {
    const parsed = z.object({ id: z.coerce.number().int().positive() }).safeParse(request.params);
    if (!parsed.success) return reply.callNotFound();
    const { id } = parsed.data;
    if (await resendDeadMessage(db, id)) {
      await writeAudit(db, request.admin!.user, { action: 'message.resend', details: { outboxId: id } });
      void app.chat.dispatcher.kick();
    }
    return reply.redirect('/admin/messages?resent=1', 303);
  });
};
