/**
 * The app as production runs it (`npm start`: the compiled JavaScript in dist/, built first when stale,
 * in a process of its own), first at rest and then under each kind of work a shop gives it: API orders
 * and a checkout storm, chat intake, customers ordering by chat and paying with slip photos (read by
 * the image threads and the OCR workers), and the back office (lists, inbox, reports, exports,
 * printing). Its resident memory is read from /proc: VmRSS at rest, and for each phase the peak
 * (VmHWM, reset at the phase's start, and VmRSS sampled every 100 ms). These are the app's own
 * figures: the bench's process holds the load generator, the fakes and, on the embedded database, a
 * second in-memory PGlite, so its RSS is only an upper bound. Chromium (PDF printing) is a process of
 * its own: its memory (PSS) is reported beside the app's, not in it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRandom, waitFor } from '../../drill/lib/common.ts';
import { freePort } from '../../drill/lib/child.ts';
import { runLineLoad } from '../../drill/lib/line-load.ts';
import { answersTo } from '../../drill/lib/verify.ts';
import { DRILL_PRODUCTS } from '../../drill/lib/conversation.ts';
import { appEnv, makeLoad, post, slipPreparer } from '../../drill/crash.drill.ts';
import { lineTextEvent, lineUserId, lineWebhookRequest, startFakeLineApi } from '../../tests/fakes/line-api.ts';
import { loadSlipManifest } from '../../tests/fixtures/slips/fixtures.ts';
import { signInOverHttp } from '../../tests/helpers/admin.ts';
import { runLoad } from '../load.ts';
import { startRssSampler } from './memory.ts';

const root = path.resolve(import.meta.dirname, '../..');
const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** VmRSS and VmHWM (the peak since start or since the last reset) of a process, in kB. */
function memoryOf(pid: number): { rssKb: number; hwmKb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  } catch {
    return null;
  }
}

/** Proportional set size (shared pages split among their sharers) of a process in kB, 0 when gone. */
function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Memory in kB of every process below `pid` (Chromium printing PDFs and its helpers), summed by PSS: Chromium's processes share much of theirs. */
function descendantsPssKb(pid: number): number {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name sits in parentheses and may hold spaces: the fields after it are split.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const below = (p: number): boolean => {
    for (let q = parentOf.get(p); q !== undefined && q > 1; q = parentOf.get(q)) if (q === pid) return true;
    return false;
  };
  let kb = 0;
  for (const p of parentOf.keys()) if (below(p)) kb += pssKb(p);
  return kb;
}

/** Resets VmHWM to the current RSS (clear_refs 5); false where the kernel does not allow it (the samples still count). */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Per-phase peaks of another process: its VmRSS sampled every 100 ms, and its VmHWM (reset at each
 * phase's start where the kernel allows) counted at each phase's end; beside them, the highest PSS of
 * its child processes together.
 */
function processSampler(pid: number) {
  const rss = startRssSampler(100, () => {
    const kb = memoryOf(pid)?.rssKb;
    return kb === undefined || Number.isNaN(kb) ? undefined : kb * 1024;
  });
  let childrenPeak = 0;
  const children = setInterval(() => (childrenPeak = Math.max(childrenPeak, descendantsPssKb(pid))), 100);
  children.unref();
  let exact = true;
  let hwmReset = false;
  const endPhase = () => {
    const hwm = memoryOf(pid)?.hwmKb;
    if (hwmReset && hwm !== undefined && !Number.isNaN(hwm)) rss.note(hwm * 1024);
  };
  return {
    phase(name: string) {
      endPhase();
      rss.phase(name);
      hwmReset = resetPeak(pid);
      exact &&= hwmReset;
    },
    stop() {
      endPhase();
      hwmReset = false;
      rss.stop();
      clearInterval(children);
    },
    peaks: () => rss.peaks(),
    /** Whether every phase's peak counted VmHWM (else they are the 100 ms samples only). */
    exactPeaks: () => exact,
    childrenPeakMb: () => mb(childrenPeak),
  };
}

/**
 * A memory cgroup of `bytes` for the app to start in (a small server's memory, enforced by the kernel:
 * Node sizes its heap by it, the app its OCR workers, and Chromium counts inside it too), where this
 * machine lets the bench make one (cgroup v1 or v2, as root); undefined otherwise.
 */
function memoryCgroup(bytes: number): { procs: string; remove: () => void } | undefined {
  const v1 = '/sys/fs/cgroup/memory';
  const v2 = '/sys/fs/cgroup';
  const name = `talad-bench-${process.pid}`;
  const tryMake = (dir: string, limitFile: string) => {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, limitFile), String(bytes));
      const remove = () => {
        try {
          rmdirSync(dir);
        } catch {
          // A process still inside (the kernel frees the group once it is empty and removed).
        }
      };
      return { procs: path.join(dir, 'cgroup.procs'), remove };
    } catch {
      try {
        rmdirSync(dir);
      } catch {
        // Never made.
      }
      return undefined;
    }
  };
  if (existsSync(path.join(v1, 'memory.limit_in_bytes'))) return tryMake(path.join(v1, name), 'memory.limit_in_bytes');
  const controllers = path.join(v2, 'cgroup.controllers');
  if (existsSync(controllers) && readFileSync(controllers, 'utf8').includes('memory')) return tryMake(path.join(v2, name), 'memory.max');
  return undefined;
}

