import type { FastifyPluginAsync } from 'fastify';
import { awaitsPacking, awaitsReview, isUnpacking } from '#src/modules/orders/index.ts';
import { allowed, can } from '../auth/roles.ts';
import { databaseNow, orderEventsSince, type OrderEvent } from '../queries/orders.ts';
import { streamEvents, streamRegistry, type StreamEvent } from '../sse.ts';

/**
 * created_at is when the writing transaction began, not when it committed: an order can become
 * visible with a time a little in the past. Each poll looks back this far and skips what it sent.
 */
const LOOKBACK_MS = 60_000;

export type LiveKind = 'new' | 'slip' | 'to_pack' | 'status';

/**
 * What a role hears of: the desk of new orders and slips to review, packers of orders that became
 * theirs to pack; everyone of other moves, so a row already on their screen can be brought up to date.
 */
export function liveKind(event: OrderEvent, packer: boolean): LiveKind | undefined {
  if (event.from === null) return packer ? undefined : 'new';
  if (awaitsReview(event.to) && !packer) return 'slip';
  if (awaitsPacking(event.to) && !isUnpacking(event.from, event.to) && packer) return 'to_pack';
  return 'status';
}

/** Server-sent events for the order desk (admin/sse.ts: polled every two seconds). */
export const eventsRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.deps;
  const open = streamRegistry(app);

  app.get('/events', { config: { roles: allowed('orders.view') } }, async (request, reply) => {
    const packer = !can(request.admin!.user.role, 'revenue.view');
    const now = await databaseNow(db);
    const start = startOf(request.headers['last-event-id'], (request.query as { since?: unknown }).since, now);
    // History rows already told (by id, with their time so the set can be trimmed).
    const sent = new Map<number, number>();
    let lastNow = now;
    await streamEvents(
      request,
      reply,
      open,
      async () => {
        const from = new Date(Math.max(start.getTime(), lastNow.getTime() - LOOKBACK_MS));
        const events = await orderEventsSince(db, from);
        lastNow = await databaseNow(db);
        const out: StreamEvent[] = [];
        for (const e of events) {
          if (sent.has(e.historyId)) continue;
          sent.set(e.historyId, e.at.getTime());
          const kind = liveKind(e, packer);
          if (kind) out.push({ id: e.at.toISOString(), event: 'order', data: { number: e.number, kind, to: e.to } });
        }
        for (const [id, at] of sent) if (at < lastNow.getTime() - 2 * LOOKBACK_MS) sent.delete(id);
        return out;
      },
      'order',
    );
  });
};

/**
 * Where the stream starts: after the last event a reconnecting browser saw, else when the page was
 * drawn (so an order placed between drawing it and connecting is not lost), else now. Never more
 * than ten minutes back: an old tab reconnecting gets a badge, not a flood.
 */
function startOf(lastEventId: unknown, since: unknown, now: Date): Date {
  const floor = now.getTime() - 10 * 60_000;
  for (const candidate of [lastEventId, since]) {
    if (typeof candidate !== 'string') continue;
    const t = Date.parse(candidate);
    if (!Number.isNaN(t)) return new Date(Math.min(now.getTime(), Math.max(floor, t)));
  }
  return now;
}
