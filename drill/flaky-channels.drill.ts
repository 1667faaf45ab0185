/**
 * Drill 2 — flaky channels. The fake LINE, Telegram and Graph (Messenger) APIs fail 30% of calls
 * (500, 429 / Meta's rate limit, timeouts, connection resets; LINE also answers lost on the way back,
 * which its retry key exists for — the Send API has no such key, so a lost answer there could repeat
 * a message and is not drilled) while outbox messages keep arriving. Every message must reach its
 * customer exactly once and none may end dead.
 */
import { sql } from 'drizzle-orm';
import { withTransaction } from '#src/db/client.ts';
import { createOutboxDispatcher } from '#src/jobs/outbox-dispatcher.ts';
import { createRateLimiter } from '#src/lib/rate-limiter.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { renderNotice } from '#templates/messages/index.ts';
import { createLineClients, createLineSender } from '#bots/line/line.sender.ts';
import { createTelegramSender } from '#bots/telegram/telegram.bot.ts';
import { createFacebookSender, FACEBOOK_LIMITS } from '#bots/facebook/facebook.sender.ts';
import { createGraphClient } from '#bots/facebook/graph.client.ts';
import { psid, startFakeGraphApi } from '#tests/fakes/graph-api.ts';
import { lineUserId, startFakeLineApi } from '#tests/fakes/line-api.ts';
import { startFakeTelegramApi } from '#tests/fakes/telegram-api.ts';
import { buildDrillApp, createRandom, perSec, sleep, timed, waitFor, type DrillOptions } from './lib/common.ts';
import { facebookEnv, lineEnv } from '../tests/helpers/chat.ts';