export interface ProductionResult {
  /** The memory the app was limited to (a small server), or null: the whole machine's. */
  memoryLimitMb: number | null;
  database: string;
  readySec: number;
  /** VmRSS 10 s after /healthz first answered, before any load. */
  idleRssMb: number | null;
  /** The highest of the phase peaks: the app's peak over the whole run. */
  peakRssMb: number;
  peakRssMbByPhase: Record<string, number>;
  /** Whether VmHWM could be reset per phase (otherwise the peaks are the 100 ms samples only). */
  exactPeaks: boolean;
  /** The app's child processes together at their highest (Chromium while it prints; PSS), sampled every 100 ms. */
  childrenPeakRssMb: number;
  /** Seconds after the last document until no child process was left (null: still there after 3 minutes). */
  childrenGoneSec: number | null;
  /** VmRSS once the work is over and the child processes are gone. */
  afterWorkRssMb: number | null;
  work: {
    stormOrders: number;
    /** Requests per second of the storm (500 buyers at once for 20 units) and of API order intake, on this app. */
    stormPerSec: number;
    apiOrders: number;
    apiOrdersPerSec: number;
    chatEvents: number;
    chatAnswered: number;
    slipsSent: number;
    slipsAnswered: number;
    backOfficePages: number;
    backOfficeNon200: Record<string, number>;
    /** What each back-office request, alone, raised the app's peak RSS by (MB, VmHWM over the RSS before it). */
    backOfficePeakByPageMb: Record<string, number>;
  };
}

const slipFixtures = () =>
  loadSlipManifest().flatMap((f) =>
    f.kind === 'slip' && f.amount !== null && f.datetime !== null ? [{ file: f.file, amount: Math.round(f.amount * 100), datetime: f.datetime }] : [],
  );

/** The app's answer status to a GET with the owner's session, body read to the end. */
const getStatus = (base: string, url: string, cookie: string) =>
  fetch(`${base}${url}`, { headers: { cookie }, signal: AbortSignal.timeout(300_000) }).then(
    async (r) => {
      await r.arrayBuffer();
      return r.status;
    },
    () => 0,
  );

