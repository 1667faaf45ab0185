/**
 * Turns stored inbound events into conversation: leases a batch of events, lets each channel's adapter
 * read its event (which may call the channel: a LINE profile, Telegram's answerCallbackQuery) and
 * fetches and reads any photo, all outside any transaction; then, in one short transaction, claims the
 * leased events, runs the engine and queues the replies with the events marked done. A crash anywhere
 * before the commit leaves an event pending, and it is processed again (after its lease), exactly once.
 */
import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { ChatInboxRow } from '#src/db/schema/index.ts';
import type { Logger } from '#src/logger.ts';
import { claimInbound, leaseInbound, markInbound, markInboundDone } from '#src/modules/conversations/index.ts';
import { noteChatInbound, type ChatInbound } from '#src/modules/customers/index.ts';
import { AppError } from '#src/errors.ts';
import { tellCustomer, type ChatAddress, type Delivery, type ReadyMessages } from '#src/modules/notify/index.ts';
import { messages as allMessages } from '#templates/messages/index.ts';
import { afterAnswers, transcribeInbound } from './transcript.ts';
import type { ChatEvent, ChatPerson, createChatEngine, InboundEvent, InboundImage, PreparedPhoto } from './engine/engine.ts';

export interface DecodedEvent<E = InboundEvent> {
  person: ChatPerson;
  event: E;
  /** When the person sent it, by the channel's clock (Meta's 24-hour window counts from there). */
  sentAt?: Date | undefined;
  replyToken?: string | undefined;
  replyTokenExpiresAt?: Date | undefined;
  /** From a group chat (the person is the group): only a merchant's link code is read from it, never a conversation. */
  group?: boolean | undefined;
}

/** A merchant's link code read before the conversation: the answer, and what to apply once committed. */
export interface MerchantLink {
  messages: ReadyMessages['messages'];
  locale: 'th' | 'en';
  afterCommit: () => void;
}

/** One per channel: reads a stored payload (may call the channel, e.g. for a profile); null = nothing to do. */
export interface InboundDecoder {
  decode(payload: Record<string, unknown>): Promise<DecodedEvent | null>;
}

type EngineBatch = ReturnType<ReturnType<typeof createChatEngine>['batch']>;

/** The engine's answer to one event, queued as the chat's reply. */
interface Reply {
  to: ChatAddress;
  notice: ReadyMessages;
  delivery: Delivery;
}

/**
 * The people who wrote, for their chats' last inbound time (Meta's 24-hour window starts there): every
 * event someone sent, at the time the channel says it was sent (a redelivery hours later is not a new
 * message), never later than we received it; leaving (unfollow) is not writing.
 */
const inboundOf = (rows: ChatInboxRow[], decoded: (DecodedEvent<{ kind: string }> | null)[]): ChatInbound[] =>
  rows.flatMap((row, i) => {
    const d = decoded[i];
    if (!d || d.event.kind === 'unfollow') return [];
    const at = d.sentAt && d.sentAt < row.receivedAt ? d.sentAt : row.receivedAt;
    return [{ channel: d.person.channel, externalId: d.person.userId, at }];
  });

/** One reply per inbound event: a redelivered or retried event never answers twice. */
const replyKey = (row: ChatInboxRow) => `reply:${row.channel}:${row.eventId}`;

export interface InboxProcessorOptions {
  db: Db;
  logger: Logger;
  engine: ReturnType<typeof createChatEngine>;
  decoders: Partial<Record<string, InboundDecoder>>;
  /** Reads a six-digit message as the merchant's one-time link code, before the conversation; undefined = not one. */
  linkMerchant?: (tx: Tx, person: ChatPerson, text: string) => Promise<MerchantLink | undefined>;
  /** Fetches, checks and reads a photo before the transaction; without it a photo is refused as unreadable. */
  preparePhoto?: (person: ChatPerson, image: InboundImage) => Promise<PreparedPhoto>;
  /** How long a worker holds events it prepares outside a transaction before others may take them. */
  leaseMs?: number;
  /** Called after a commit that queued messages, so they go out at once. */
  onQueued: () => void;
  concurrency?: number;
  /** How many people's events one transaction handles (one commit for all of them). */
  batchSize?: number;
  maxAttempts?: number;
  pollMs?: number;
}