export function flakyChannelsDrill(opts: DrillOptions) {
  return timed('flaky-channels', opts, async (c, numbers) => {
    const total = opts.short ? 150 : 500;
    const random = createRandom(opts.seed);
    const line = await startFakeLineApi({ unknownProfiles: 'generate' });
    const tg = await startFakeTelegramApi();
    const graph = await startFakeGraphApi();
    // The app's own workers stay off: this drill's dispatcher is the only sender.
    const t = await buildDrillApp(
      {
        ...lineEnv(line),
        TELEGRAM_BOT_TOKEN: tg.token,
        TELEGRAM_WEBHOOK_SECRET: 'flaky-drill-secret-0123456789abcdef',
        TELEGRAM_API_ROOT: tg.apiRoot,
        ...facebookEnv(graph),
      },
      { workers: false },
    );
    const tag = `flaky-${opts.seed}`;
    try {
      const db = t.database.db;
      const lineUsers = Array.from({ length: 20 }, (_, i) => lineUserId(`${tag}-${i}`));
      const tgChats = Array.from({ length: 20 }, (_, i) => String(810_000 + i));
      const messengerPeople = Array.from({ length: 20 }, (_, i) => psid(`${tag}-${i}`));
      // They all wrote a moment ago: inside Meta's 24-hour window.
      for (const p of messengerPeople) graph.personWrote(p, Date.now());
      const texts = Array.from({ length: total }, (_, i) => `${tag} message ${i}`);
      type Channel = 'line' | 'telegram' | 'facebook';
      const channelOf = texts.map((): Channel => random.pick(['line', 'telegram', 'facebook'] as const));
      const recipientOf = (channel: Channel, i: number) =>
        channel === 'line' ? lineUsers[i % lineUsers.length]! : channel === 'telegram' ? tgChats[i % tgChats.length]! : messengerPeople[i % messengerPeople.length]!;

      const faults = { hangMs: 300, retryAfterSeconds: 1 } as const;
      line.setFailureRate(0.3, [500, 429, 'timeout', 'lost-response'], opts.seed, faults);
      tg.setFailureRate(0.3, [500, 429, 'timeout'], opts.seed + 1, faults);
      // The Send API has no idempotency key: a call our side gives up on while Meta still delivers it would
      // repeat the message, so the client waits well past a busy answer, and a hang outlasts the client.
      graph.setFailureRate(0.3, [500, 429, 'timeout', 'reset'], opts.seed + 3, { ...faults, hangMs: 1_200 });

      const sender = {
        line: createLineSender(createLineClients({ ...t.config.line! }), { timeoutMs: 200 }),
        // Telegram's published limits scaled up tenfold so the drill takes seconds; the shape is the same.
        telegram: createTelegramSender(t.app.chat.telegramBot!, createRateLimiter({ overall: { perSecond: 300, burst: 30 }, perKey: { perSecond: 10, burst: 3 } })),
        // Meta's limits as the app uses them; its minutes-long wait after a rate limit scaled down to a second.
        facebook: createFacebookSender(createGraphClient(t.config.facebook!, { sendTimeoutMs: 1_000 }), { limiter: createRateLimiter(FACEBOOK_LIMITS), rateLimitWaitMs: 1_000 }),
      };
      const dispatcher = createOutboxDispatcher({ db, logger: t.logs.logger, senders: sender, render: renderNotice, backoffBaseMs: 20, maxAttempts: 20, batchSize: 200 });

      const unsent = async () => {
        const { rows } = await t.database.pool.query<{ n: number }>(`select count(*)::int as n from outbox where dedupe_key like $1 and status in ('pending', 'sending')`, [`${tag}:%`]);
        return rows[0]!.n;
      };

      // Messages arrive in waves while the dispatcher is already sending.
      const started = performance.now();
      const waves = 5;
      const producer = (async () => {
        for (let w = 0; w < waves; w++) {
          await withTransaction(db, async (tx) => {
            for (let i = Math.floor((w * total) / waves); i < Math.floor(((w + 1) * total) / waves); i++) {
              const channel = channelOf[i]!;
              await tellCustomer(
                tx,
                { channel, recipient: recipientOf(channel, i), locale: 'th' },
                { kind: 'chat.messages', messages: [{ type: 'text', text: texts[i]! }] },
                { key: `${tag}:${i}` },
              );
            }
          });
          void dispatcher.kick();
          await sleep(100);
        }
      })();
      let rounds = 0;
      let produced = false;
      void producer.then(() => (produced = true));
      for (; rounds < 3000; rounds++) {
        await dispatcher.flush();
        if (produced && (await unsent()) === 0) break;
        await sleep(20);
      }
      await producer;
      const ms = performance.now() - started;
      line.setFailureRate(0, []);
      tg.setFailureRate(0, []);
      graph.setFailureRate(0, []);

      const status = await t.database.db.execute<{ status: string; n: number; attempts: number; max: number }>(sql`
        select status::text, count(*)::int as n, sum(attempts)::int as attempts, max(attempts)::int as max
        from outbox where dedupe_key like ${`${tag}:%`} group by status`);
      const by = Object.fromEntries(status.rows.map((r) => [r.status, r]));
      numbers.messages = total;
      numbers.sent = by.sent?.n ?? 0;
      numbers.dead = by.dead?.n ?? 0;
      numbers['calls failed'] = line.calls.filter((x) => x.failure).length + tg.calls.filter((x) => x.failure).length + graph.calls.filter((x) => x.failure).length;
      numbers['calls total'] = line.calls.length + tg.calls.length + graph.calls.length;
      numbers['Send API calls failed'] = graph.calls.filter((x) => x.failure).length;
      numbers['attempts'] = status.rows.reduce((n, r) => n + r.attempts, 0);
      numbers['max attempts'] = Math.max(0, ...status.rows.map((r) => r.max));
      numbers['msgs/s'] = perSec(total, ms);
      c.equal(by.sent?.n ?? 0, total, `outbox rows sent (${JSON.stringify(Object.fromEntries(status.rows.map((r) => [r.status, r.n])))})`);
      c.equal(by.dead?.n ?? 0, 0, 'outbox rows dead');

      // Delivered exactly once, counted where the customers are: at the fakes, by message text.
      const delivered = [...line.sentTexts(), ...tg.sentTexts(), ...graph.sentTexts()].filter((x) => x.startsWith(`${tag} message `));
      const count = new Map<string, number>();
      for (const x of delivered) count.set(x, (count.get(x) ?? 0) + 1);
      numbers.delivered = delivered.length;
      c.group('messages delivered more than once', [...count.entries()].filter(([, n]) => n > 1).map(([x, n]) => `"${x}" ×${n} on ${channelOf[texts.indexOf(x)]}`));
      c.group('messages never delivered', texts.filter((x) => !count.has(x)).map((x) => `"${x}"`));
      const onLine = new Set(line.sentTexts());
      const onTelegram = new Set(tg.sentTexts());
      const onMessenger = new Set(graph.sentTexts());
      const wrongChannel = texts.filter((x, i) => count.has(x) && !(channelOf[i] === 'line' ? onLine : channelOf[i] === 'telegram' ? onTelegram : onMessenger).has(x));
      c.group('messages delivered on the wrong channel', wrongChannel);
      if (rounds >= 3000) c.check(false, `the dispatcher did not finish within ${rounds} rounds: ${await unsent()} messages unsent`);

      // An outage of one channel must not hold up the others: Telegram's connection fails for every call
      // while a Telegram message is being sent; LINE messages queued meanwhile must still go out.
      tg.setFailureRate(1, ['reset'], opts.seed + 2);
      const iso = `${tag}-isolation`;
      await withTransaction(db, (tx) =>
        tellCustomer(tx, { channel: 'telegram', recipient: tgChats[0]!, locale: 'th' }, { kind: 'chat.messages', messages: [{ type: 'text', text: `${iso} telegram` }] }, { key: `${iso}:tg` }),
      );
      const stuck = dispatcher.kick();
      await sleep(300);
      await withTransaction(db, async (tx) => {
        for (let i = 0; i < 5; i++) {
          await tellCustomer(tx, { channel: 'line', recipient: lineUsers[i]!, locale: 'th' }, { kind: 'chat.messages', messages: [{ type: 'text', text: `${iso} line ${i}` }] }, { key: `${iso}:line:${i}` });
        }
      });
      void dispatcher.kick();
      const lineWhileDown = () => line.sentTexts().filter((x) => x.startsWith(`${iso} line`)).length;
      const isolated = await waitFor(() => {
        void dispatcher.kick();
        return lineWhileDown() === 5;
      }, 40, 100);
      numbers['LINE sent during Telegram outage'] = `${lineWhileDown()}/5`;
      c.check(
        isolated,
        `LINE messages were held up while Telegram's connection failed: ${lineWhileDown()} of 5 sent within 4 s (the dispatcher waits for the whole batch, and the Telegram send retries a connection error inside grammY's auto-retry)`,
      );
      tg.setFailureRate(0, []);
      const healed = await waitFor(async () => {
        await Promise.race([dispatcher.flush(), sleep(500)]);
        return tg.sentTexts().includes(`${iso} telegram`) && lineWhileDown() === 5;
      }, 600, 100);
      c.check(healed, `after Telegram came back, the held messages were not all delivered (${JSON.stringify((await t.database.pool.query(`select dedupe_key, status::text, attempts, last_error from outbox where dedupe_key like $1 and status <> 'sent'`, [`${iso}:%`])).rows)})`);
      await Promise.race([stuck, sleep(1000)]);
    } finally {
      await t.close();
      await line.close();
      await tg.close();
      await graph.close();
    }
  });
}
