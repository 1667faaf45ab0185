/**
 * Customers chatting with a running app over real HTTP, the way LINE delivers: each customer's
 * messages in order, one webhook at a time; a webhook that is not answered 200 (an error, a dropped
 * connection, the app gone) is delivered again later with isRedelivery, until it is acknowledged.
 */
import type { webhook } from '@line/bot-sdk';
import { asLineRedelivery, lineWebhookRequest } from '#tests/fakes/line-api.ts';
import { sleep, type Random } from './common.ts';
import type { StepKind } from './conversation.ts';

export interface LoadStep {
  kind: StepKind | 'image';
  event: webhook.Event;
  /** Runs before the step is first sent (e.g. wait for the order a slip pays). */
  before?: () => Promise<void>;
}

export interface LoadCustomer {
  userId: string;
  steps: LoadStep[];
  confirms: boolean;
  slip?: { file: string; amount: number; datetime: string };
}

export interface SentEvent {
  userId: string;
  eventId: string;
  kind: LoadStep['kind'];
  replyToken: string | undefined;
  /** 200 received (at least once). */
  acked: boolean;
  attempts: number;
  /** Statuses of the tries that were not 200 (0 = no answer at all). */
  refused: number[];
  ackedAt?: number;
}

export interface LoadOptions {
  base: () => string;
  secret: string;
  random: Random;
  /** Customers start spread over this long, so the load lasts. */
  staggerMs: number;
  /** Pause between one customer's messages (typing), min and max. */
  pauseMs: [number, number];
  /** Redelivery pacing: LINE retries for a while; the drill retries this often, this many times. */
  retryEveryMs?: number;
  retryRounds?: number;
}

export function runLineLoad(customers: LoadCustomer[], opts: LoadOptions) {
  const sent: SentEvent[] = [];
  let stopped = false;

  async function deliver(step: LoadStep, record: SentEvent) {
    const rounds = opts.retryRounds ?? 600;
    for (let attempt = 0; attempt < rounds && !stopped; attempt++) {
      const event = attempt === 0 ? step.event : asLineRedelivery(step.event);
      const { body, headers } = lineWebhookRequest([event], opts.secret);
      record.attempts++;
      let status = 0;
      try {
        const res = await fetch(`${opts.base()}/webhooks/line`, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      if (status === 200) {
        record.acked = true;
        record.ackedAt = Date.now();
        return;
      }
      record.refused.push(status);
      await sleep(opts.retryEveryMs ?? 250);
    }
  }

  async function converse(customer: LoadCustomer, startAfter: number) {
    await sleep(startAfter);
    for (const step of customer.steps) {
      if (stopped) return;
      if (step.before) await step.before();
      const e = step.event as { webhookEventId: string; replyToken?: string };
      const record: SentEvent = { userId: customer.userId, eventId: e.webhookEventId, kind: step.kind, replyToken: e.replyToken, acked: false, attempts: 0, refused: [] };
      sent.push(record);
      await deliver(step, record);
      // A customer who could not get through stops, as a person would; their later messages were never sent.
      if (!record.acked) return;
      await sleep(opts.random.int(opts.pauseMs[0], opts.pauseMs[1]));
    }
  }

  const done = Promise.all(customers.map((cu) => converse(cu, opts.random.int(0, opts.staggerMs))));
  return {
    sent,
    done,
    acked: () => sent.filter((s) => s.acked).length,
    stop() {
      stopped = true;
    },
  };
}

/** How many steps the customers will send in all. */
export const totalSteps = (customers: LoadCustomer[]) => customers.reduce((n, c) => n + c.steps.length, 0);
