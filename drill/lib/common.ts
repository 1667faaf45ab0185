/**
 * What every drill shares: its result shape, checks that collect failures instead of throwing,
 * bounded waits, a seeded random source, a fresh database and an in-process app to drill.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApp } from '#src/app.ts';
import { bootstrap } from '#src/bootstrap.ts';
import { loadConfig, type Config } from '#src/config.ts';
import { createLogger } from '#src/logger.ts';
import type { Database } from '#src/db/client.ts';
import { createTestDatabase } from '#tests/helpers/db.ts';

export interface DrillOptions {
  short: boolean;
  /** Progress lines (stderr in the CLI, silent in vitest unless asked). */
  log: (line: string) => void;
  /** Seed for every random choice; a failing run can be repeated with DRILL_SEED. */
  seed: number;
}

export interface DrillResult {
  name: string;
  pass: boolean;
  /** Skipped drills pass; the reason is shown instead of numbers. */
  skipped?: string;
  /** The key numbers, in the order they are printed. */
  numbers: Record<string, string | number>;
  failures: string[];
  notes: string[];
  ms: number;
}

export type Drill = (opts: DrillOptions) => Promise<DrillResult>;

/** Collects failed expectations with clear messages; a drill reports all of them, not only the first. */
export class Checks {
  readonly failures: string[] = [];
  readonly notes: string[] = [];

  check(ok: boolean, message: string): boolean {
    if (!ok) this.failures.push(message);
    return ok;
  }

  equal<T>(actual: T, expected: T, what: string): boolean {
    return this.check(Object.is(actual, expected), `${what}: expected ${String(expected)}, got ${String(actual)}`);
  }

  /** At most `limit` examples of a failing group, with the total count. */
  group(what: string, examples: string[], limit = 5): boolean {
    if (examples.length === 0) return true;
    const more = examples.length > limit ? ` (and ${examples.length - limit} more)` : '';
    this.failures.push(`${what}: ${examples.length} — ${examples.slice(0, limit).join('; ')}${more}`);
    return false;
  }

  note(line: string) {
    this.notes.push(line);
  }
}

export async function timed(name: string, opts: DrillOptions, body: (c: Checks, numbers: DrillResult['numbers']) => Promise<void | { skipped: string }>): Promise<DrillResult> {
  const started = performance.now();
  const checks = new Checks();
  const numbers: DrillResult['numbers'] = {};
  let skipped: string | undefined;
  try {
    const out = await body(checks, numbers);
    if (out && 'skipped' in out) skipped = out.skipped;
  } catch (err) {
    checks.failures.push(`drill stopped by an error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  opts.log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { name, pass: checks.failures.length === 0, skipped, numbers, failures: checks.failures, notes: checks.notes, ms: performance.now() - started };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `done` up to `rounds` times, `everyMs` apart; true when it became true. A bounded loop, not a
 * timed assertion: the caller says what was still missing when it gives up.
 */
export async function waitFor(done: () => Promise<boolean> | boolean, rounds: number, everyMs: number): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    if (await done()) return true;
    await sleep(everyMs);
  }
  return Boolean(await done());
}

/** mulberry32: small and seedable, so a drill's choices can be replayed. */
export function createRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
}
export type Random = ReturnType<typeof createRandom>;

/** The PostgreSQL server the drills may create throw-away databases on; unset = embedded PGlite. */
export function serverUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
}

export const DRILL_API_TOKEN = 'drill-api-token-0123456789';
export const apiAuth = { authorization: `Bearer ${DRILL_API_TOKEN}` };

export function drillConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    API_TOKEN: DRILL_API_TOKEN,
    ADMIN_EMAIL: 'owner@drill.example.com',
    ADMIN_PASSWORD: 'a long drill password',
    SEED_DEMO: 'false',
    DATA_DIR: path.join(os.tmpdir(), 'talad-drill-data'),
    SESSION_SECRET: 'drill-session-secret-0123456789-abcdefghij',
    ...env,
  });
}

/**
 * Log lines at warn and above, kept so a drill can show what the app said about a 500. Given the
 * app's config, the logger is the app's own (createLogger: redaction, secrets cut out by value), so a
 * drill can also read the raw text for secrets.
 */
export function captureLogger(level = process.env.DRILL_LOG_LEVEL ?? 'warn', config?: Config) {
  const lines: { level: number; msg: string; reqId?: string; err?: { message?: string; type?: string; stack?: string }; time: number }[] = [];
  const text: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const raw of String(chunk).split('\n')) {
        if (!raw) continue;
        text.push(raw);
        try {
          lines.push(JSON.parse(raw));
        } catch {
          // Not JSON: ignore.
        }
        if (process.env.DRILL_LOG_LEVEL) process.stderr.write(`${raw}\n`);
      }
      done();
    },
  });
  const logger: Logger = config ? createLogger({ ...config, logLevel: level as Config['logLevel'] }, stream) : pino({ level }, stream);
  return {
    logger,
    lines,
    /** Every line as written, for a search for secrets. */
    text: () => text.join('\n'),
    errors: () => lines.filter((l) => l.level >= 50),
  };
}

export interface DrillApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  logs: ReturnType<typeof captureLogger>;
  close(): Promise<void>;
}

/** The real app (buildApp) on a fresh database: a new one on the server when set, else an in-memory PGlite. */
export async function buildDrillApp(env: Record<string, string>, opts: { workers?: boolean; poolSize?: number } = {}): Promise<DrillApp> {
  // A data directory of its own (uploads, slips, media), removed on close: runs never inherit each other's files or quotas.
  const dataDir = env.DATA_DIR ?? (await mkdtemp(path.join(os.tmpdir(), 'talad-drill-')));
  const removeDataDir = () => (env.DATA_DIR ? Promise.resolve() : rm(dataDir, { recursive: true, force: true }));
  const config = drillConfig({ ...env, DATA_DIR: dataDir });
  const logs = captureLogger(undefined, config);
  const database = await createTestDatabase({ url: serverUrl(), poolSize: opts.poolSize ?? 20 });
  try {
    await bootstrap(database.db, config, logs.logger);
    const app = await buildApp(config, {
      database,
      logger: logs.logger,
      skipBootstrap: true,
      scheduler: false,
      chat: { workers: opts.workers ?? true },
    });
    await app.ready();
    return {
      app,
      database,
      config,
      logs,
      async close() {
        try {
          await app.close();
        } finally {
          // The throw-away database and files go even when the app fails to close.
          await database.close();
          await removeDataDir();
        }
      },
    };
  } catch (err) {
    await database.close();
    await removeDataDir();
    throw err;
  }
}

/** Runs `fn` over `items` with at most `concurrency` at once. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export const perSec = (n: number, ms: number) => (ms > 0 ? Math.round((n / ms) * 1000 * 10) / 10 : 0);

/** A new, empty database on the server for a child process; dropped (with force) afterwards. */
export async function createServerDatabase(server: string, prefix = 'talad_drill'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const { randomBytes } = await import('node:crypto');
  const pg = (await import('pg')).default;
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
