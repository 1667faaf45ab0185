/**
 * The mixed phase, always on the embedded database (PGlite: one connection for everything): 200 people
 * chatting over the signed LINE webhook while 10 customers send a payment slip each, the first of them
 * with the OCR workers still cold. Measures what a customer feels while slips are read: the webhook's
 * acknowledgement time (p50, p99) and whether /healthz answers 200 all along; slipsRead counts the
 * slips that reached the database (payment_slips) before the phase ended.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { pino } from 'pino';
import { buildApp } from '../../src/app.ts';
import { bootstrap } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { paymentSlips } from '../../src/db/schema/index.ts';
import { createTestDatabase } from '../../tests/helpers/db.ts';
import { makeProduct, unpaidChatOrder } from '../../tests/helpers/factories.ts';
import { lineImageEvent, lineTextEvent, lineUserId, lineWebhookRequest, startFakeLineApi } from '../../tests/fakes/line-api.ts';
import { loadSlipManifest, readSlipFixture } from '../../tests/fixtures/slips/fixtures.ts';
import { percentile } from '../load.ts';
import { lineEnv } from '../../tests/helpers/chat.ts';

export interface MixedResult {
  ackP50Ms: number;
  ackP99Ms: number;
  /** /healthz answers other than 200 (timeouts count) while the phase ran. */
  healthzNon200: number;
  healthzChecks: number;
  healthzMaxMs: number;
  slipsRead: number;
  slipsSent: number;
  chatEvents: number;
  /** Webhook answers other than 200. */
  webhookNon200: number;
  durationSec: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runMixedPhase(opts: {
  people?: number;
  slips?: number;
  /** Chat events per second, spread over the people (an open loop: sent on time whatever the answers do); 10 = each of 200 people writes every 20 s. */
  eventsPerSec?: number;
  /** Give up waiting for the slips after this long. */
  timeoutMs?: number;
  log: (line: string) => void;
}): Promise<MixedResult> {
  const people = opts.people ?? 200;
  const slipCount = opts.slips ?? 10;
  const eventsPerSec = opts.eventsPerSec ?? 10;
  const logger = pino({ level: 'warn' });
  const database = await createTestDatabase({ url: undefined });
  const line = await startFakeLineApi({ unknownProfiles: 'generate' });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-bench-mixed-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    ...lineEnv(line),
    // LINE shows images only from https addresses; nothing fetches from it here.
    PUBLIC_URL: 'https://shop.example.com',
    PROMPTPAY_ID: '0812223333',
    DATA_DIR: dataDir,
  });
  await bootstrap(database.db, config, logger);
  const app = await buildApp(config, { database, logger, skipBootstrap: true, scheduler: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    const { sku } = await makeProduct(database.db, { sku: 'MIXED-1', price: 5000, stock: { MAIN: 1_000_000 } });
    // One unpaid order per slip sender, for the slip's amount, placed just before the slip's time.
    const fixtures = loadSlipManifest()
      .filter((f) => f.kind === 'slip' && f.amount !== null && f.datetime !== null)
      .slice(0, slipCount);
    const senders = await Promise.all(
      fixtures.map(async (f, i) => {
        const userId = lineUserId(`bench-mixed-slip-${i}`);
        await unpaidChatOrder(database.db, { channel: 'line', externalId: userId, amount: Math.round(f.amount! * 100), paidAt: f.datetime! });
        return { userId, fixture: f };
      }),
    );

    const acks: number[] = [];
    let webhookNon200 = 0;
    const post = async (body: string, headers: Record<string, string>) => {
      const t0 = performance.now();
      const status = await fetch(`${base}/webhooks/line`, { method: 'POST', headers, body }).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status;
        },
        () => 0,
      );
      acks.push(performance.now() - t0);
      if (status !== 200) webhookNon200++;
    };

    let running = true;
    const started = performance.now();
    // /healthz every 200 ms, each given 5 s (a load balancer's patience) before it counts as down.
    let healthzChecks = 0;
    let healthzNon200 = 0;
    let healthzMaxMs = 0;
    const health = (async () => {
      while (running) {
        const t0 = performance.now();
        const ok = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
          async (r) => {
            await r.arrayBuffer();
            return r.status === 200;
          },
          () => false,
        );
        healthzChecks++;
        if (!ok) healthzNon200++;
        healthzMaxMs = Math.max(healthzMaxMs, performance.now() - t0);
        await sleep(200);
      }
    })();

    // The chat: each event a text adding to a cart, from `people` people in turn, sent on schedule.
    const users = Array.from({ length: people }, (_, i) => lineUserId(`bench-mixed-${i}`));
    const inFlight = new Set<Promise<void>>();
    let chatEvents = 0;
    const chat = (async () => {
      const interval = 1000 / eventsPerSec;
      while (running) {
        const due = started + chatEvents * interval;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (!running) break;
        const { body, headers } = lineWebhookRequest([lineTextEvent({ userId: users[chatEvents % people]!, text: `${sku} x1` })], line.channelSecret);
        chatEvents++;
        const p = post(body, headers).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    })();

    // The slips, one a second once the chat runs.
    await sleep(1000);
    for (const { userId, fixture } of senders) {
      const event = lineImageEvent({ userId });
      line.setContent(event.message.id, readSlipFixture(fixture), fixture.file.endsWith('.png') ? 'image/png' : 'image/jpeg');
      const { body, headers } = lineWebhookRequest([event], line.channelSecret);
      const p = post(body, headers).finally(() => inFlight.delete(p));
      inFlight.add(p);
      await sleep(1000);
    }
    const slipsRead = async () => (await database.db.select({ n: count() }).from(paymentSlips))[0]!.n;
    const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
    let read = await slipsRead();
    while (read < senders.length && Date.now() < deadline) {
      await sleep(500);
      read = await slipsRead();
    }
    if (read < senders.length) opts.log(`mixed phase: only ${read} of ${senders.length} slips read before the timeout`);
    running = false;
    await chat;
    await Promise.all(inFlight);
    await health;
    return {
      ackP50Ms: percentile(acks, 0.5),
      ackP99Ms: percentile(acks, 0.99),
      healthzNon200,
      healthzChecks,
      healthzMaxMs,
      slipsRead: read,
      slipsSent: senders.length,
      chatEvents,
      webhookNon200,
      durationSec: (performance.now() - started) / 1000,
    };
  } finally {
    await app.close();
    await line.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
