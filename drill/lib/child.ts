/** The real app as `npm start` runs it (node + tsx src/main.ts), in a child process the drill can kill. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { sleep } from './common.ts';

const root = path.resolve(import.meta.dirname, '../..');
/** V8's flags as npm start gives them to the app (scripts/start.mjs). */
const nodeFlags = JSON.parse(readFileSync(path.join(root, 'scripts/node-flags.json'), 'utf8')) as { app: string[]; serverDatabase: string[]; embeddedDatabase: string[] };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => resolve(port));
      });
  });
}

/** Tries of /healthz, 100 ms apart after each, before a start counts as failed: a loaded machine needs minutes. */
const START_ROUNDS = 600;

export interface RunningApp {
  child: ChildProcess;
  base: string;
  port: number;
  /** Everything the child wrote, stdout and stderr. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts Talad and waits (bounded) for /healthz; throws with the child's output when it does not come up.
 * With `logFile`, the child writes its output to that file instead of a pipe to this process: the
 * app's log writes are synchronous, and a pipe this busy load generator reads late would stall them.
 */
export async function startApp(env: Record<string, string>, port?: number, opts: { logFile?: string } = {}): Promise<RunningApp> {
  const p = port ?? (await freePort());
  const log = opts.logFile ? openSync(opts.logFile, 'a') : undefined;
  let out = '';
  // tsx as a loader in this one process (not the tsx CLI, which runs the app in a grandchild): SIGKILL
  // must hit the app itself, or the app would live on as an orphan holding the port. With V8's flags as
  // npm start gives them.
  const flags = [...nodeFlags.app, ...(env.DATABASE_URL ? nodeFlags.serverDatabase : nodeFlags.embeddedDatabase)];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(p),
      HOST: '127.0.0.1',
      // To try a fix without touching the app (e.g. `--import ./patch.mjs`), or to attach a debugger.
      ...(process.env.DRILL_CHILD_NODE_OPTIONS ? { NODE_OPTIONS: process.env.DRILL_CHILD_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', log ?? 'pipe', log ?? 'pipe'],
  });
  if (log !== undefined) closeSync(log);
  const keep = (d: Buffer) => {
    out += d.toString();
    // Enough to see why it failed, without growing for ever.
    if (out.length > 2_000_000) out = out.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = opts.logFile ? () => readFileSync(opts.logFile!, 'utf8') : () => out;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${p}`;
  for (let i = 0; i < START_ROUNDS; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Talad exited (${child.exitCode ?? child.signalCode}) before answering /healthz:\n${output().slice(-4000)}`);
    const ok = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) return { child, base, port: p, output, exited };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`Talad did not answer /healthz after ${START_ROUNDS} tries:\n${output().slice(-4000)}`);
}

/** kill -9: no shutdown hook runs, sockets and transactions are cut where they are. */
export async function killHard(app: RunningApp) {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.child.kill('SIGKILL');
  await app.exited;
}

/** A clean stop (SIGTERM → app.close()); returns the exit code, or kills after `rounds` × 100 ms. */
export async function stopApp(app: RunningApp, rounds = 300): Promise<number | null> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return app.child.exitCode;
  app.child.kill('SIGTERM');
  const done = await Promise.race([app.exited.then(() => true), sleep(rounds * 100).then(() => false)]);
  if (!done) {
    app.child.kill('SIGKILL');
    await app.exited;
    return null;
  }
  return app.child.exitCode;
}

/** The lines of the child's JSON log at error level or above (pino level 50+). */
export function errorLines(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        const j = JSON.parse(l) as { level: number; msg: string; err?: { message?: string } };
        return j.level >= 50 ? [`${j.msg}${j.err?.message ? `: ${j.err.message}` : ''}`] : [];
      } catch {
        return [];
      }
    });
}
