/**
 * `npm run bench`: measures Talad against baselines taken in the same run on the same machine, and
 * writes bench/results.md and bench/results.json. Uses the PostgreSQL named by TEST_DATABASE_URL or
 * DATABASE_URL (a throw-away database is created on it), else the embedded PGlite.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { createTestDatabase } from '../tests/helpers/db.ts';
import { bootstrap } from '../src/bootstrap.ts';
import { runLoad, type LoadResult } from './load.ts';
import { lineTextEvent, lineUserId, lineWebhookRequest, startFakeLineApi } from '../tests/fakes/line-api.ts';

const logger = pino({ level: 'warn' });
const token = 'bench-api-token-0123456789';
const serverUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;

async function benchDatabase(): Promise<{ database: Database; label: string }> {
  // The same throw-away database the test suites use: a fresh one on the server, or an in-memory PGlite.
  const database = await createTestDatabase({ poolSize: 20, url: serverUrl });
  return { database, label: serverUrl ? `PostgreSQL ${new URL(serverUrl).host}` : 'embedded PGlite (one connection)' };
}

/** The baseline: a bare Fastify route on the same pool doing one INSERT per request. */
async function baselineServer(database: Database) {
  await database.pool.query('create table if not exists bench_baseline (id bigserial primary key, body jsonb not null)');
  const app = Fastify();
  app.post('/insert', async (request) => {
    await database.pool.query('insert into bench_baseline (body) values ($1)', [JSON.stringify(request.body)]);
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, base: `http://127.0.0.1:${port}` };
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

async function main() {
  const { database, label } = await benchDatabase();
  const line = await startFakeLineApi({ unknownProfiles: 'generate' });
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    API_TOKEN: token,
    SEED_DEMO: 'false',
    LINE_CHANNEL_SECRET: line.channelSecret,
    LINE_CHANNEL_ACCESS_TOKEN: line.channelAccessToken,
    LINE_API_BASE_URL: line.baseUrl,
    LINE_DATA_API_BASE_URL: line.dataBaseUrl,
    DATA_DIR: path.join(os.tmpdir(), 'talad-bench'),
  });
  await bootstrap(database.db, config, logger);
  const app = await buildApp(config, { database, logger, skipBootstrap: true, scheduler: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const baseline = await baselineServer(database);
  const concurrency = 50;

  const baselineRun = await runLoad({
    requests: 2000,
    concurrency,
    send: (i) => post(`${baseline.base}/insert`, orderBody('X', i)),
  });

  // Checkout storm: 500 buyers at once for a SKU with 20 units.
  await post(`${base}/api/v1/products`, { sku: 'STORM-1', name: 'ของหายาก', price: { amount: 9900, currency: 'THB' }, stock: { onHand: 20 } });
  const storm = await runLoad({ requests: 500, concurrency: 500, send: (i) => post(`${base}/api/v1/orders`, orderBody('STORM-1', i)) });
  const stock = await database.pool.query<{ on_hand: number; reserved: number }>(
    `select sum(on_hand)::int as on_hand, sum(reserved)::int as reserved from stock_levels sl
       join product_variants v on v.id = sl.variant_id where v.sku = 'STORM-1'`,
  );
  const stormOrders = storm.statuses[201] ?? 0;
  const oversold = Math.max(0, stock.rows[0]!.reserved - stock.rows[0]!.on_hand) + Math.max(0, stormOrders - 20);

  // Sustained order intake through the API with plenty of stock.
  await post(`${base}/api/v1/products`, { sku: 'BULK-1', name: 'ของทั่วไป', price: { amount: 4500, currency: 'THB' }, stock: { onHand: 1_000_000 } });
  const orders = await runLoad({
    requests: 2000,
    concurrency,
    send: (i) => post(`${base}/api/v1/orders`, orderBody('BULK-1', i), { 'idempotency-key': `bench-${i}` }),
  });

  // Chat intake: signed LINE webhooks, each a text adding to a cart, from 200 people.
  await post(`${base}/api/v1/products`, { sku: 'CHAT-1', name: 'กาแฟ', price: { amount: 5000, currency: 'THB' }, stock: { onHand: 1_000_000 } });
  const users = Array.from({ length: 200 }, (_, i) => lineUserId(`bench-${i}`));
  const intakeEvents = 2000;
  const bodies = Array.from({ length: intakeEvents }, (_, i) =>
    lineWebhookRequest([lineTextEvent({ userId: users[i % users.length]!, text: 'CHAT-1 x1' })], line.channelSecret),
  );
  const intakeStart = performance.now();
  const intake = await runLoad({
    requests: intakeEvents,
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
  const intakeMs = performance.now() - intakeStart;
  const processedPerSec = (intakeEvents / intakeMs) * 1000;
  const cartUnits = await database.pool.query<{ n: number }>(`select coalesce(sum(qty), 0)::int as n from cart_items`);
  if (process.env.BENCH_DEBUG) {
    const st = await database.pool.query(`select status, count(*)::int, min(last_error) as err from chat_inbox group by status`);
    process.stderr.write(`${JSON.stringify(st.rows)}\n`);
  }

  await baseline.app.close();
  await app.close();
  await line.close();
  await database.close();

  const ratio = (r: LoadResult) => r.perSec / baselineRun.perSec;
  const results = {
    machine: { cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), database: label },
    baseline: { perSec: baselineRun.perSec, p50Ms: baselineRun.p50Ms, p99Ms: baselineRun.p99Ms },
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
    intake: {
      eventsPerSec: processedPerSec,
      acknowledgedPerSec: intake.perSec,
      baselinePerSec: baselineRun.perSec,
      ratio: processedPerSec / baselineRun.perSec,
      p50Ms: intake.p50Ms,
      p99Ms: intake.p99Ms,
      cartUnits: cartUnits.rows[0]!.n,
    },
  };
  const f = (n: number, d = 1) => n.toFixed(d);
  const md = [
    `# Talad benchmark`,
    ``,
    `Machine: ${results.machine.cores} cores, ${results.machine.memoryGb} GiB; database: ${label}; concurrency ${concurrency}.`,
    ``,
    `| measure | value | baseline (bare INSERT route) | ratio | p50 ms | p99 ms |`,
    `|---|---|---|---|---|---|`,
    `| chat intake: LINE events fully processed (events/s) | ${f(processedPerSec)} | ${f(baselineRun.perSec)} req/s | ${f(processedPerSec / baselineRun.perSec, 2)} | ${f(intake.p50Ms)} (ack) | ${f(intake.p99Ms)} (ack) |`,
    `| chat intake: webhooks acknowledged (req/s) | ${f(intake.perSec)} | ${f(baselineRun.perSec)} req/s | ${f(ratio(intake), 2)} | | |`,
    `| API order intake (orders/s) | ${f(orders.perSec)} | ${f(baselineRun.perSec)} req/s | ${f(ratio(orders), 2)} | ${f(orders.p50Ms)} | ${f(orders.p99Ms)} |`,
    `| checkout storm: 500 buyers, 20 units (requests/s) | ${f(storm.perSec)} | ${f(baselineRun.perSec)} req/s | ${f(ratio(storm), 2)} | ${f(storm.p50Ms)} | ${f(storm.p99Ms)} |`,
    `| checkout storm: orders created / oversold | ${stormOrders} / ${oversold} | must be 20 / 0 | | | |`,
    ``,
  ].join('\n');
  process.stdout.write(`${md}\n`);
  const dir = path.dirname(new URL(import.meta.url).pathname);
  await writeFile(path.join(dir, 'results.md'), md);
  await writeFile(path.join(dir, 'results.json'), JSON.stringify(results, null, 2));
  if (cartUnits.rows[0]!.n !== intakeEvents) {
    process.stderr.write(`chat intake lost or doubled events: ${cartUnits.rows[0]!.n} cart units for ${intakeEvents} events\n`);
    process.exitCode = 1;
  }
  if (stormOrders !== 20 || oversold !== 0) {
    process.stderr.write('checkout storm oversold or lost orders\n');
    process.exitCode = 1;
  }
}

await main();
