import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { jsonRows } from '../db/json-rows.ts';
import type { OutboxRow } from '../db/schema/index.ts';
import type { Logger } from '../logger.ts';
import { lastChatInbound } from '../modules/customers/index.ts';
import { noticeOf, purposeOf, type RenderNotice } from '../modules/notify/index.ts';
import { SendError, type ChannelSender, type DeliveryPurpose, type SkipReason } from '../ports/channel.ts';
import type { OutMessage } from '../ports/messages.ts';

export interface DispatcherOptions {
  db: Db;
  logger: Logger;
  senders: Partial<Record<string, ChannelSender>>;
  /** The words of a notice in a language: the chat runtime passes the one built from templates/messages. */
  render: RenderNotice;
  /** After this many failed attempts a row is dead: shown in the back office, resent by hand. */
  maxAttempts?: number;
  batchSize?: number;
  /** How often to look for due retries when nothing kicks the dispatcher. */
  pollMs?: number;
  /** How long a claimed row stays claimed; a crashed sender's rows are picked up after it. */
  leaseMs?: number;
  /** The first retry's delay; later ones double (tests shorten it). */
  backoffBaseMs?: number;
}

/** Exponential backoff with full jitter: 1 s, 2 s, 4 s ... capped at 5 min, spread so retries do not stampede. */
export function backoffMs(attempt: number, baseMs = 1000, random = Math.random): number {
  const cap = Math.min(300_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * Sends what the outbox holds, once each. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease,
 * so several processes can dispatch from one database without sending a row twice; LINE pushes carry
 * the row's retry key, so even a retry after a lost answer is delivered once.
 */
export function createOutboxDispatcher(opts: DispatcherOptions) {
  const { db, logger } = opts;
  const maxAttempts = opts.maxAttempts ?? 8;
  const batchSize = opts.batchSize ?? 20;
  const leaseMs = opts.leaseMs ?? 60_000;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;

  async function claim(): Promise<OutboxRow[]> {
    const result = await db.execute<Record<string, unknown>>(sql`
      update outbox set status = 'sending', attempts = attempts + 1,
        -- A row carrying a reply token is leased only while the token lasts, so a crashed sender's reply
        -- is retried with the same token: LINE then refuses a token already used, which proves delivery.
        locked_until = least(
          clock_timestamp() + make_interval(secs => ${leaseMs / 1000}),
          greatest(clock_timestamp() + interval '5 seconds', reply_token_expires_at - interval '15 seconds')),
        updated_at = now()
      where id in (
        select id from outbox
        where (status = 'pending' and next_attempt_at <= clock_timestamp()) or (status = 'sending' and locked_until < clock_timestamp())
        order by id
        limit ${batchSize}
        for update skip locked)
      returning *`);
    return result.rows.map(toRow).sort((a, b) => a.id - b.id);
  }

  /**
   * Records rows sent, for this claim only (attempts = the claim's count: a slow sender whose lease ran
   * out does not overwrite the newer attempt's outcome), in one statement for the deliveries of a batch
   * (see deliverBatch). A delivered message whose "sent" could not be written would be sent again, so
   * that write is retried while the database comes back.
   */
  async function recordSent(rows: OutboxRow[]) {
    if (rows.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await db.execute(sql`
          update outbox set status = 'sent', sent_at = now(), locked_until = null, last_error = null, updated_at = now()
          from ${jsonRows('done', { id: 'bigint', attempts: 'int' }, rows)}
          where outbox.id = done.id and outbox.attempts = done.attempts`);
        return;
      } catch (err) {
        if (attempt >= 8 || stopped) throw err;
        logger.warn({ err, outboxIds: rows.map((r) => r.id) }, 'could not record sent messages yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
      }
    }
  }

  type Failure = { error: string; retryInMs?: number; dead?: boolean } | { skipped: SkipReason; error: string };

  /** Records an attempt that did not deliver: skipped for good, retried later, or dead. */
  async function finish(row: OutboxRow, outcome: Failure): Promise<void> {
    if ('skipped' in outcome) {
      // The channel's rules forbid this message now: kept with the reason for the back office, never retried.
      await db.execute(sql`
        update outbox set status = 'skipped', locked_until = null, skip_reason = ${outcome.skipped}, last_error = ${outcome.error.slice(0, 2000)}, updated_at = now()
        where id = ${row.id} and attempts = ${row.attempts}`);
      logger.info({ outboxId: row.id, channel: row.channel, reason: outcome.skipped }, 'message skipped by the channel rules');
      return;
    }
    const dead = outcome.dead || row.attempts >= maxAttempts;
    const retryIn = outcome.retryInMs ?? backoffMs(row.attempts, opts.backoffBaseMs);
    await db.execute(sql`
      update outbox set status = ${dead ? 'dead' : 'pending'}, locked_until = null, last_error = ${outcome.error.slice(0, 2000)},
        next_attempt_at = clock_timestamp() + make_interval(secs => ${retryIn / 1000}), updated_at = now()
      where id = ${row.id} and attempts = ${row.attempts}`);
    (dead ? logger.error : logger.warn).call(logger, { outboxId: row.id, channel: row.channel, attempts: row.attempts, err: outcome.error }, dead ? 'message dead after retries' : 'message will be retried');
  }

  /**
   * Sends a row; true when it was delivered (its batch records it sent), false when the attempt's
   * outcome was recorded here. `lastInboundAt`: when the recipient last wrote on this channel, if known
   * (the 24-hour rule's start).
   */
  async function deliver(row: OutboxRow, lastInboundAt: Date | undefined): Promise<boolean> {
    const notDelivered = (outcome: Failure) => finish(row, outcome).then(() => false);
    const sender = opts.senders[row.channel];
    if (!sender) return notDelivered({ error: `channel ${row.channel} is not configured`, dead: true });
    let messages: OutMessage[];
    let purpose: DeliveryPurpose;
    try {
      const { notice, locale } = noticeOf(row.payload);
      messages = opts.render(notice, locale);
      purpose = purposeOf(notice);
    } catch (err) {
      return notDelivered({ error: (err as Error).message, dead: true });
    }
    const replyValid = row.replyToken && row.replyTokenExpiresAt && row.replyTokenExpiresAt.getTime() > Date.now() + 2_000;
    try {
      await sender.send({
        id: row.id,
        recipient: row.recipient,
        messages,
        // Every attempt uses the reply token while it is valid: on a retry, LINE refusing it as used
        // means an earlier attempt delivered the reply (the sender knows from `attempt`).
        replyToken: replyValid ? row.replyToken! : undefined,
        retryKey: row.retryKey,
        attempt: row.attempts,
        purpose,
        lastInboundAt,
      });
    } catch (err) {
      if (err instanceof SendError) {
        if (err.opts.alreadySent) return true;
        if (err.opts.skipped) return notDelivered({ skipped: err.opts.skipped, error: err.message });
        return notDelivered({ error: err.message, retryInMs: err.opts.retryAfterMs, dead: !err.opts.retryable });
      }
      return notDelivered({ error: err instanceof Error ? err.message : String(err) });
    }
    return true;
  }

  /**
   * Messages to one person go out in order; different people are served in parallel. What was
   * delivered is recorded sent together: in one statement when the batch ends within a second (nearly
   * always), else every second while it runs, so a slow send (up to its timeout) never keeps another
   * row's delivery unrecorded past its lease, when another dispatcher would take it and send it again.
   * Errors (recording a failure or a delivery) are thrown once everything delivered is recorded.
   */
  async function deliverBatch(rows: OutboxRow[]) {
    const lastInbound = await lastChatInbound(db, rows.map((r) => ({ channel: r.channel, externalId: r.recipient })));
    const byRecipient = new Map<string, OutboxRow[]>();
    for (const r of rows) byRecipient.set(`${r.channel}:${r.recipient}`, [...(byRecipient.get(`${r.channel}:${r.recipient}`) ?? []), r]);
    const delivered: OutboxRow[] = [];
    const errors: unknown[] = [];
    let recorded = Promise.resolve();
    const record = () => {
      const now = delivered.splice(0);
      recorded = recorded.then(() => recordSent(now)).catch((err: unknown) => void errors.push(err));
      return recorded;
    };
    const meanwhile = setInterval(record, SENT_RECORD_INTERVAL_MS).unref();
    try {
      const outcomes = await Promise.allSettled(
        [...byRecipient.values()].map(async (queue) => {
          for (const row of queue) if (await deliver(row, lastInbound.get(`${row.channel}:${row.recipient}`))) delivered.push(row);
        }),
      );
      for (const o of outcomes) if (o.status === 'rejected') errors.push(o.reason);
    } finally {
      clearInterval(meanwhile);
    }
    await record();
    if (errors.length > 0) throw errors[0];
  }

  async function drain() {
    do {
      again = false;
      for (;;) {
        const rows = await claim();
        if (rows.length === 0) break;
        await deliverBatch(rows);
      }
    } while (again && !stopped);
  }

  function kick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = drain()
      .catch((err) => logger.error({ err }, 'outbox dispatcher failed'))
      .finally(() => {
        running = null;
      });
    return running;
  }

  return {
    kick,
    /** Sends everything due now and waits for it (tests, shutdown). */
    async flush() {
      await kick();
      await kick();
    },
    start() {
      stopped = false;
      const tick = () => {
        if (stopped) return;
        void kick().finally(() => {
          if (!stopped) timer = setTimeout(tick, opts.pollMs ?? 1000);
        });
      };
      tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type OutboxDispatcher = ReturnType<typeof createOutboxDispatcher>;

/** How long at most a delivered row waits to be recorded sent while the rest of its batch is sent (deliverBatch). */
const SENT_RECORD_INTERVAL_MS = 1000;

/** Raw rows from `db.execute` use column names; give them the schema's shape. */
function toRow(r: Record<string, unknown>): OutboxRow {
  const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    id: Number(r.id),
    channel: String(r.channel),
    recipient: String(r.recipient),
    payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as OutboxRow['payload'],
    dedupeKey: String(r.dedupe_key),
    replyToken: (r.reply_token as string | null) ?? null,
    replyTokenExpiresAt: date(r.reply_token_expires_at),
    status: r.status as OutboxRow['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: date(r.next_attempt_at)!,
    lockedUntil: date(r.locked_until),
    retryKey: String(r.retry_key),
    lastError: (r.last_error as string | null) ?? null,
    skipReason: (r.skip_reason as SkipReason | null) ?? null,
    sentAt: date(r.sent_at),
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
  };
}
