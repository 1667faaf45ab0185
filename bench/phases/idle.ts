/**
 * Idle RSS of the app as production runs it: `node scripts/start.mjs` (the compiled JavaScript in dist/,
 * built first when stale) in a child process, on a fresh DATA_DIR (the embedded database, first start:
 * migrations, demo shop, owner account) or on the PostgreSQL database given; read from /proc once
 * /healthz answers and the process has settled. The bench's own process runs the app through tsx
 * beside the load generator and fakes, so its RSS is an upper bound, not the app's idle figure.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round((Number(kb) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

export async function measureProductionIdle(opts: {
  databaseUrl?: string | undefined;
  settleMs?: number;
  log: (line: string) => void;
}): Promise<{ rssMb: number | null; readySec: number; database: string }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-bench-idle-'));
  const port = await freePort();
  let out = '';
  // The node flags of package.json's start script (the young generation's size), then its script.
  const startScript = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [, ...args] = startScript.split(/\s+/);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ADMIN_PASSWORD: 'bench-idle-password-0123',
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const started = performance.now();
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}:\n${out.slice(-2000)}`);
      if (performance.now() - started > 600_000) throw new Error(`the app did not answer /healthz in 10 minutes:\n${out.slice(-2000)}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const readySec = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, opts.settleMs ?? 10_000));
    return { rssMb: rssMb(child.pid!), readySec, database: opts.databaseUrl ? 'PostgreSQL' : 'embedded PGlite, fresh DATA_DIR' };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}
