import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import { prioritiseCheckouts } from './priority.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type Db = NodePgDatabase<Schema>;
/** A transaction handle; repositories accept `Db | Tx` and never fall back to a global pool. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  pool: pg.Pool;
  db: Db;
  kind: 'server' | 'embedded';
  close(): Promise<void>;
}

// pg returns bigint (int8) as a string by default; our bigints are money in satang, far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent, an embedded PGlite database persisted in `dataDir` is served. */
  url?: string | undefined;
  dataDir?: string;
  /** For tests: an in-memory embedded database. */
  inMemory?: boolean;
  poolSize?: number;
  logger: Logger;
}

export async function createDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const max = opts.poolSize ?? 10;
    const pool = new pg.Pool({ connectionString: opts.url, max, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
    // When all are taken (a burst of uploads and chat), webhook acknowledgements get the next one (src/db/priority.ts).
    prioritiseCheckouts(pool, { timeoutMs: 10_000, size: max });
    watchPool(pool, opts.logger);
    return { pool, db: drizzle(pool, { schema }), kind: 'server', close: () => pool.end() };
  }
  return createEmbeddedDatabase(opts);
}

/** PostgreSQL settings of the embedded database (see createEmbeddedDatabase). */
const EMBEDDED_SETTINGS = ['shared_buffers=16MB'];

/**
 * PGlite is one PostgreSQL backend in WASM. It is served on a private unix socket so the app talks to it
 * exactly as to a real server, through `pg`. One connection only: the socket server interleaves the
 * protocol messages of concurrent connections, which would mix their unnamed prepared statements.
 * Transactions therefore run one after another, which is what a single backend does anyway.
 */
async function createEmbeddedDatabase(opts: DatabaseOptions): Promise<Database> {
  let dataDir: string | undefined;
  if (!opts.inMemory) {
    dataDir = path.join(opts.dataDir ?? './data', 'pglite');
    await mkdir(dataDir, { recursive: true });
  }
  // Loaded here, not at start: a shop on a PostgreSQL server never needs PGlite's code in memory.
  const [{ PGlite }, { pg_trgm }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('@electric-sql/pglite-socket'),
  ]);
  // pg_trgm backs the back office's search by part of a name or order number (migration 0002).
  // 16 MB of shared buffers instead of PostgreSQL's 128 MB: the WASM heap never gives memory back, and at
  // 128 MB the embedded database alone held about 230 MB of the app's RSS. A shop's hot pages fit, and
  // the operating system's page cache still holds the rest of the data directory.
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS.flatMap((s) => ['-c', s])],
  });
  // mkdtemp gives a 0700 directory: only this user can reach the socket. The name .s.PGSQL.5432 is what
  // libpq-style clients look for in a socket directory; nothing binds TCP port 5432.
  const socketDir = await mkdtemp(path.join(os.tmpdir(), 'talad-pg-'));
  const server = new PGLiteSocketServer({ db: pglite, path: path.join(socketDir, '.s.PGSQL.5432'), maxConnections: 1 });
  await server.start();
  const pool = new pg.Pool({
    host: socketDir,
    port: 5432,
    user: 'postgres',
    database: 'postgres',
    max: 1,
    // A checkout waiting this long means a transaction is waiting on itself; fail loudly instead of hanging.
    connectionTimeoutMillis: 60_000,
  });
  // Webhook acknowledgements go ahead of background work for the one connection (src/db/priority.ts).
  prioritiseCheckouts(pool, { timeoutMs: 60_000, size: 1 });
  watchPool(pool, opts.logger);
  let closed = false;
  return {
    pool,
    db: drizzle(pool, { schema }),
    kind: 'embedded',
    async close() {
      if (closed) return;
      closed = true;
      await pool.end().catch((err) => opts.logger.warn({ err }, 'closing the pool failed'));
      await server.stop();
      // close() checkpoints the database to disk; skipping it can lose the last writes.
      await pglite.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

function watchPool(pool: pg.Pool, logger: Logger) {
  // An idle client losing its server (a restart) must not crash the process; the pool replaces it.
  pool.on('error', (err) => logger.warn({ err }, 'database connection lost'));
  // A client checked out for a transaction emits its own error when the server goes away; unheard, it
  // would end the process. The query in flight fails and the pool drops the client.
  pool.on('connect', (client) => client.on('error', (err) => logger.warn({ err }, 'database connection lost')));
}

/** One drizzle instance per pooled client (clients are reused; building the relational config per transaction is not free). */
const clientDbs = new WeakMap<pg.PoolClient, Db>();

/**
 * Runs `fn` in a transaction; retried on serialization failures and deadlocks, which PostgreSQL asks
 * callers to retry. The client is checked out here rather than by drizzle, whose transaction() does not
 * give the client back when BEGIN itself fails (a lost connection): that leaked the pool's only
 * connection on the embedded database and hung shutdown. A client that broke is dropped by the pool.
 */
export async function withTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inCheckedOutClient(db, fn);
    } catch (err) {
      const code = pgErrorCode(err);
      if (attempt < attempts && (code === '40001' || code === '40P01')) continue;
      throw err;
    }
  }
}

/** Marks the code running inside withTransaction's function (and what it starts), for insideTransaction. */
const transactionScope = new AsyncLocalStorage<true>();

/**
 * True when the calling code runs inside a transaction's function: the test that proves no slow work
 * (a download, OCR, a channel or bank call) happens while a transaction is open asks it at each such
 * call, so another flow's transaction open at the same moment is not mistaken for the caller's.
 */
export const insideTransaction = (): boolean => transactionScope.getStore() === true;

async function inCheckedOutClient<T>(db: Db, body: (tx: Tx) => Promise<T>): Promise<T> {
  const fn = (tx: Tx) => transactionScope.run(true, () => body(tx));
  const pool = (db as { $client?: unknown }).$client;
  if (!(pool instanceof pg.Pool)) return db.transaction(fn);
  const client = await pool.connect();
  let clientDb = clientDbs.get(client);
  if (!clientDb) {
    clientDb = drizzle(client, { schema }) as unknown as Db;
    clientDbs.set(client, clientDb);
  }
  try {
    return await clientDb.transaction(fn);
  } finally {
    client.release();
  }
}

/** The SQLSTATE of a database error, looking through drizzle's wrapper. */
export function pgErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export { schema };
