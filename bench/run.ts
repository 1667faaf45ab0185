/**
 * `npm run bench`: measures Talad against baselines taken in the same run on the same machine, and
 * writes bench/results.md and bench/results.json. Uses the PostgreSQL named by TEST_DATABASE_URL or
 * DATABASE_URL (a throw-away database is created on it and dropped), else the embedded PGlite.
 *
 * Phases: the app as production runs it (compiled, in a child process: its memory at rest and under
 * orders, chat, slips and the back office; the RSS figures of the report), a bare-INSERT baseline,
 * the checkout storm, API order intake, chat intake, the back office's order list on 100,000 orders,
 * slip reading, and the mixed phase on the embedded database (chat while slips are read). Those later
 * phases run the app in this process through tsx, beside the load generator and the fakes; this
 * process's RSS is reported too, as an upper bound.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { createTestDatabase } from '../tests/helpers/db.ts';
import { bootstrap } from '../src/bootstrap.ts';
import { percentile, runLoad, type LoadResult } from './load.ts';
import { lineTextEvent, lineUserId, lineWebhookRequest } from '../tests/fakes/line-api.ts';
import { addBaselineRoute, recordServerTimes, runAdminListPhase, type AdminListResult, type Explained } from './phases/admin-list.ts';
import { runProductionPhase, type ProductionResult } from './phases/production.ts';
import { startRssSampler } from './phases/memory.ts';
import { runMixedPhase, type MixedResult } from './phases/mixed.ts';
import { inboxMarkdown, runInboxPhase } from './phases/inbox.ts';
import { defaultSlipDir, runSlipBench, type SlipBenchResult } from './slips.ts';
import { lineEnv } from '../tests/helpers/chat.ts';
import { startLineApiThread } from './line-thread.ts';
import { createServerDatabase } from '../drill/lib/common.ts';

const logger = pino({ level: 'warn' });
const token = 'bench-api-token-0123456789';
const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const say = (line: string) => process.stderr.write(`${line}\n`);

async function benchDatabase(): Promise<{ database: Database; label: string }> {
  // The same throw-away database the test suites use: a fresh one on the server, or an in-memory PGlite.
  const database = await createTestDatabase({ poolSize: 20, url: serverUrl });
  return { database, label: serverUrl ? `PostgreSQL ${new URL(serverUrl).host}` : 'embedded PGlite (one connection)' };
}

/** The app on the bench's database, bootstrapped, not yet listening (hooks such as recordServerTimes go on first). */
async function benchApp(database: Database, env: Record<string, string> = {}) {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    API_TOKEN: token,
    SEED_DEMO: 'false',
    ...env,
    DATA_DIR: path.join(os.tmpdir(), 'talad-bench'),
  });
  await bootstrap(database.db, config, logger);
  return buildApp(config, { database, logger, skipBootstrap: true, scheduler: false });
}