export async function runProductionPhase(opts: {
  databaseUrl?: string | undefined;
  settleMs?: number;
  /** Smaller loads (a quick look while working on memory). */
  short?: boolean;
  /** Run the app as a server with this much memory (a memory cgroup); null when this machine cannot. */
  memoryLimitBytes?: number;
  log: (line: string) => void;
}): Promise<ProductionResult | null> {
  const cgroup = opts.memoryLimitBytes === undefined ? undefined : memoryCgroup(opts.memoryLimitBytes);
  if (opts.memoryLimitBytes !== undefined && !cgroup) {
    opts.log('  (no memory cgroup can be made here: the small-server run is left out)');
    return null;
  }
  const short = opts.short ?? false;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-bench-production-'));
  const line = await startFakeLineApi({ unknownProfiles: 'generate' });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = appEnv(line, { DATA_DIR: dataDir, ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}) });
  // package.json's start script as it is: its environment (the allocator's arenas), then node's flags
  // and the script (which re-executes itself with V8's flags from scripts/node-flags.json).
  const startScript = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = startScript.split(/\s+/);
  const scriptEnv = Object.fromEntries(words.filter((w, i) => i < words.indexOf('node') && w.includes('=')).map((w) => w.split('=', 2) as [string, string]));
  const args = words.slice(words.indexOf('node') + 1);
  const logFile = path.join(dataDir, 'app.log');
  const log = openSync(logFile, 'a');
  // In a cgroup, a shell moves itself into it and then becomes the app: Node reads its memory limit at start.
  const command = cgroup ? ['/bin/sh', ['-c', `echo $$ > ${cgroup.procs} && exec "$0" "$@"`, process.execPath, ...args]] as const : [process.execPath, args] as const;
  const child = spawn(command[0], command[1], {
    cwd: root,
    env: { PATH: process.env.PATH, ...scriptEnv, NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const output = () => readFileSync(logFile, 'utf8').slice(-3000);
  const started = performance.now();
  let sampler: ReturnType<typeof processSampler> | undefined;
  try {
    const up = await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}:\n${output()}`);
      return fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
    }, 3000, 200);
    if (!up) throw new Error(`the app did not answer /healthz in 10 minutes:\n${output()}`);
    const readySec = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, opts.settleMs ?? 10_000));
    const idle = memoryOf(child.pid!);
    sampler = processSampler(child.pid!);

    opts.log('  production app: API orders and the checkout storm');
    sampler.phase('orders');
    await post(base, '/api/v1/products', { sku: 'STORM-1', name: 'ของหายาก', price: { amount: 9900, currency: 'THB' }, stock: { onHand: 20 } });
    await post(base, '/api/v1/products', { sku: 'BULK-1', name: 'ของทั่วไป', price: { amount: 4500, currency: 'THB' }, stock: { onHand: 1_000_000 } });
    const apiOrder = (sku: string, i: number, key?: string) =>
      fetch(`${base}/api/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${env.API_TOKEN}`, ...(key ? { 'idempotency-key': key } : {}) },
        body: JSON.stringify({
          channel: 'api',
          customer: { name: `ลูกค้า ${i}`, phone: `08${String(20_000_000 + i).slice(-8)}` },
          lines: [{ sku, qty: 1 }],
          shippingAddress: { name: `ลูกค้า ${i}`, phone: '0812345678', address: '99 ถนนสุขุมวิท แขวงคลองเตย เขตคลองเตย กรุงเทพฯ', postcode: '10110' },
        }),
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    const storm = await runLoad({ requests: 500, concurrency: 500, send: (i) => apiOrder('STORM-1', i) });
    const orders = await runLoad({ requests: short ? 300 : 1000, concurrency: 50, send: (i) => apiOrder('BULK-1', 1000 + i, `production-${i}`) });

    opts.log('  production app: chat intake');
    sampler.phase('intake');
    await post(base, '/api/v1/products', { sku: 'CHAT-1', name: 'กาแฟ', price: { amount: 5000, currency: 'THB' }, stock: { onHand: 1_000_000 } });
    const people = Array.from({ length: 200 }, (_, i) => lineUserId(`production-${i}`));
    const chatEvents = short ? 400 : 2000;
    const bodies = Array.from({ length: chatEvents }, (_, i) =>
      lineWebhookRequest([lineTextEvent({ userId: people[i % people.length]!, text: i % 3 === 0 ? 'เอา CHAT-1 1 ถุงค่ะ' : 'CHAT-1 x1' })], line.channelSecret),
    );
    await runLoad({
      requests: chatEvents,
      concurrency: 50,
      send: (i) =>
        fetch(`${base}/webhooks/line`, { method: 'POST', headers: bodies[i]!.headers, body: bodies[i]!.body }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
    });
    const answered = () => people.reduce((n, u) => n + answersTo(line, u), 0);
    await waitFor(() => answered() >= chatEvents, 6000, 100);
    const chatAnswered = answered();

    opts.log('  production app: customers order by chat and pay with slip photos');
    sampler.phase('slips');
    const slips = slipFixtures().slice(0, 10);
    for (const s of slips) {
      await post(base, '/api/v1/products', { sku: `SLIP-${s.file.slice(0, 2)}`, name: `สินค้าสลิป ${s.file.slice(0, 2)}`, price: { amount: s.amount, currency: 'THB' }, stock: { onHand: 10 } });
    }
    for (const p of DRILL_PRODUCTS) {
      await post(base, '/api/v1/products', { sku: p.sku, name: p.nameTh, nameEn: p.nameEn, price: { amount: p.price, currency: 'THB' }, stock: { onHand: 1_000_000 } });
    }
    const random = createRandom(20);
    // The slip's bytes wait at the fake LINE API's content endpoint (the orders are not backdated: a slip
    // older than its order goes to review, after being read all the same).
    const customers = makeLoad(random, 'production', slips.length + (short ? 5 : 20), slips, slipPreparer(line, () => undefined));
    const load = runLineLoad(customers, { base: () => base, secret: line.channelSecret, random, staggerMs: 3000, pauseMs: [100, 400] });
    await load.done;
    // Each message answered, the slip photo's included (read, then paid or sent to review).
    const steps = (userId: string) => load.sent.filter((s) => s.userId === userId && s.acked).length;
    const slipCustomers = customers.filter((cu) => cu.slip);
    await waitFor(() => customers.every((cu) => answersTo(line, cu.userId) >= steps(cu.userId)), 6000, 100);
    const slipsAnswered = slipCustomers.filter((cu) => answersTo(line, cu.userId) >= steps(cu.userId)).length;

    opts.log('  production app: back office');
    sampler.phase('backOffice');
    const cookie = await signInOverHttp(base, env.ADMIN_EMAIL!, env.ADMIN_PASSWORD!);
    const listed = (await fetch(`${base}/api/v1/orders?limit=20`, { headers: { authorization: `Bearer ${env.API_TOKEN}` } }).then((r) => r.json())) as {
      items: { number: string }[];
    };
    const numbers = listed.items.map((o) => o.number).join(',');
    const pages = [
      '/admin',
      '/admin/orders',
      '/admin/orders?status=pending_payment',
      '/admin/orders?q=0812',
      '/admin/inbox',
      '/admin/customers',
      '/admin/products',
      '/admin/stock',
      '/admin/reports',
      '/admin/finance',
      '/admin/finance/ledger',
      '/admin/products/export.csv',
      '/admin/finance/ledger.csv',
      `/admin/print/labels?orders=${numbers}`,
      `/admin/print/packing?orders=${numbers}`,
    ];
    const backOfficeNon200: Record<string, number> = {};
    // First each page alone, the peak reset before it: which request raises the app's memory.
    const peakByPageMb: Record<string, number> = {};
    for (const url of [...pages, '/admin/finance/export.xlsx', '/admin/finance/export.csv', `/admin/print/labels?orders=${numbers}&format=pdf`]) {
      const before = memoryOf(child.pid!)?.rssKb ?? NaN;
      const exact = resetPeak(child.pid!);
      const status = await getStatus(base, url, cookie);
      if (status !== 200) backOfficeNon200[`${url} ${status}`] = (backOfficeNon200[`${url} ${status}`] ?? 0) + 1;
      const after = memoryOf(child.pid!);
      const label = url.replace(/orders=[^&]*/, 'orders=…');
      if (after && exact) peakByPageMb[label] = Math.round((after.hwmKb - before) / 1024);
    }
    const rounds = short ? 3 : 10;
    const visits = Array.from({ length: rounds }, () => pages).flat();
    await runLoad({
      requests: visits.length,
      concurrency: 4,
      send: async (i) => {
        const status = await getStatus(base, visits[i]!, cookie);
        if (status !== 200) backOfficeNon200[`${visits[i]} ${status}`] = (backOfficeNon200[`${visits[i]} ${status}`] ?? 0) + 1;
        return status;
      },
    });
    // The two exports the accountant downloads, and one PDF of labels (rendered by Chromium, where installed).
    for (const url of ['/admin/finance/export.xlsx', '/admin/finance/export.csv', `/admin/print/labels?orders=${numbers}&format=pdf`]) {
      const status = await getStatus(base, url, cookie);
      if (status !== 200) backOfficeNon200[`${url} ${status}`] = (backOfficeNon200[`${url} ${status}`] ?? 0) + 1;
    }
    sampler.stop();
    // Quiet again: Chromium is closed a minute after its last document; what does the app keep?
    const quietFrom = performance.now();
    const gone = await waitFor(() => descendantsPssKb(child.pid!) === 0, 1800, 100);
    const childrenGoneSec = gone ? (performance.now() - quietFrom) / 1000 : null;
    const afterWork = memoryOf(child.pid!);

    const peakRssMbByPhase = sampler.peaks();
    return {
      memoryLimitMb: opts.memoryLimitBytes === undefined ? null : Math.round(opts.memoryLimitBytes / 2 ** 20),
      database: opts.databaseUrl ? 'PostgreSQL' : 'embedded PGlite, fresh DATA_DIR',
      readySec,
      idleRssMb: idle ? mb(idle.rssKb) : null,
      peakRssMb: Math.max(...Object.values(peakRssMbByPhase)),
      peakRssMbByPhase,
      exactPeaks: sampler.exactPeaks(),
      childrenPeakRssMb: sampler.childrenPeakMb(),
      childrenGoneSec,
      afterWorkRssMb: afterWork ? mb(afterWork.rssKb) : null,
      work: {
        stormOrders: storm.statuses[201] ?? 0,
        stormPerSec: storm.perSec,
        apiOrders: orders.statuses[201] ?? 0,
        apiOrdersPerSec: orders.perSec,
        chatEvents,
        chatAnswered,
        slipsSent: slips.length,
        slipsAnswered,
        backOfficePages: visits.length + pages.length + 6,
        backOfficeNon200,
        backOfficePeakByPageMb: peakByPageMb,
      },
    };
  } finally {
    sampler?.stop();
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await line.close();
    await rm(dataDir, { recursive: true, force: true });
    cgroup?.remove();
  }
}

