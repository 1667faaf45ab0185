/**
 * Turns stored inbound events into conversation: claims each event, lets its channel's adapter read
 * it, runs the engine, and queues the reply in the same transaction that marks the event done. A crash
 * anywhere before the commit leaves the event pending, and it is processed again, exactly once.
 */
import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { ChatInboxRow } from '#src/db/schema/index.ts';
import type { Logger } from '#src/logger.ts';
import { appendWebchat, claimNextInbound, markInbound, peekNextInbound } from '#src/modules/conversations/index.ts';
import { enqueueMessage } from '#src/modules/notify/index.ts';
import { messages as allMessages } from '#templates/messages/index.ts';
import type { ChatEvent, ChatPerson, createChatEngine } from './engine/engine.ts';

export interface DecodedEvent {
  person: ChatPerson;
  event: ChatEvent;
  replyToken?: string | undefined;
  replyTokenExpiresAt?: Date | undefined;
}

/** One per channel: reads a stored payload (may call the channel, e.g. for a profile); null = nothing to do. */
export interface InboundDecoder {
  decode(payload: Record<string, unknown>): Promise<DecodedEvent | null>;
}

export interface InboxProcessorOptions {
  db: Db;
  logger: Logger;
  engine: ReturnType<typeof createChatEngine>;
  decoders: Partial<Record<string, InboundDecoder>>;
  /** Called after a commit that queued messages, so they go out at once. */
  onQueued: () => void;
  concurrency?: number;
  maxAttempts?: number;
  pollMs?: number;
  /** Slow work for an event (reading a slip photo) started before its transaction opens. */
  prefetch?: (decoded: DecodedEvent) => void;
}

export function createInboxProcessor(opts: InboxProcessorOptions) {
  const { db, logger } = opts;
  const maxAttempts = opts.maxAttempts ?? 5;
  let active = 0;
  let wanted = false;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  const idle: (() => void)[] = [];

  async function processEvent(tx: Tx, row: ChatInboxRow): Promise<boolean> {
    const decoder = opts.decoders[row.channel];
    if (!decoder) throw new Error(`no decoder for channel ${row.channel}`);
    const decoded = await decoder.decode(row.payload);
    if (!decoded) return false;
    const reply = await opts.engine.handle(tx, decoded.person, decoded.event);
    if (reply.messages.length === 0) return false;
    await enqueueMessage(tx, {
      channel: decoded.person.channel,
      recipient: decoded.person.userId,
      payload: { messages: reply.messages, locale: reply.locale },
      dedupeKey: `reply:${row.channel}:${row.eventId}`,
      replyToken: decoded.replyToken,
      replyTokenExpiresAt: decoded.replyTokenExpiresAt,
    });
    return true;
  }

  /** Looks at the next event without claiming it, so a slip photo is being read before the transaction waits for it. */
  async function prefetchNext() {
    if (!opts.prefetch) return;
    const [next] = await peekNextInbound(db);
    if (!next) return;
    const decoded = await opts.decoders[next.channel]?.decode(next.payload).catch(() => null);
    if (decoded?.event.kind === 'image') opts.prefetch(decoded);
  }

  /** Claims and processes one event; false when none is due. */
  async function processNext(): Promise<boolean> {
    await prefetchNext();
    let queued = false;
    const claimed = await withTransaction(db, async (tx) => {
      const row = await claimNextInbound(tx);
      if (!row) return false;
      const log = logger.child({ channel: row.channel, eventId: row.eventId });
      try {
        // A savepoint, so a failure leaves the claim (and the advisory lock) in place to record it.
        queued = await tx.transaction((sp) => processEvent(sp, row));
        await markInbound(tx, row.id, { status: 'done' });
        log.debug('chat event processed');
      } catch (err) {
        log.error({ err, attempt: row.attempts + 1 }, 'chat event failed');
        const last = row.attempts + 1 >= maxAttempts;
        await markInbound(
          tx,
          row.id,
          last
            ? { status: 'failed', error: String(err) }
            : { status: 'pending', error: String(err), retryInMs: 1000 * 2 ** row.attempts },
        );
        if (last) queued = await apologise(tx, row);
      }
      return true;
    });
    if (queued) opts.onQueued();
    return claimed;
  }

  /** After the last attempt the customer still hears something, never silence. */
  async function apologise(tx: Tx, row: ChatInboxRow): Promise<boolean> {
    const decoder = opts.decoders[row.channel];
    const decoded = await decoder?.decode(row.payload).catch(() => null);
    if (!decoded) return false;
    const locale = decoded.person.language ?? 'th';
    await enqueueMessage(tx, {
      channel: decoded.person.channel,
      recipient: decoded.person.userId,
      payload: { messages: [{ type: 'text', text: allMessages[locale].somethingWrong }], locale },
      dedupeKey: `reply:${row.channel}:${row.eventId}`,
    });
    return true;
  }

  async function worker() {
    active++;
    try {
      do {
        wanted = false;
        while (await processNext());
      } while (wanted);
    } catch (err) {
      logger.error({ err }, 'inbox processor failed');
    } finally {
      active--;
      if (active === 0) idle.splice(0).forEach((resolve) => resolve());
    }
  }

  function kick() {
    wanted = true;
    const concurrency = opts.concurrency ?? 4;
    while (active < concurrency) void worker();
  }

  return {
    kick,
    /** Resolves when every due event has been processed (tests). */
    async drain() {
      kick();
      if (active > 0) await new Promise<void>((resolve) => idle.push(resolve));
    },
    start() {
      stopped = false;
      const tick = () => {
        if (stopped) return;
        kick();
        timer = setTimeout(tick, opts.pollMs ?? 1000);
      };
      tick();
    },
    async stop() {
      stopped = true;
      wanted = false;
      if (timer) clearTimeout(timer);
      if (active > 0) await new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}

export type InboxProcessor = ReturnType<typeof createInboxProcessor>;

/** The web chat keeps a transcript: the visitor's own message is written when it arrives. */
export async function recordWebchatVisitorMessage(db: Db, visitorId: string, clientId: string, parts: unknown[]) {
  return appendWebchat(db, { visitorId, sender: 'me', clientId, parts });
}