export function createInboxProcessor(opts: InboxProcessorOptions) {
  const { db, logger } = opts;
  const maxAttempts = opts.maxAttempts ?? 5;
  let active = 0;
  let wanted = false;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  const idle: (() => void)[] = [];

  /** An event made ready outside any transaction: decoded (null = nothing to do), or what failed. */
  type Ready = { decoded: DecodedEvent<ChatEvent> | null } | { error: unknown };

  /** The event as the engine reads it, a photo not yet read (see readPhoto). */
  async function decode(row: ChatInboxRow): Promise<Ready> {
    try {
      const decoder = opts.decoders[row.channel];
      if (!decoder) throw new Error(`no decoder for channel ${row.channel}`);
      return { decoded: (await decoder.decode(row.payload)) as DecodedEvent<ChatEvent> | null };
    } catch (error) {
      return { error };
    }
  }

  const isPhoto = (ready: Ready) => 'decoded' in ready && ready.decoded?.event.kind === 'image';

  /** A photo fetched and read (as a slip when it can be one): the slow part, outside any transaction. */
  async function readPhoto(ready: Ready): Promise<Ready> {
    if (!('decoded' in ready) || !ready.decoded || ready.decoded.event.kind !== 'image') return ready;
    const { decoded } = ready;
    try {
      const image = decoded.event as unknown as InboundImage;
      const photo: PreparedPhoto = opts.preparePhoto ? await opts.preparePhoto(decoded.person, image) : { kind: 'refused', code: 'UNREADABLE' };
      return { decoded: { ...decoded, event: { kind: 'image', reference: image.reference, photo } } };
    } catch (error) {
      return { error };
    }
  }

  const decodedOf = (ready: Ready) => {
    if ('error' in ready) throw ready.error;
    return ready.decoded;
  };

  /**
   * A merchant's link code, read before anything else: the reply to queue when it linked the chat, null
   * when the event is done without the conversation (a group's other messages), undefined otherwise.
   */
  async function linkReply(tx: Tx, row: ChatInboxRow, decoded: DecodedEvent<ChatEvent> | null, after: (() => void)[]): Promise<Reply | null | undefined> {
    if (!decoded) return undefined;
    const linked = decoded.event.kind === 'text' && opts.linkMerchant ? await opts.linkMerchant(tx, decoded.person, decoded.event.text) : undefined;
    if (!linked) return decoded.group ? null : undefined;
    after.push(linked.afterCommit);
    return {
      to: { channel: decoded.person.channel, recipient: decoded.person.userId, locale: linked.locale },
      notice: { kind: 'chat.messages', messages: linked.messages },
      delivery: { key: replyKey(row), replyToken: decoded.replyToken, replyTokenExpiresAt: decoded.replyTokenExpiresAt },
    };
  }

  /** Runs the engine on one decoded event; the reply to queue, if there is one. */
  async function reply(tx: Tx, row: ChatInboxRow, decoded: DecodedEvent<ChatEvent> | null, batch?: EngineBatch): Promise<Reply | undefined> {
    if (!decoded || decoded.group) return undefined;
    const answer = await opts.engine.handle(tx, decoded.person, decoded.event, batch);
    if (answer.messages.length === 0) return undefined;
    return {
      to: { channel: decoded.person.channel, recipient: decoded.person.userId, locale: answer.locale },
      notice: { kind: 'chat.messages', messages: answer.messages },
      delivery: { key: replyKey(row), replyToken: decoded.replyToken, replyTokenExpiresAt: decoded.replyTokenExpiresAt },
    };
  }

  /**
   * Leases the next events of up to `batchSize` people (one event each) and decodes them outside any
   * transaction. Photos are then read (a slip takes seconds) while the others are handled in one
   * transaction as one batch: their conversations are read in one query and their writes and replies go
   * out in a few statements before one commit, which is what lets intake keep up under load; nobody's
   * answer waits for another customer's photo. Each photo is handled on its own once read. Should any
   * event of the batch fail, the whole batch rolls back and each of its events is handled again on its
   * own (with what was already fetched), so one bad event costs the others nothing but a retry, and is
   * itself recorded as failed. False when nothing was due.
   */
  async function processNext(): Promise<boolean> {
    const leased = await leaseInbound(db, { limit: opts.batchSize ?? 20, leaseMs: opts.leaseMs ?? 120_000 });
    if (leased.length === 0) return false;
    const ready = new Map<number, Ready>();
    await Promise.all(leased.map(async (row) => ready.set(row.id, await decode(row))));
    // Photos start being read now, and are handled once read, after the batch.
    const photos = leased.filter((row) => isPhoto(ready.get(row.id)!)).map((row) => ({ row, read: readPhoto(ready.get(row.id)!) }));
    for (const { row } of photos) ready.delete(row.id);
    let queued = ready.size > 0 && (await processBatch(ready));
    for (const { row, read } of photos) if (await processOne(row, await read)) queued = true;
    if (queued) opts.onQueued();
    return true;
  }

  /** The batch's events in one transaction (see processNext); true when answers were queued. */
  async function processBatch(ready: Map<number, Ready>): Promise<boolean> {
    let claimed: ChatInboxRow[] = [];
    let queued = false;
    let after: (() => void)[] = [];
    try {
      await withTransaction(db, async (tx) => {
        after = [];
        claimed = await claimInbound(tx, [...ready.keys()]);
        const decoded = claimed.map((row) => decodedOf(ready.get(row.id)!));
        const linked = new Map<number, Reply | null>();
        for (const [i, row] of claimed.entries()) {
          const out = await linkReply(tx, row, decoded[i]!, after);
          if (out !== undefined) linked.set(i, out);
        }
        const batch = opts.engine.batch(tx);
        // A merchant's linking code is not a customer's message: no conversation, no transcript.
        const forEngine = decoded.map((d, i) => (linked.has(i) ? null : d));
        await batch.load(forEngine.flatMap((d) => (d ? [d.person] : [])));
        await transcribeInbound(batch, claimed, forEngine);
        const replies: Reply[] = [];
        const answered: boolean[] = [];
        for (const [i, row] of claimed.entries()) {
          const out = linked.has(i) ? linked.get(i) : await reply(tx, row, decoded[i]!, batch);
          answered.push(out !== undefined);
          if (out) replies.push(out);
        }
        await batch.flush();
        await afterAnswers(batch, claimed, forEngine, answered);
        await noteChatInbound(tx, inboundOf(claimed, decoded));
        await tellCustomer(tx, replies);
        await markInboundDone(tx, claimed.map((r) => r.id));
        queued = replies.length > 0;
      });
      for (const apply of after) apply();
    } catch (err) {
      if (claimed.length === 0) throw err;
      logger.debug({ err, events: claimed.length }, 'chat batch failed; handling its events one by one');
      queued = false;
      for (const row of claimed) if (await processOne(row, ready.get(row.id)!)) queued = true;
    }
    return queued;
  }

  /** A customer's event on its own: transcribed, answered, its slip linked and an unused reply token kept. */
  async function answerOne(tx: Tx, row: ChatInboxRow, decoded: DecodedEvent<ChatEvent> | null): Promise<Reply | undefined> {
    const batch = opts.engine.batch(tx);
    if (decoded) await batch.load([decoded.person]);
    await transcribeInbound(batch, [row], [decoded]);
    const out = await reply(tx, row, decoded, batch);
    await batch.flush();
    await afterAnswers(batch, [row], [decoded], [out !== undefined]);
    return out;
  }

  /** One event in its own transaction; a failure is recorded (and retried later, or apologised for). */
  async function processOne(leased: ChatInboxRow, ready: Ready): Promise<boolean> {
    let failure: { row: ChatInboxRow; err: unknown } | undefined;
    let queued = false;
    const after: (() => void)[] = [];
    try {
      await withTransaction(db, async (tx) => {
        const [row] = await claimInbound(tx, [leased.id]);
        if (!row) return;
        try {
          const decoded = decodedOf(ready);
          const link = await linkReply(tx, row, decoded, after);
          const out = link === undefined ? await answerOne(tx, row, decoded) : (link ?? undefined);
          await noteChatInbound(tx, inboundOf([row], [decoded]));
          if (out) await tellCustomer(tx, out.to, out.notice, out.delivery);
          queued = out !== undefined;
          await markInbound(tx, row.id, { status: 'done' });
        } catch (err) {
          failure = { row, err };
          throw err;
        }
      });
      if (!failure) for (const apply of after) apply();
    } catch (err) {
      if (!failure) throw err;
    }
    // The event's transaction rolled back whole; its attempt is recorded in a short one of its own.
    if (failure) queued = (await recordFailure(failure.row, failure.err, ready)) || queued;
    return queued;
  }

  async function recordFailure(row: ChatInboxRow, err: unknown, ready: Ready): Promise<boolean> {
    const log = logger.child({ channel: row.channel, eventId: row.eventId });
    // A refusal by the domain (an AppError) will not change on a retry; anything else may be passing.
    const last = err instanceof AppError || row.attempts + 1 >= maxAttempts;
    (err instanceof AppError ? log.warn : log.error).call(log, { err, attempt: row.attempts + 1 }, 'chat event failed');
    // Who to apologise to is known before the transaction: decoding again may call the channel.
    const person = last ? await personOf(row, ready) : undefined;
    return withTransaction(db, async (tx) => {
      await markInbound(
        tx,
        row.id,
        last ? { status: 'failed', error: String(err) } : { status: 'pending', error: String(err), retryInMs: 1000 * 2 ** row.attempts },
      );
      return person ? apologise(tx, row, person) : false;
    });
  }

  async function personOf(row: ChatInboxRow, ready: Ready): Promise<ChatPerson | undefined> {
    if ('decoded' in ready) return ready.decoded?.person;
    const decoded = await opts.decoders[row.channel]?.decode(row.payload).catch(() => null);
    return decoded?.person;
  }

  /** After the last attempt the customer still hears something, never silence. */
  async function apologise(tx: Tx, row: ChatInboxRow, person: ChatPerson): Promise<boolean> {
    const locale = person.language ?? 'th';
    await tellCustomer(
      tx,
      { channel: person.channel, recipient: person.userId, locale },
      { kind: 'chat.messages', messages: [{ type: 'text', text: allMessages[locale].somethingWrong }] },
      { key: replyKey(row) },
    );
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
