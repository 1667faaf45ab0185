import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { WAIT_MS } from '#tests/helpers/wait.ts';

const root = path.resolve(import.meta.dirname, '../..');
const token = 'e2e-api-token-0123456789';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

interface Running {
  child: ChildProcess;
  base: string;
  output: () => string;
}

/** Runs `npm start` (scripts/start.mjs: compiled JavaScript in dist/) on a free port, collecting its output. */
async function spawnStart(env: Record<string, string>): Promise<Running> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', API_TOKEN: token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, base: `http://127.0.0.1:${port}`, output: () => out };
}

/** Starts Talad the way `npm start` does, and waits for /healthz. */
async function start(env: Record<string, string>): Promise<Running> {
  const running = await spawnStart(env);
  const { child, base, output } = running;
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Talad exited with ${child.exitCode}:\n${output()}`);
    const ok = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
    if (ok) return running;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`Talad did not answer /healthz within ${WAIT_MS / 1000} s:\n${output()}`);
}

/** The app's peak resident memory so far (the process `npm start` runs it in). */
function peakRssMb(r: Running): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${r.child.pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** The app's command line now (start.mjs may have re-executed itself with other flags). */
const commandLine = (r: Running): string[] => readFileSync(`/proc/${r.child.pid}/cmdline`, 'utf8').split('\0');

async function stop(r: Running): Promise<number | null> {
  if (r.child.exitCode !== null) return r.child.exitCode;
  const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code)));
  r.child.kill('SIGTERM');
  return exited;
}

const api = (r: Running, p: string, init: RequestInit = {}) =>
  fetch(`${r.base}/api/v1${p}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('npm start', () => {
  it('serves the demo catalog on the embedded database and keeps every row across a restart', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-e2e-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const first = await start({ DATA_DIR: dataDir });
    cleanups.push(() => stop(first));
    const products = (await (await api(first, '/products')).json()) as { items: { sku: string; available: number }[] };
    expect(products.items.length).toBeGreaterThanOrEqual(12);
    expect(first.output()).toContain('owner account created');
    // It ran the compiled JavaScript (built now, or earlier from these same sources), not the sources through tsx.
    expect(first.output()).not.toContain('through tsx');
    expect(existsSync(path.join(root, 'dist/src/main.js'))).toBe(true);
    expect(existsSync(path.join(root, 'dist/.fingerprint'))).toBe(true);
    // The embedded database was created and migrated in a process of its own, whose memory went with it:
    // in the app, initdb's ~380 MB of WebAssembly heap would never be given back.
    expect(first.output()).toContain('preparing the embedded database');
    expect(existsSync(path.join(dataDir, 'pglite', 'talad-migrations.txt'))).toBe(true);
    // Both with V8's baseline WebAssembly compiler only (scripts/start.mjs): its optimising one, compiling
    // PGlite's largest functions, took the preparation to 1.1-1.3 GB (killed on a 1 GB server) and the app
    // to about 880 MB after its start; with the baseline compiler alone: 560-680 MB and 230-350 MB.
    const preparedPeak = Number(/"peakRssMb":(\d+)[^\n]*the embedded database is prepared/.exec(first.output())?.[1]);
    expect(preparedPeak).toBeGreaterThan(0);
    expect(preparedPeak).toBeLessThan(800);
    expect(peakRssMb(first)).toBeLessThan(400);
    // start.mjs re-executed itself with V8's flags (scripts/node-flags.json); the process is still the one spawned.
    expect(commandLine(first)).toEqual(expect.arrayContaining(['--max-semi-space-size=4', '--liftoff-only']));
    expect(commandLine(first)).not.toContain('--optimize-for-size');

    const sku = products.items[0]!.sku;
    const created = await api(first, '/orders', {
      method: 'POST',
      headers: { 'idempotency-key': 'e2e-restart-1' },
      body: JSON.stringify({
        channel: 'api',
        customer: { name: 'ทดสอบ รีสตาร์ท', phone: '0899999999' },
        lines: [{ sku, qty: 1 }],
        shippingAddress: { name: 'ทดสอบ รีสตาร์ท', phone: '0899999999', address: '1 ถนนพระราม 4 กรุงเทพฯ' },
      }),
    });
    expect(created.status).toBe(201);
    const { number } = (await created.json()) as { number: string };
    expect(await stop(first)).toBe(0);

    const second = await start({ DATA_DIR: dataDir });
    cleanups.push(() => stop(second));
    const order = await api(second, `/orders/${number}`);
    expect(order.status).toBe(200);
    expect(((await order.json()) as { status: string }).status).toBe('pending_payment');
    const again = (await (await api(second, '/products')).json()) as { items: { sku: string; available: number }[] };
    expect(again.items.find((p) => p.sku === sku)!.available).toBe(products.items[0]!.available - 1);
    // The owner is created once: a second start has nothing to say about it, nor anything to prepare.
    expect(second.output()).not.toContain('owner account created');
    expect(second.output()).not.toContain('preparing the embedded database');
    expect(await stop(second)).toBe(0);
  });

  it('says why when the embedded database\'s preparation is killed (as the out-of-memory killer would), instead of stopping without a word', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-e2e-killed-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const { child, output } = await spawnStart({ DATA_DIR: dataDir });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => child.exitCode === null && child.kill('SIGKILL'));
    // The preparation is start.mjs's child process (after a build, when dist/ is not current).
    const preparation = () =>
      readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')
        .split(/\s+/)
        .filter(Boolean)
        .find((pid) => existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('prepare'));
    let pid: string | undefined;
    for (const deadline = Date.now() + WAIT_MS; !pid && Date.now() < deadline && child.exitCode === null; ) {
      pid = preparation();
      if (!pid) await new Promise((r) => setTimeout(r, 20));
    }
    expect(pid, output()).toBeDefined();
    process.kill(Number(pid), 'SIGKILL');
    expect(await exited).toBe(1);
    expect(output()).toContain('การเตรียมฐานข้อมูลในเครื่องถูกหยุดด้วย SIGKILL — หน่วยความจำอาจไม่พอ');
    expect(output()).toContain('preparing the embedded database was stopped by SIGKILL — most likely out of memory');
  });

  it.runIf(process.env.TEST_DATABASE_URL)('migrates an empty PostgreSQL database named by DATABASE_URL', async () => {
    const serverUrl = process.env.TEST_DATABASE_URL!;
    const name = `talad_e2e_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    cleanups.push(async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;

    const running = await start({ DATABASE_URL: url.toString(), DATA_DIR: os.tmpdir() });
    cleanups.push(() => stop(running));
    // No PGlite in the process: the optimising WebAssembly compiler stays for the slip reader's OCR.
    expect(commandLine(running)).toEqual(expect.arrayContaining(['--max-semi-space-size=4', '--optimize-for-size']));
    expect(commandLine(running)).not.toContain('--liftoff-only');
    const products = await api(running, '/products');
    expect(products.status).toBe(200);
    // No demo data in a real shop's database unless SEED_DEMO=true.
    expect(((await products.json()) as { items: unknown[] }).items).toEqual([]);
    const created = await api(running, '/products', {
      method: 'POST',
      body: JSON.stringify({ sku: 'PG-1', name: 'ทดสอบ', price: { amount: 1000, currency: 'THB' }, stock: { onHand: 3 } }),
    });
    expect(created.status).toBe(201);
    expect(await stop(running)).toBe(0);
  });
});
