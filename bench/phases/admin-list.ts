/**
 * The back office's order list on a shop with 100,000 orders: a signed-in owner (signed in through
 * the real login form over HTTP) asks for the list filtered by status and searched by phone, one
 * request at a time; the server time of each request (Fastify's reply.elapsedTime, taken in an
 * onResponse hook) is compared with a bare route on the same pool reading one order by primary key.
 * The SQL the list really runs is captured at the pool and shown with EXPLAIN (ANALYZE, BUFFERS).
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { Database } from '../../src/db/client.ts';
import { createUser } from '../../src/modules/accounts/index.ts';
import { signInOverHttp } from '../../tests/helpers/admin.ts';
import { percentile } from '../load.ts';
import { seedOrders, type SeededOrders } from './seed-orders.ts';

export interface ServerTimes {
  /** Server-side milliseconds of every response since the last take(), for URLs under `prefix`. */
  take(): number[];
}

/** Records reply.elapsedTime of every response whose URL starts with `prefix`. Call before listen. */
export function recordServerTimes(app: FastifyInstance, prefix: string): ServerTimes {
  let times: number[] = [];
  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith(prefix)) times.push(reply.elapsedTime);
  });
  return {
    take() {
      const taken = times;
      times = [];
      return taken;
    },
  };
}

/** The baseline: a bare route on the same pool reading one order by primary key. */
export function addBaselineRoute(app: FastifyInstance, database: Database) {
  app.get('/order/:id', async (request) => {
    const { rows } = await database.pool.query('select * from orders where id = $1', [Number((request.params as { id: string }).id)]);
    return rows[0] ?? null;
  });
}

export interface Captured {
  text: string;
  values: unknown[];
}

