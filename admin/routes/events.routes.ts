import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { awaitsPacking, awaitsReview, isUnpacking } from '#src/modules/orders/index.ts';
import { allowed, can } from '../auth/roles.ts';
import { databaseNow, orderEventsSince, type OrderEvent } from '../queries/orders.ts';
import { SECURITY_HEADERS } from '../auth/guard.ts';

export const EVENTS_POLL_MS = 2000;
/**
 * created_at is when the writing transaction began, not when it committed: an order can become
 * visible with a time a little in the past. Each poll looks back this far and skips what it sent.
 */
const LOOKBACK_MS = 60_000;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;

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

/**
 * Server-sent events for the order desk. The database is polled every two seconds (a new order may
 * come from another instance, a chat worker or the API), so this works the same on one process or many.
 */
export const eventsRoutes: FastifyPluginAsync = async (app) => {
  const { db, logger } = app.deps;
  const open = new Set<ServerResponse>();

  // Streams never finish by themselves; closing the app ends them so the server can stop.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    open.clear();
  });

  app.get('/events', { config: { roles: allowed('orders.view') } }, async (request, reply) => {
    const packer = !can(request.admin!.user.role, 'revenue.view');
    const now = await databaseNow(db);
    const start = startOf(request.headers['last-event-id'], (request.query as { since?: unknown }).since, now);

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write('retry: 3000\n\n');
    open.add(res);

    // History rows already told (by id, with their time so the set can be trimmed).
    const sent = new Map<number, number>();
    let lastNow = now;
    let timer: NodeJS.Timeout | undefined;
    let lastWrite = Date.now();
    let closed = false;

    const poll = async () => {
      if (closed) return;
      try {
        const from = new Date(Math.max(start.getTime(), lastNow.getTime() - LOOKBACK_MS));
        const events = await orderEventsSince(db, from);
        lastNow = await databaseNow(db);
        for (const e of events) {
          if (sent.has(e.historyId)) continue;
          sent.set(e.historyId, e.at.getTime());
          const kind = liveKind(e, packer);
          if (!kind) continue;
          res.write(`id: ${e.at.toISOString()}\nevent: order\ndata: ${JSON.stringify({ number: e.number, kind, to: e.to })}\n\n`);
          lastWrite = Date.now();
        }
        for (const [id, at] of sent) if (at < lastNow.getTime() - 2 * LOOKBACK_MS) sent.delete(id);
        if (Date.now() - lastWrite > HEARTBEAT_MS) {
          res.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
      } catch (err) {
        logger.warn({ err }, 'order event poll failed');
      }
      if (!closed) timer = setTimeout(() => void poll(), EVENTS_POLL_MS);
    };

    const stop = () => {
      closed = true;
      if (timer) clearTimeout(timer);
      open.delete(res);
    };
    request.raw.on('close', stop);
    res.on('close', stop);
    await poll();
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
