import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { chatChannel } from '#src/db/schema/index.ts';
import { waitingCount } from '#src/modules/conversations/index.ts';
import { allowed } from '../../auth/roles.ts';
import { labelsInUse, listConversations, conversationsChangedSince } from '../../queries/inbox.ts';
import { databaseNow } from '../../queries/orders.ts';
import { streamEvents, streamRegistry, type StreamEvent } from '../../sse.ts';
import { listPageUrl, render } from '../../view.ts';

const PER_PAGE = 50;
const flag = z.enum(['1']).optional().catch(undefined);
export const listQuery = z.object({
  unread: flag,
  waiting: flag,
  mine: flag,
  channel: z.enum(chatChannel.enumValues).optional().catch(undefined),
  label: z.string().trim().max(40).optional().catch(undefined),
  q: z.string().trim().max(100).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});

/** Changes are read this far back (a transaction's time is when it began, not when it committed). */
const LOOKBACK_MS = 60_000;

/** The inbox list (newest activity first, filtered), and its live stream of conversations that moved. */
export const inboxListRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.deps;
  const inbox = { roles: allowed('inbox.use') };
  const open = streamRegistry(app);

  app.get('/inbox', { config: inbox }, async (request, reply) => {
    const q = listQuery.parse(request.query ?? {});
    const me = request.admin!.user;
    const filter = { unread: q.unread === '1', waiting: q.waiting === '1', mine: q.mine === '1' ? me.id : undefined, channel: q.channel, label: q.label || undefined, q: q.q || undefined };
    const [{ rows, more }, labels] = await Promise.all([listConversations(db, { ...filter, page: q.page, perPage: PER_PAGE }), labelsInUse(db)]);
    const kept = { unread: q.unread, waiting: q.waiting, mine: q.mine, channel: q.channel, label: q.label, q: q.q };
    return render(request, reply, 'inbox/list', {
      rows,
      more,
      labels,
      channels: chatChannel.enumValues,
      filter: kept,
      page: q.page,
      pageUrl: (page: number) => listPageUrl('/admin/inbox', kept, page),
      listUrl: listPageUrl('/admin/inbox', kept, q.page),
    });
  });

  /**
   * Live: `conversation` when a conversation's last message changed (the list reloads its rows, an
   * open conversation fetches what is new), `waiting` with the count for the badge when it moves.
   */
  app.get('/inbox/events', { config: inbox }, async (request, reply) => {
    const start = await databaseNow(db);
    const told = new Map<number, number | null>();
    let lastNow = start;
    let waiting = await waitingCount(db);
    await streamEvents(
      request,
      reply,
      open,
      async () => {
        const since = new Date(Math.max(start.getTime(), lastNow.getTime() - LOOKBACK_MS));
        const changed = await conversationsChangedSince(db, since);
        lastNow = await databaseNow(db);
        const out: StreamEvent[] = [];
        for (const c of changed) {
          if (told.get(c.id) === c.lastMessageId) continue;
          told.set(c.id, c.lastMessageId);
          out.push({ event: 'conversation', data: { id: c.id, lastMessageId: c.lastMessageId } });
        }
        if (told.size > 5000) told.clear();
        const now = await waitingCount(db);
        if (now !== waiting) {
          waiting = now;
          out.push({ event: 'waiting', data: { n: now } });
        }
        return out;
      },
      'inbox',
    );
  });
};
