/**
 * A server-sent event stream that polls the database: the order desk's live list and the inbox share
 * it. The database is polled (a change may come from another instance, a chat worker or the API), so
 * this works the same on one process or many; a comment line now and then keeps proxies from closing
 * a quiet stream, and closing the app ends every stream so the server can stop.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SECURITY_HEADERS } from './auth/guard.ts';

export const EVENTS_POLL_MS = 2000;
const HEARTBEAT_MS = 25_000;

/** One server-sent event; `id` lets a reconnecting browser say where it was. */
export interface StreamEvent {
  id?: string | undefined;
  event: string;
  data: unknown;
}

/** The streams one plugin opened, ended when the app closes. */
export function streamRegistry(app: FastifyInstance) {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
    open.clear();
  });
  return open;
}

/**
 * Takes over the reply and calls `poll` every EVENTS_POLL_MS until the browser goes away; what it
 * returns is written as events. A failed poll is logged and the next one tried.
 */
export async function streamEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  open: Set<ServerResponse>,
  poll: () => Promise<StreamEvent[]>,
  what: string,
): Promise<void> {
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
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = Date.now();
  let closed = false;
  const tick = async () => {
    if (closed) return;
    try {
      for (const e of await poll()) {
        res.write(`${e.id ? `id: ${e.id}\n` : ''}event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
        lastWrite = Date.now();
      }
      if (Date.now() - lastWrite > HEARTBEAT_MS) {
        res.write(': keep-alive\n\n');
        lastWrite = Date.now();
      }
    } catch (err) {
      request.log.warn({ err }, `${what} event poll failed`);
    }
    if (!closed) timer = setTimeout(() => void tick(), EVENTS_POLL_MS);
  };
  const stop = () => {
    closed = true;
    if (timer) clearTimeout(timer);
    open.delete(res);
  };
  request.raw.on('close', stop);
  res.on('close', stop);
  await tick();
}
