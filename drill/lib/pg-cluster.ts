/**
 * A private, throw-away PostgreSQL cluster (Debian's binaries) that a drill may stop and restart:
 * its own data directory, a free port on 127.0.0.1 and a unix socket in its temp dir. As root the
 * binaries run as the postgres user (PostgreSQL refuses to run as root).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './child.ts';

const run = promisify(execFile);

export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, 'bin', 'pg_ctl')) && existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

export interface Cluster {
  port: number;
  url: string;
  stop(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  restart(mode?: 'smart' | 'fast' | 'immediate'): Promise<void>;
  /** Stops the server (immediate) and removes its files. */
  destroy(): Promise<void>;
}

export async function startCluster(bin: string, database = 'talad'): Promise<Cluster> {
  const root = process.getuid?.() === 0;
  let uid = -1;
  let gid = -1;
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    uid = Number(stdout.trim());
    gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'talad-drill-pg-'));
  if (root) await chown(dir, uid, gid);
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  const as = (cmd: string, args: string[]) => (root ? run('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]) : run(path.join(bin, cmd), args));
  const port = await freePort();
  // Durability settings do not matter to a drill that only stops the server cleanly (fast = checkpoint first).
  const serverOpts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const pgCtl = (...args: string[]) => as('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', ...args]);

  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  await pgCtl('-o', serverOpts, 'start');
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();

  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop(mode = 'fast') {
      await pgCtl('-m', mode, 'stop');
    },
    async start() {
      await pgCtl('-o', serverOpts, 'start');
    },
    async restart(mode = 'fast') {
      await pgCtl('-m', mode, '-o', serverOpts, 'restart');
    },
    async destroy() {
      await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
