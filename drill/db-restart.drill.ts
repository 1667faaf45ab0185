/**
 * Drill 4 — database restart. The app (a child process) runs on a private PostgreSQL cluster under a
 * steady chat load; the cluster is stopped (pg_ctl stop -m fast), held down a few seconds and started
 * again (the full drill also does a plain `pg_ctl restart -m fast`). /healthz must answer 503 while the
 * database is down and 200 again by itself; webhooks refused meanwhile are redelivered like LINE does;
 * afterwards no acknowledged event may be lost and each is processed once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startFakeLineApi } from '#tests/fakes/line-api.ts';
import { errorLines, startApp, stopApp, type RunningApp } from './lib/child.ts';
import { createRandom, sleep, timed, waitFor, type DrillOptions } from './lib/common.ts';
import { DRILL_PRODUCTS } from './lib/conversation.ts';
import { runLineLoad, totalSteps } from './lib/line-load.ts';
import { postgresBinDir, startCluster, type Cluster } from './lib/pg-cluster.ts';
import { backlog, verifyLoad } from './lib/verify.ts';
import { appEnv, makeLoad, post } from './crash.drill.ts';

interface Probe {
  at: number;
  status: number;
}

export function dbRestartDrill(opts: DrillOptions) {
  return timed('db-restart', opts, async (c, numbers) => {
    const bin = postgresBinDir();
    if (!bin) return { skipped: 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin' };
    const random = createRandom(opts.seed);
    const line = await startFakeLineApi({ unknownProfiles: 'generate' });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-drill-dbrestart-'));
    let cluster: Cluster | undefined;
    let app: RunningApp | undefined;
    let pool: pg.Pool | undefined;
    let probing = true;
    let supervising = false;
    try {
      cluster = await startCluster(bin);
      const env = appEnv(line, { DATA_DIR: dataDir, DATABASE_URL: cluster.url });
      app = await startApp(env);
      const base = app.base;
      // A supervisor, as Docker's restart policy would be: an app that dies is a failure of this drill,
      // and it is started again (once the database answers) so the drill can still check what was lost.
      const crashes: string[] = [];
      let dbUp = true;
      supervising = true;
      const supervisor = (async () => {
        while (supervising) {
          const current = app!;
          const exit = await Promise.race([current.exited, sleep(200).then(() => undefined)]);
          if (!exit || !supervising) continue;
          // The crash report node prints (not the JSON log lines before it).
          const lines = current.output().split('\n').filter((l) => !l.startsWith('{'));
          const at = lines.findIndex((l) => l.includes("Emitted 'error' event on"));
          const reason = [
            ...lines.filter((l) => /^\w*[Ee]rror\b.*:/.test(l.trim())).slice(0, 1),
            ...(at >= 0 ? [lines[at]!, lines[at + 1] ?? ''] : lines.filter((l) => /error|Error/.test(l)).slice(0, 2)),
          ]
            .map((l) => l.trim())
            .join(' / ')
            .slice(0, 600);
          crashes.push(`exit ${exit.code ?? exit.signal} at ${dbUp ? 'database up' : 'database down'}: ${reason}`);
          opts.log(`db-restart: the app died (${exit.code ?? exit.signal}); starting it again`);
          await waitFor(() => dbUp, 600, 100);
          try {
            app = await startApp(env, current.port);
          } catch (err) {
            crashes.push(`could not start again: ${(err as Error).message.slice(0, 300)}`);
            return;
          }
        }
      })();
      for (const p of DRILL_PRODUCTS) {
        await post(base, '/api/v1/products', { sku: p.sku, name: p.nameTh, nameEn: p.nameEn, price: { amount: p.price, currency: 'THB' }, stock: { onHand: 1_000_000 } });
      }

      // /healthz, ten times a second, for the whole drill.
      const probes: Probe[] = [];
      const prober = (async () => {
        while (probing) {
          const status = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.status, () => 0);
          probes.push({ at: Date.now(), status });
          await sleep(100);
        }
      })();

      const customers = makeLoad(random, `dbr-${opts.seed}`, opts.short ? 16 : 40, []);
      const total = totalSteps(customers);
      numbers.customers = customers.length;
      numbers.events = total;
      const load = runLineLoad(customers, {
        base: () => base,
        secret: line.channelSecret,
        random,
        staggerMs: opts.short ? 6_000 : 16_000,
        pauseMs: [150, 700],
        retryEveryMs: 500,
        retryRounds: 400,
      });

      // Outage 1: stopped (fast), held down, started again.
      c.check(await waitFor(() => load.acked() >= total * 0.3, 1200, 50), `the load did not reach 30% before the outage (${load.acked()} of ${total})`);
      const holdMs = opts.short ? 3_000 : 6_000;
      const downAt = Date.now();
      dbUp = false;
      await cluster.stop('fast');
      const stoppedAt = Date.now();
      await sleep(holdMs);
      const startAt = Date.now();
      await cluster.start();
      dbUp = true;
      const upAt = Date.now();
      numbers['db down s'] = Math.round((upAt - downAt) / 100) / 10;
      const healthy = await waitFor(() => probes.some((p) => p.at > upAt && p.status === 200), 600, 100);
      const recovered = probes.find((p) => p.at > upAt && p.status === 200);
      const down = probes.filter((p) => p.at >= stoppedAt && p.at <= startAt);
      numbers['/healthz 503 while down'] = `${down.filter((p) => p.status === 503).length}/${down.length}`;
      c.check(down.some((p) => p.status === 503), `/healthz never answered 503 while the database was down (answers: ${summarize(down)})`);
      c.check(down.every((p) => p.status !== 200), `/healthz answered 200 while the database was down (answers: ${summarize(down)})`);
      c.check(healthy, '/healthz did not return to 200 after the database came back');
      if (recovered) numbers['healthy again after s'] = Math.round((recovered.at - upAt) / 100) / 10;

      // Outage 2 (full drill): a plain fast restart, as an operator would do it.
      if (!opts.short) {
        await waitFor(() => load.acked() >= total * 0.6, 1200, 50);
        const restartAt = Date.now();
        dbUp = false;
        await cluster.restart('fast');
        dbUp = true;
        const restartedAt = Date.now();
        await waitFor(() => probes.some((p) => p.at > restartedAt && p.status === 200), 600, 100);
        const during = probes.filter((p) => p.at >= restartAt && p.at <= restartedAt + 500);
        numbers['restart -m fast: 503s seen'] = during.filter((p) => p.status === 503).length;
        c.check(probes.some((p) => p.at > restartedAt && p.status === 200), '/healthz did not return to 200 after pg_ctl restart -m fast');
      }

      await load.done;
      numbers['webhooks refused (5xx)'] = load.sent.reduce((n, s) => n + s.refused.filter((x) => x >= 500).length, 0);
      numbers['webhooks unanswered'] = load.sent.reduce((n, s) => n + s.refused.filter((x) => x === 0).length, 0);
      numbers['events redelivered'] = load.sent.filter((s) => s.refused.length > 0).length;
      c.equal(load.sent.filter((s) => !s.acked).length, 0, 'webhooks never acknowledged (redelivered like LINE)');
      supervising = false;
      await supervisor;
      numbers['app crashes'] = crashes.length;
      c.group('the app died during the outage (restarted by the drill, as a supervisor would)', crashes);

      pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
      pool.on('error', () => undefined);
      const drainStart = Date.now();
      // Rows whose delivery could not be recorded during the outage wait for their lease (60 s).
      const drained = await waitFor(async () => {
        const b = await backlog(pool!);
        return b.inbox === 0 && b.outbox === 0;
      }, 1200, 100);
      numbers['drain s'] = Math.round((Date.now() - drainStart) / 100) / 10;
      c.check(drained, `the app did not drain after the database came back: ${JSON.stringify(await backlog(pool))}`);

      probing = false;
      await prober;
      await verifyLoad(c, numbers, pool, line, customers, load.sent);
      const exit = await stopApp(app);
      c.check(exit === 0, `exit code of the app on SIGTERM after the outage: ${exit} (${errorLines(app.output()).at(-1) ?? 'no error logged'})`);
      const errors = errorLines(app.output());
      numbers['error log lines'] = errors.length;
      if (errors.length > 0) c.note(`the app logged ${errors.length} error lines during the outage, e.g. ${[...new Set(errors)].slice(0, 3).join(' | ')}`);
    } finally {
      probing = false;
      supervising = false;
      if (app) await stopApp(app).catch(() => undefined);
      await pool?.end().catch(() => undefined);
      await cluster?.destroy().catch(() => undefined);
      await line.close();
      await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    }
  });
}

function summarize(probes: Probe[]): string {
  const counts = new Map<number, number>();
  for (const p of probes) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => `${s === 0 ? 'no answer' : s}×${n}`).join(', ') || 'none';
}