/** Listens on a free local port; the base URL to reach it. */
async function listenLocally(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

/** The baselines: a bare Fastify app on the same pool, one INSERT per POST, one primary-key read per GET. */
async function baselineServer(database: Database) {
  await database.pool.query('create table if not exists bench_baseline (id bigserial primary key, body jsonb not null)');
  const app = Fastify();
  app.post('/insert', async (request) => {
    await database.pool.query('insert into bench_baseline (body) values ($1)', [JSON.stringify(request.body)]);
    return { ok: true };
  });
  addBaselineRoute(app, database);
  const times = recordServerTimes(app, '/order/');
  return { app, times, base: await listenLocally(app) };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

const orderBody = (sku: string, i: number) => ({
  channel: 'api',
  customer: { name: `ลูกค้า ${i}`, phone: `08${String(10_000_000 + i).slice(-8)}` },
  lines: [{ sku, qty: 1 }],
  shippingAddress: { name: `ลูกค้า ${i}`, phone: '0812345678', address: '99 ถนนสุขุมวิท กรุงเทพฯ', postcode: '10110' },
});

/** The bare-INSERT route under load. Each measured run follows a short warm-up of the same kind, so neither side is timed while the JIT is still compiling it. */
async function baselineLoad(baselineBase: string, concurrency: number, warmUp: number): Promise<LoadResult> {
  await runLoad({ requests: warmUp, concurrency, send: (i) => post(`${baselineBase}/insert`, orderBody('X', i)) });
  return runLoad({ requests: 2000, concurrency, send: (i) => post(`${baselineBase}/insert`, orderBody('X', i)) });
}

/**
 * The bare-INSERT baseline, then the checkout storm (500 buyers at once for 20 units) and API order
 * intake (2,000 orders with Idempotency-Keys) against it, on the same pool.
 */
async function orderPhases(database: Database, base: string, baselineBase: string, concurrency: number, warmUp: number, rss: { phase(name: string): void }) {
  say('phase: baseline (bare INSERT route)');
  // From a fresh checkpoint on a server (superusers only; the embedded database has none to wait for).
  if (serverUrl) await database.pool.query('checkpoint').catch(() => undefined);
  rss.phase('baseline');
  const baselineRun = await baselineLoad(baselineBase, concurrency, warmUp);

  // Checkout storm: 500 buyers at once for a SKU with 20 units.
  say('phase: checkout storm');
  rss.phase('storm');
  await post(`${base}/api/v1/products`, { sku: 'STORM-1', name: 'ของหายาก', price: { amount: 9900, currency: 'THB' }, stock: { onHand: 20 } });
  // A storm of its own first, for another product: the route is warmed up like every measured run's.
  await post(`${base}/api/v1/products`, { sku: 'STORM-0', name: 'ของหายาก (รอบอุ่นเครื่อง)', price: { amount: 9900, currency: 'THB' }, stock: { onHand: 20 } });
  const warmStorm = await runLoad({ requests: 500, concurrency: 500, send: (i) => post(`${base}/api/v1/orders`, orderBody('STORM-0', i)) });
  const storm = await runLoad({ requests: 500, concurrency: 500, send: (i) => post(`${base}/api/v1/orders`, orderBody('STORM-1', i)) });
  const stock = await database.pool.query<{ on_hand: number; reserved: number }>(
    `select sum(on_hand)::int as on_hand, sum(reserved)::int as reserved from stock_levels sl
       join product_variants v on v.id = sl.variant_id where v.sku = 'STORM-1'`,
  );
  const stormOrders = storm.statuses[201] ?? 0;
  const oversold = Math.max(0, stock.rows[0]!.reserved - stock.rows[0]!.on_hand) + Math.max(0, stormOrders - 20);

  // Sustained order intake through the API with plenty of stock.
  say('phase: API order intake');
  rss.phase('orders');
  await post(`${base}/api/v1/products`, { sku: 'BULK-1', name: 'ของทั่วไป', price: { amount: 4500, currency: 'THB' }, stock: { onHand: 1_000_000 } });
  const orders = await runLoad({
    requests: 2000,
    concurrency,
    send: (i) => post(`${base}/api/v1/orders`, orderBody('BULK-1', i), { 'idempotency-key': `bench-order-${i}` }),
  });
  const placed = (warmStorm.statuses[201] ?? 0) + stormOrders + (orders.statuses[201] ?? 0);
  return { baselineRun, storm, stormOrders, oversold, orders, placed };
}

/**
 * Chat intake: signed LINE webhooks from 200 people, each a text adding a coffee to a cart, after a
 * warm-up by other people. Acknowledged is what the webhook answered; processed, every event turned into
 * a cart change and a queued reply.
 */
async function chatIntakePhase(database: Database, base: string, channelSecret: string, concurrency: number, warmUp: number) {
  await post(`${base}/api/v1/products`, { sku: 'CHAT-1', name: 'กาแฟ', price: { amount: 5000, currency: 'THB' }, stock: { onHand: 1_000_000 } });
  const chatLoad = async (people: string, events: number) => {
    const users = Array.from({ length: 200 }, (_, i) => lineUserId(`${people}-${i}`));
    const bodies = Array.from({ length: events }, (_, i) =>
      lineWebhookRequest([lineTextEvent({ userId: users[i % users.length]!, text: 'CHAT-1 x1' })], channelSecret),
    );
    const started = performance.now();
    const load = await runLoad({
      requests: events,
      concurrency,
      send: (i) =>
        fetch(`${base}/webhooks/line`, { method: 'POST', headers: bodies[i]!.headers, body: bodies[i]!.body }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
    });
    // Fully processed: every event turned into a cart change and a queued reply.
    for (;;) {
      const { rows } = await database.pool.query<{ n: number }>(`select count(*)::int as n from chat_inbox where status = 'pending'`);
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { load, ms: performance.now() - started };
  };
  // The warm-up's people are not the measured run's: that run still starts with 200 people who never wrote.
  await chatLoad('bench-warm-up', warmUp);
  const warmUpUnits = (await database.pool.query<{ n: number }>(`select coalesce(sum(qty), 0)::int as n from cart_items`)).rows[0]!.n;
  const intakeEvents = 2000;
  const { load: intake, ms: intakeMs } = await chatLoad('bench', intakeEvents);
  const processedPerSec = (intakeEvents / intakeMs) * 1000;
  const cartUnits = await database.pool.query<{ n: number }>(`select coalesce(sum(qty), 0)::int - ${warmUpUnits} as n from cart_items`);
  if (process.env.BENCH_DEBUG) {
    const st = await database.pool.query(`select status, count(*)::int, min(last_error) as err from chat_inbox group by status`);
    say(JSON.stringify(st.rows));
  }
  return { intake, processedPerSec, cartUnits, intakeEvents };
}

async function main() {
  const benchStarted = performance.now();
  // First, alone on the machine's share: the app as `npm start` runs it, at rest and under load, on this
  // machine and as a 1 GB server. Their throw-away databases are dropped at the end: a drop makes the
  // server write a checkpoint, which would slow the baseline measured next.
  const drops: (() => Promise<void>)[] = [];
  const production = (await productionPhase({ drops }))!;
  const smallServer = await productionPhase({ memoryLimitBytes: 2 ** 30, drops });
  const rss = startRssSampler(100);
  rss.phase('startup');
  const { database, label } = await benchDatabase();
  const line = await startLineApiThread({ unknownProfiles: 'generate' });
  const app = await benchApp(database, lineEnv(line));
  // Server time of the back-office list requests, as Fastify measures it (reply.elapsedTime).
  const listTimes = recordServerTimes(app, '/admin/orders');
  const inboxTimes = recordServerTimes(app, '/admin/inbox');
  const base = await listenLocally(app);
  const baseline = await baselineServer(database);
  const concurrency = 50;
  const warmUp = 300;
  // What the app holds at rest, before any load: the baseline for the peaks.
  await new Promise((r) => setTimeout(r, 300));
  const inProcessIdleRssMb = Math.round((process.memoryUsage.rss() / 2 ** 20) * 10) / 10;

  const { baselineRun, storm, stormOrders, oversold, orders, placed } = await orderPhases(database, base, baseline.base, concurrency, warmUp, rss);

  // Chat intake: signed LINE webhooks, each a text adding to a cart, from 200 people.
  say('phase: chat intake');
  rss.phase('intake');
  const { intake, processedPerSec, cartUnits, intakeEvents } = await chatIntakePhase(database, base, line.channelSecret, concurrency, warmUp);

  // The back office's order list on a shop with 100,000 orders.
  say('phase: back-office order list (seeding 100,000 orders)');
  rss.phase('adminList');
  const adminList = await runAdminListPhase({
    database,
    base,
    baselineBase: baseline.base,
    appTimes: listTimes,
    baselineTimes: baseline.times,
    orders: 100_000,
    customers: 300,
    requests: 200,
    nameRequests: 200,
    log: say,
  });

  // The chat inbox with 10,000 conversations and 500,000 messages.
  say('phase: chat inbox (seeding 10,000 conversations, 500,000 messages)');
  rss.phase('inbox');
  const inbox = await runInboxPhase({ database, base, appTimes: inboxTimes, conversations: 10_000, messagesEach: 50, requests: 100, log: say });

  // Slip reading with warm workers, in this same process (its tesseract threads count in the RSS).
  // The fixtures live in the repository (tests/fixtures/slips): a fresh clone measures slips too.
  say('phase: slip reading');
  rss.phase('slips');
  const slips: SlipBenchResult | null = await runSlipBench({ dir: defaultSlipDir });

  // Chat while slips are read, on the embedded database whatever the run's database (its one
  // connection is where a slow transaction stalls everyone).
  say('phase: mixed (embedded database: 200 people chatting while 10 slips are read)');
  rss.phase('mixed');
  const mixed: MixedResult = await runMixedPhase({ log: say });
  rss.stop();

  await baseline.app.close();
  await app.close();
  await line.close();
  await database.close();
  for (const drop of drops) await drop();
  const durationSec = (performance.now() - benchStarted) / 1000;

  const peaks = rss.peaks();
  const ratio = (r: LoadResult) => r.perSec / baselineRun.perSec;
  const allListTimes = [...adminList.statusFilter.times, ...adminList.phoneSearch.times];
  const listP50 = percentile(allListTimes, 0.5);
  const listP95 = percentile(allListTimes, 0.95);
  const timing = (t: AdminListResult['statusFilter']) => ({ p50Ms: t.p50Ms, p95Ms: t.p95Ms, roundTripP50Ms: t.roundTripP50Ms, requests: t.requests });
  const slipRatio = slips?.baseline ? slips.p50 / slips.baseline.p50 : null;
  const results = {
    machine: {
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      database: label,
    },
    durationSec,
    baseline: { perSec: baselineRun.perSec, p50Ms: baselineRun.p50Ms, p99Ms: baselineRun.p99Ms },
    intake: {
      eventsPerSec: processedPerSec,
      acknowledgedPerSec: intake.perSec,
      baselinePerSec: baselineRun.perSec,
      ratio: processedPerSec / baselineRun.perSec,
      p50Ms: intake.p50Ms,
      p99Ms: intake.p99Ms,
      cartUnits: cartUnits.rows[0]!.n,
    },
    storm: {
      orders: stormOrders,
      oversold,
      rejected: storm.statuses[409] ?? 0,
      ordersPerSec: (stormOrders / storm.durationMs) * 1000,
      requestsPerSec: storm.perSec,
      ratio: ratio(storm),
      p50Ms: storm.p50Ms,
      p99Ms: storm.p99Ms,
    },
    orders: { ordersPerSec: orders.perSec, ratio: ratio(orders), p50Ms: orders.p50Ms, p99Ms: orders.p99Ms, statuses: orders.statuses },
    slips: slips
      ? {
          p50: slips.p50,
          p95: slips.p95,
          p50Sec: slips.p50,
          p95Sec: slips.p95,
          accuracy: slips.accuracy,
          baselineP50Sec: slips.baseline?.p50 ?? null,
          ratio: slipRatio,
          files: slips.slips,
          baseline: slips.baseline
            ? { name: slips.baseline.name, p50Sec: slips.baseline.p50, p95Sec: slips.baseline.p95, accuracy: fractions(slips.baseline.correct, slips.slips) }
            : null,
          negatives: slips.negatives,
        }
      : null,
    adminList: {
      p50Ms: listP50,
      p95Ms: listP95,
      baselineP50Ms: adminList.baseline.p50Ms,
      ratio: listP50 / adminList.baseline.p50Ms,
      statusFilterUsesIndex: adminList.statusFilterUsesIndex,
      phoneSearchUsesIndex: adminList.phoneSearchUsesIndex,
      nameSearchUsesIndex: adminList.nameSearchUsesIndex,
      pagesInIndexOrder: adminList.pagesInIndexOrder,
      measuredAs: 'server time: reply.elapsedTime in an onResponse hook, one request at a time',
      orders: adminList.seeded.orders + placed,
      seedSec: adminList.seeded.ms / 1000,
      statusFilter: timing(adminList.statusFilter),
      phoneSearch: timing(adminList.phoneSearch),
      nameSearch: timing(adminList.nameSearch),
      baseline: timing(adminList.baseline),
      explain: adminList.explains.map((e) => ({ label: e.label, usesIndex: e.usesIndex, sorted: e.sorted, sql: e.sql, plan: e.plan })),
    },
    mixed: {
      ackP50Ms: mixed.ackP50Ms,
      ackP99Ms: mixed.ackP99Ms,
      healthzNon200: mixed.healthzNon200,
      slipsRead: mixed.slipsRead,
      slipsSent: mixed.slipsSent,
      healthzChecks: mixed.healthzChecks,
      healthzMaxMs: mixed.healthzMaxMs,
      chatEvents: mixed.chatEvents,
      webhookNon200: mixed.webhookNon200,
      durationSec: mixed.durationSec,
      database: 'embedded PGlite (one connection)',
    },
    /** The app as `npm start` runs it (compiled, its own process): at rest, and its peak over orders, chat, slips and the back office. */
    idleRssMb: production.idleRssMb,
    peakRssMb: production.peakRssMb,
    peakRssMbByPhase: production.peakRssMbByPhase,
    production: { ...production, measuredAs: 'VmRSS 10 s after /healthz first answered; per phase VmHWM (reset at its start) and VmRSS sampled every 100 ms, of `node scripts/start.mjs`' },
    /** The same, the app started in a 1 GiB memory cgroup (a small server); null where the bench could not make one. */
    smallServer,
    /** This process (the app through tsx beside the fakes and the load generator): an upper bound. */
    benchProcess: { idleRssMb: inProcessIdleRssMb, peakRssMb: rss.overallMb(), peakRssMbByPhase: peaks },
  };

  const f = (n: number | null | undefined, d = 1) => (n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(d));
  const okLine = (what: string, ok: boolean) => `- ${ok ? 'OK' : 'NOT OK'}: ${what} ${ok ? 'uses an index (no Seq Scan on orders)' : 'does NOT use an index only (Seq Scan on orders, or no index scan)'}`;
  const listRow = (what: string, t: AdminListResult['statusFilter']) =>
    `| ${what} (server ms) | ${f(t.p50Ms)} | ${f(adminList.baseline.p50Ms, 2)} ms (one order by primary key) | ${f(t.p50Ms / adminList.baseline.p50Ms, 1)} | ${f(t.p50Ms)} | p95 ${f(t.p95Ms)} |`;
  const rssRow = (phase: string, what: string) =>
    `| peak RSS, \`npm start\`: ${what} (MB) | ${f(production.peakRssMbByPhase[phase])} | 350 MB (target) | ${f((production.peakRssMbByPhase[phase] ?? NaN) / 350, 2)} | | |`;
  const md = [
    `# Talad benchmark`,
    ``,
    `Machine: ${results.machine.cores} cores (${results.machine.cpuModel}), ${results.machine.memoryGb} GiB; Node ${process.version}; database: ${label}; load concurrency ${concurrency}; the baseline and chat intake runs each follow a ${warmUp}-request warm-up; whole run ${f(durationSec, 0)} s.`,
    ``,
    `| measure | value | baseline | ratio | p50 | tail |`,
    `|---|---|---|---|---|---|`,
    `| chat intake: LINE events fully processed (events/s) | ${f(processedPerSec)} | ${f(baselineRun.perSec)} req/s (bare INSERT route) | ${f(processedPerSec / baselineRun.perSec, 2)} | ${f(intake.p50Ms)} ms (ack) | p99 ${f(intake.p99Ms)} ms (ack) |`,
    `| chat intake: webhooks acknowledged (req/s) | ${f(intake.perSec)} | ${f(baselineRun.perSec)} req/s | ${f(ratio(intake), 2)} | | |`,
    `| API order intake (orders/s) | ${f(orders.perSec)} | ${f(baselineRun.perSec)} req/s | ${f(ratio(orders), 2)} | ${f(orders.p50Ms)} ms | p99 ${f(orders.p99Ms)} ms |`,
    `| checkout storm: 500 buyers, 20 units (requests/s) | ${f(storm.perSec)} | ${f(baselineRun.perSec)} req/s | ${f(ratio(storm), 2)} | ${f(storm.p50Ms)} ms | p99 ${f(storm.p99Ms)} ms |`,
    `| checkout storm: orders created / oversold | ${stormOrders} / ${oversold} | must be 20 / 0 | | | |`,
    listRow(`order list, ${results.adminList.orders.toLocaleString('en')} orders, status=confirmed`, adminList.statusFilter),
    listRow('order list, phone search (typed as 081-234-5678 etc.)', adminList.phoneSearch),
    listRow('order list, name search (part of a Thai name)', adminList.nameSearch),
    `| order list, status filter and phone search together (server ms) | ${f(listP50)} | ${f(adminList.baseline.p50Ms, 2)} ms | ${f(results.adminList.ratio, 1)} | ${f(listP50)} | p95 ${f(listP95)} |`,
    slips
      ? `| slip reading, warm workers (s per slip) | ${f(slips.p50, 2)} | ${slips.baseline ? `${f(slips.baseline.p50, 2)} s (${slips.baseline.name})` : 'n/a'} | ${f(slipRatio, 2)} | ${f(slips.p50, 2)} s | p95 ${f(slips.p95, 2)} s |`
      : `| slip reading | skipped (no fixtures) | | | | |`,
    ...(slips
      ? (['bank', 'amount', 'datetime', 'transRef', 'receiver'] as const).map(
          (k) =>
            `| slip accuracy: ${k} (${slips.slips} slips) | ${f(slips.accuracy[k] * 100)}% | ${slips.baseline ? `${f((slips.baseline.correct[k] / slips.slips) * 100)}%` : 'n/a'} | | | |`,
        )
      : []),
    `| idle RSS, \`npm start\` (compiled), ${production.database} (MB) | ${f(production.idleRssMb)} | 150 MB (target) | ${f((production.idleRssMb ?? NaN) / 150, 2)} | | ready in ${f(production.readySec)} s |`,
    ...(smallServer
      ? [
          `| as a 1 GB server (memory cgroup of 1 GiB): idle RSS / peak RSS, \`npm start\` (MB) | ${f(smallServer.idleRssMb)} / ${f(smallServer.peakRssMb)} | 150 / 350 MB (targets) | ${f((smallServer.idleRssMb ?? NaN) / 150, 2)} / ${f(smallServer.peakRssMb / 350, 2)} | | |`,
        ]
      : []),
    rssRow('orders', 'API orders and checkout storm'),
    rssRow('intake', 'chat intake'),
    rssRow('slips', 'chat orders and slip reading'),
    rssRow('backOffice', 'back office, exports, printing'),
    `| peak RSS, \`npm start\`: whole run (MB) | ${f(production.peakRssMb)} | 350 MB (target) | ${f(production.peakRssMb / 350, 2)} | | |`,
    `| peak RSS: this bench process, whole run (app through tsx, fakes, load generator; upper bound) (MB) | ${f(results.benchProcess.peakRssMb)} | ${f(inProcessIdleRssMb)} MB (idle, before load) | ${f(results.benchProcess.peakRssMb / inProcessIdleRssMb, 2)} | | |`,
    `| mixed phase, embedded database: webhook ack while ${mixed.slipsSent} slips are read (ms) | ${f(mixed.ackP50Ms)} | 200 ms (p99 target) | ${f(mixed.ackP99Ms / 200, 2)} | ${f(mixed.ackP50Ms)} ms | p99 ${f(mixed.ackP99Ms)} ms |`,
    `| mixed phase: /healthz not 200 / checks; slips read | ${mixed.healthzNon200} / ${mixed.healthzChecks} (slowest ${f(mixed.healthzMaxMs, 0)} ms); ${mixed.slipsRead} of ${mixed.slipsSent} | must be 0; all | | | |`,
    ``,
    productionLine(production),
    ...(smallServer ? [`As a 1 GB server: ${productionLine(smallServer)}`] : []),
    `Peak RSS of this bench process per phase (MB): ${Object.entries(peaks).map(([k, v]) => `${k} ${f(v)}`).join(', ')}.`,
    `Order list times are the server's (Fastify reply.elapsedTime in an onResponse hook), ${adminList.statusFilter.requests} status and ${adminList.phoneSearch.requests} phone requests (${adminList.nameSearch.requests} name searches) one at a time, signed in as an owner over HTTP; client round trip p50: status ${f(adminList.statusFilter.roundTripP50Ms)} ms, phone ${f(adminList.phoneSearch.roundTripP50Ms)} ms, baseline ${f(adminList.baseline.roundTripP50Ms, 2)} ms. ${f(adminList.seeded.orders / 1000, 0)}k orders seeded in ${f(adminList.seeded.ms / 1000)} s.`,
    ``,
    `## Index use of the order list's queries`,
    ``,
    okLine('status filter (status=confirmed)', adminList.statusFilterUsesIndex),
    okLine('phone search', adminList.phoneSearchUsesIndex),
    okLine('name search', adminList.nameSearchUsesIndex),
    `- ${adminList.pagesInIndexOrder ? 'OK' : 'NOT OK'}: list pages (newest first, status filter) ${adminList.pagesInIndexOrder ? 'are read in index order' : 'sort every matching row before taking 25: ORDER BY created_at DESC (NULLS FIRST) does not match the indexes (created_at DESC NULLS LAST); see the proposed ORDER BY below'}`,
    ``,
    `## EXPLAIN (ANALYZE, BUFFERS) of the SQL the list runs (captured at the pool)`,
    ``,
    ...adminList.explains.flatMap((e: Explained) => [
      `### ${e.label}: ${e.usesIndex ? 'index OK' : 'NOT OK'}${e.sorted ? ', rows sorted after reading' : ''}`,
      ``,
      '```sql',
      e.sql,
      '```',
      '```',
      e.plan,
      '```',
      ``,
    ]),
  ].join('\n');
  const report = `${md}\n\n${inboxMarkdown(inbox)}`;
  process.stdout.write(`${report}\n`);
  const dir = path.dirname(new URL(import.meta.url).pathname);
  await writeFile(path.join(dir, 'results.md'), report);
  await writeFile(path.join(dir, 'results.json'), JSON.stringify({ ...results, inbox: { ...inbox, list: { ...inbox.list, times: undefined }, listWaiting: { ...inbox.listWaiting, times: undefined }, listSearch: { ...inbox.listSearch, times: undefined }, conversation: { ...inbox.conversation, times: undefined } } }, null, 2));
  if (cartUnits.rows[0]!.n !== intakeEvents) {
    say(`chat intake lost or doubled events: ${cartUnits.rows[0]!.n} cart units for ${intakeEvents} events`);
    process.exitCode = 1;
  }
  if (stormOrders !== 20 || oversold !== 0) {
    say('checkout storm oversold or lost orders');
    process.exitCode = 1;
  }
}

/** What the production app did while its memory was read, so a low peak cannot come from work left undone. */
function productionLine(p: ProductionResult): string {
  const w = p.work;
  const failed = Object.entries(w.backOfficeNon200).map(([k, n]) => `${k} ×${n}`);
  return (
    `\`npm start\` app under load: ${w.stormOrders} storm orders (${w.stormPerSec.toFixed(0)} requests/s), ${w.apiOrders} API orders (${w.apiOrdersPerSec.toFixed(0)}/s), ${w.chatAnswered} of ${w.chatEvents} chat messages answered, ` +
    `${w.slipsAnswered} of ${w.slipsSent} slip photos answered, ${w.backOfficePages} back-office pages${failed.length ? ` (not 200: ${failed.join(', ')})` : ', all 200'}; ` +
    `peaks per phase ${p.exactPeaks ? '(VmHWM, reset per phase)' : '(VmRSS sampled every 100 ms)'}: ${Object.entries(p.peakRssMbByPhase).map(([k, v]) => `${k} ${v}`).join(', ')} MB; ` +
    `its child processes (Chromium printing) at most ${p.childrenPeakRssMb} MB besides (PSS), ${p.childrenGoneSec === null ? 'still running 3 minutes after the last document' : `all gone ${p.childrenGoneSec.toFixed(0)} s after the last document`}; ` +
    `the app then held ${p.afterWorkRssMb} MB. Back-office requests alone, peak over the RSS before each (MB): ${Object.entries(w.backOfficePeakByPageMb).map(([k, v]) => `${k} +${v}`).join(', ')}.`
  );
}

/** The production phase alone on a throw-away database (or a fresh embedded one); null where the memory limit cannot be set. */
async function productionPhase(opts: { short?: boolean; memoryLimitBytes?: number; drops?: (() => Promise<void>)[] } = {}): Promise<ProductionResult | null> {
  const limit = opts.memoryLimitBytes === undefined ? '' : ` in ${opts.memoryLimitBytes / 2 ** 30} GiB of memory`;
  say(`phase: the app as \`npm start\` runs it (compiled JavaScript, child process${limit}): at rest, then under load`);
  // A throw-away database on the server (dropped afterwards, or by the caller at its end), none on the embedded one.
  const db = serverUrl ? await createServerDatabase(serverUrl, 'talad_bench_production') : undefined;
  const { drops, ...phase } = opts;
  const drop = async () => db?.drop();
  return runProductionPhase({ databaseUrl: db?.url, ...phase, log: say }).finally(() => (drops ? drops.push(drop) : drop()));
}

function fractions(correct: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(Object.entries(correct).map(([k, v]) => [k, n ? Math.round((v / n) * 1000) / 1000 : 0]));
}

/** `npm run bench -- --only=inbox`: that one phase, on its own database, written to bench/results-inbox.md. */
async function inboxOnly() {
  const { database, label } = await benchDatabase();
  const app = await benchApp(database);
  const inboxTimes = recordServerTimes(app, '/admin/inbox');
  const base = await listenLocally(app);
  say(`phase: chat inbox only (${label})`);
  const inbox = await runInboxPhase({ database, base, appTimes: inboxTimes, conversations: 10_000, messagesEach: 50, requests: 100, log: say });
  await app.close();
  await database.close();
  const md = `Machine: ${os.cpus().length} cores; Node ${process.version}; database: ${label}.\n\n${inboxMarkdown(inbox)}`;
  process.stdout.write(`${md}\n`);
  await writeFile(path.join(path.dirname(new URL(import.meta.url).pathname), 'results-inbox.md'), md);
}

/** `npm run bench -- --only=production [--short]`: the app's own memory, printed (results files untouched). */
async function productionOnly() {
  const short = process.argv.includes('--short');
  for (const memoryLimitBytes of [undefined, 2 ** 30]) {
    const p = await productionPhase({ short, ...(memoryLimitBytes ? { memoryLimitBytes } : {}) });
    if (p) process.stdout.write(`Node ${process.version}, ${os.cpus().length} cores${p.memoryLimitMb ? `, app limited to ${p.memoryLimitMb} MB` : ''}; ${p.database}: idle ${p.idleRssMb} MB, peak ${p.peakRssMb} MB.\n${productionLine(p)}\n`);
  }
}

/** `npm run bench -- --only=orders`: the baseline, the checkout storm and API order intake, printed (results files untouched). */
async function ordersOnly() {
  const { database, label } = await benchDatabase();
  const app = await benchApp(database);
  const base = await listenLocally(app);
  const baseline = await baselineServer(database);
  const { baselineRun, storm, stormOrders, oversold, orders } = await orderPhases(database, base, baseline.base, 50, 300, { phase: () => undefined });
  await baseline.app.close();
  await app.close();
  await database.close();
  const f = (n: number) => n.toFixed(1);
  process.stdout.write(
    `Node ${process.version}, ${os.cpus().length} cores; ${label}: baseline ${f(baselineRun.perSec)} req/s; ` +
      `storm ${f(storm.perSec)} req/s (${(storm.perSec / baselineRun.perSec).toFixed(2)}), ${stormOrders} orders, ${oversold} oversold; ` +
      `API orders ${f(orders.perSec)}/s (${(orders.perSec / baselineRun.perSec).toFixed(2)}), p50 ${f(orders.p50Ms)} ms, p99 ${f(orders.p99Ms)} ms, statuses ${JSON.stringify(orders.statuses)}.\n`,
  );
}

/** `npm run bench -- --only=chat`: the baseline and chat intake, printed (results files untouched). */
async function chatOnly() {
  const { database, label } = await benchDatabase();
  const line = await startLineApiThread({ unknownProfiles: 'generate' });
  const app = await benchApp(database, lineEnv(line));
  const base = await listenLocally(app);
  const baseline = await baselineServer(database);
  const baselineRun = await baselineLoad(baseline.base, 50, 300);
  const { intake, processedPerSec, cartUnits } = await chatIntakePhase(database, base, line.channelSecret, 50, 300);
  await baseline.app.close();
  await app.close();
  await line.close();
  await database.close();
  const f = (n: number) => n.toFixed(1);
  process.stdout.write(
    `Node ${process.version}, ${os.cpus().length} cores; ${label}: baseline ${f(baselineRun.perSec)} req/s; chat processed ${f(processedPerSec)}/s (${(processedPerSec / baselineRun.perSec).toFixed(2)}), ` +
      `acknowledged ${f(intake.perSec)}/s (${(intake.perSec / baselineRun.perSec).toFixed(2)}), ack p50 ${f(intake.p50Ms)} ms, p99 ${f(intake.p99Ms)} ms; ${cartUnits.rows[0]!.n} units in carts, statuses ${JSON.stringify(intake.statuses)}.\n`,
  );
}

/** `npm run bench -- --only=mixed`: chat on the embedded database while slips are read, printed (results files untouched). */
async function mixedOnly() {
  const m = await runMixedPhase({ log: say });
  process.stdout.write(
    `Node ${process.version}, ${os.cpus().length} cores; mixed (embedded): webhook ack p50 ${m.ackP50Ms.toFixed(1)} ms, p99 ${m.ackP99Ms.toFixed(1)} ms over ${m.chatEvents} events (${m.webhookNon200} not 200); ` +
      `/healthz ${m.healthzNon200} of ${m.healthzChecks} not 200, slowest ${m.healthzMaxMs.toFixed(0)} ms; ${m.slipsRead} of ${m.slipsSent} slips read in ${m.durationSec.toFixed(1)} s.\n`,
  );
}

const onlyArg = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined);
const only: Record<string, () => Promise<void>> = { inbox: inboxOnly, orders: ordersOnly, chat: chatOnly, production: productionOnly, mixed: mixedOnly };
if (onlyArg !== undefined && !only[onlyArg]) throw new Error(`--only knows these phases: ${Object.keys(only).join(', ')} (got ${onlyArg})`);
await (onlyArg ? only[onlyArg]!() : main());