/** Runs `fn` while remembering every query sent through the pool (drizzle's node-postgres driver calls pool.query). */
export async function captureQueries(pool: pg.Pool, fn: () => Promise<void>): Promise<Captured[]> {
  const captured: Captured[] = [];
  const original = pool.query;
  const spy = function (this: pg.Pool, ...args: unknown[]) {
    const [first, second] = args;
    if (typeof first === 'string') captured.push({ text: first, values: Array.isArray(second) ? second : [] });
    else if (first && typeof first === 'object' && 'text' in first) {
      const config = first as { text: string; values?: unknown[] };
      captured.push({ text: config.text, values: Array.isArray(second) ? second : (config.values ?? []) });
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  pool.query = spy as unknown as typeof pool.query;
  try {
    await fn();
  } finally {
    pool.query = original;
  }
  return captured;
}

export interface Explained {
  label: string;
  sql: string;
  plan: string;
  usesIndex: boolean;
  /** The rows were sorted after reading (a Sort node), not read in an index's order. */
  sorted: boolean;
}

const indexScan = /Index Scan|Index Only Scan|Bitmap Index Scan/;
const seqScanOnOrders = /Seq Scan on orders\b/;

export async function explain(pool: pg.Pool, label: string, q: Captured): Promise<Explained> {
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.text}`, q.values);
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  return { label, sql: q.text, plan, usesIndex: indexScan.test(plan) && !seqScanOnOrders.test(plan), sorted: /^\s*(->\s*)?Sort\b/m.test(plan) };
}

/** GETs `url` and fails loudly unless it answers 200. */
export async function getOk(url: string, cookie: string): Promise<string> {
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return body;
}

/** A phone the way a merchant types it into the search box: 0812345678, 081-234-5678, 081 234 5678, +66 81 234 5678. */
export function typedPhone(normalized: string, style: number): string {
  const national = `0${normalized.slice(2)}`;
  const [a, b, c] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
  switch (style % 4) {
    case 0:
      return national;
    case 1:
      return `${a}-${b}-${c}`;
    case 2:
      return `${a} ${b} ${c}`;
    default:
      return `+66 ${national.slice(1, 3)} ${b} ${c}`;
  }
}

export interface Timing {
  requests: number;
  p50Ms: number;
  p95Ms: number;
  /** Client round trip through the socket, for comparison with the server time. */
  roundTripP50Ms: number;
  /** Every server time, for percentiles over several runs. */
  times: number[];
}

export async function timeRequests(urls: string[], cookie: string, server: ServerTimes, check?: (body: string, i: number) => void): Promise<Timing> {
  server.take();
  const roundTrips: number[] = [];
  for (const [i, url] of urls.entries()) {
    const t0 = performance.now();
    const body = await getOk(url, cookie);
    roundTrips.push(performance.now() - t0);
    check?.(body, i);
  }
  const times = server.take();
  if (times.length !== urls.length) throw new Error(`onResponse saw ${times.length} responses for ${urls.length} requests`);
  return { requests: urls.length, p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95), roundTripP50Ms: percentile(roundTrips, 0.5), times };
}

export interface AdminListResult {
  seeded: Omit<SeededOrders, 'phones' | 'names'>;
  statusFilter: Timing;
  phoneSearch: Timing;
  nameSearch: Timing;
  baseline: Timing;
  explains: Explained[];
  statusFilterUsesIndex: boolean;
  phoneSearchUsesIndex: boolean;
  nameSearchUsesIndex: boolean;
  /** The newest-first and status-filtered pages read in an index's order (no Sort of every matching row). */
  pagesInIndexOrder: boolean;
}

export async function runAdminListPhase(opts: {
  database: Database;
  /** The app, and the bare baseline server on the same pool. */
  base: string;
  baselineBase: string;
  appTimes: ServerTimes;
  baselineTimes: ServerTimes;
  orders: number;
  customers: number;
  requests: number;
  nameRequests: number;
  log: (line: string) => void;
}): Promise<AdminListResult> {
  const { database, log } = opts;
  const pool = database.pool;
  const seeded = await seedOrders(pool, { orders: opts.orders, customers: opts.customers });
  log(`admin list: seeded ${seeded.orders} orders for ${seeded.customers} customers in ${(seeded.ms / 1000).toFixed(1)} s`);

  const password = 'bench owner password 0123';
  const email = `bench-owner-${process.pid}@example.com`;
  await createUser(database.db, { email, name: 'เจ้าของร้าน', password, role: 'owner', language: 'th' });
  const cookie = await signInOverHttp(opts.base, email, password);

  const statusUrls = Array.from({ length: opts.requests }, () => `${opts.base}/admin/orders?status=confirmed`);
  const phoneOf = (i: number) => seeded.phones[(i * 37) % seeded.phones.length]!;
  const phoneUrls = Array.from({ length: opts.requests }, (_, i) => `${opts.base}/admin/orders?q=${encodeURIComponent(typedPhone(phoneOf(i), i))}`);
  const { rows: ids } = await pool.query<{ id: number }>(
    `select id from orders order by id desc limit $1`,
    [opts.requests],
  );
  const baselineUrls = ids.map((r) => `${opts.baselineBase}/order/${r.id}`);
  const nameQuery = seeded.names[0]!.split(' ')[0]!;
  // Part of a name as a merchant types it: a first name, a surname, a shop's name.
  const nameParts = [...new Set(seeded.names.flatMap((n) => n.split(' ')).filter((w) => !/^\d+$/.test(w)))];
  const nameUrls = Array.from({ length: opts.nameRequests }, (_, i) => `${opts.base}/admin/orders?q=${encodeURIComponent(nameParts[(i * 7) % nameParts.length]!)}`);

  // A warm-up request of each kind, untimed: template compilation and first plans are not what we measure.
  await getOk(statusUrls[0]!, cookie);
  await getOk(phoneUrls[0]!, cookie);
  await getOk(baselineUrls[0]!, '');

  const explainList = async (): Promise<Explained[]> => {
    const explained: Explained[] = [];
    for (const [label, url] of [
      ['newest first, no filter', `${opts.base}/admin/orders`],
      ['status=confirmed', statusUrls[0]!],
      [`phone search q=${typedPhone(phoneOf(0), 1)}`, `${opts.base}/admin/orders?q=${encodeURIComponent(typedPhone(phoneOf(0), 1))}`],
      [`name search q=${nameQuery}`, `${opts.base}/admin/orders?q=${encodeURIComponent(nameQuery)}`],
    ] as const) {
      const queries = (await captureQueries(pool, () => getOk(url, cookie).then(() => undefined))).filter((q) => /\bfrom "orders"/i.test(q.text));
      if (queries.length === 0) throw new Error(`captured no query on orders for ${url}`);
      for (const q of queries) {
        const kind = /count\(\*\)/i.test(q.text) ? 'count' : 'page';
        const e = await explain(pool, `${label} (${kind})`, q);
        explained.push(e);
        // The indexes are (created_at DESC NULLS LAST, id DESC NULLS LAST); a plain DESC means NULLS FIRST,
        // which no index gives in order. Shown: the same query with the index's order.
        const nullsLast = q.text.replace(/("created_at"|"id") desc(?! nulls)/g, '$1 desc nulls last');
        if (kind === 'page' && e.sorted && nullsLast !== q.text) {
          explained.push(await explain(pool, `${label} (page, proposed ORDER BY ... DESC NULLS LAST)`, { text: nullsLast, values: q.values }));
        }
      }
    }
    return explained;
  };
  const usesIndex = (explained: Explained[], prefix: string) => explained.filter((e) => e.label.startsWith(prefix)).every((e) => e.usesIndex);

  const statusFilter = await timeRequests(statusUrls, cookie, opts.appTimes, (body, i) => {
    if (i === 0 && !/TL-\d+/.test(body)) throw new Error('the status-filtered list shows no order');
  });
  const phoneSearch = await timeRequests(phoneUrls, cookie, opts.appTimes, (body, i) => {
    // The phone search must find the customer's orders (their name is on every row).
    const name = seeded.names[seeded.phones.indexOf(phoneOf(i))]!;
    if (i < 5 && !body.includes(name)) throw new Error(`phone search for ${typedPhone(phoneOf(i), i)} did not find ${name}`);
  });
  const nameSearch = await timeRequests(nameUrls, cookie, opts.appTimes);
  const baseline = await timeRequests(baselineUrls, '', opts.baselineTimes);
  const explains = await explainList();

  const result: AdminListResult = {
    seeded: { orders: seeded.orders, customers: seeded.customers, ms: seeded.ms },
    statusFilter,
    phoneSearch,
    nameSearch,
    baseline,
    explains,
    statusFilterUsesIndex: usesIndex(explains, 'status='),
    phoneSearchUsesIndex: usesIndex(explains, 'phone search'),
    nameSearchUsesIndex: usesIndex(explains, 'name search'),
    pagesInIndexOrder: explains.filter((e) => /\(page\)$/.test(e.label) && /^(newest|status)/.test(e.label)).every((e) => !e.sorted),
  };

  return result;
}
