/**
 * Drill 3 — crash. The real app runs as a child process (node + tsx src/main.ts) with the fake LINE
 * API in this process. Customers order by chat and some pay with slip photos; in the middle of it the
 * app is killed with SIGKILL and started again. Customers whose webhook went unanswered are
 * redelivered, as LINE does. Then every acknowledged event must have been processed (a confirm has its
 * order), no answer sent twice, and the outbox drained.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { createDatabase } from '#src/db/client.ts';
import { lineImageEvent, lineTextEvent, startFakeLineApi, type FakeLineApi } from '#tests/fakes/line-api.ts';
import { killHard, startApp, stopApp, errorLines, type RunningApp } from './lib/child.ts';
import { createRandom, createServerDatabase, DRILL_API_TOKEN, serverUrl, sleep, timed, waitFor, type DrillOptions, type Random } from './lib/common.ts';
import { DRILL_PRODUCTS, eventsOf, makeCustomer } from './lib/conversation.ts';
import { runLineLoad, totalSteps, type LoadCustomer } from './lib/line-load.ts';
import { answersTo, backlog, verifyLoad } from './lib/verify.ts';
import { lineEnv } from '../tests/helpers/chat.ts';
import { loadSlipManifest, readSlipFixture } from '#tests/fixtures/slips/fixtures.ts';

/** A slip the drill pays with: its file in tests/fixtures/slips, amount in satang and time. */
interface SlipFixture {
  file: string;
  amount: number;
  datetime: string;
}

/** Genuine slips whose time lies in the last 89 days: an order placed just before them is neither expired nor too old to remind about yet. */
export function usableSlips(now = Date.now()): SlipFixture[] {
  return loadSlipManifest().flatMap((f) => {
    if (f.kind !== 'slip' || f.expected?.verdict !== 'valid' || f.amount === null || f.datetime === null) return [];
    const at = Date.parse(f.datetime);
    return at < now - 3_600_000 && at > now - 89 * 86_400_000 ? [{ file: f.file, amount: Math.round(f.amount * 100), datetime: f.datetime }] : [];
  });
}

export async function post(base: string, url: string, body: unknown) {
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DRILL_API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

export function appEnv(line: FakeLineApi, extra: Record<string, string>): Record<string, string> {
  return {
    API_TOKEN: DRILL_API_TOKEN,
    ADMIN_EMAIL: 'owner@drill.example.com',
    ADMIN_PASSWORD: 'a long drill password',
    SESSION_SECRET: 'drill-session-secret-0123456789-abcdefghij',
    SEED_DEMO: 'false',
    ...lineEnv(line),
    PUBLIC_URL: 'https://shop.example.com',
    PROMPTPAY_ID: '0812223333',
    // Orders backdated for their slips stay unreminded and unexpired while the drill runs.
    UNPAID_REMINDER_HOURS: '720',
    UNPAID_CANCEL_HOURS: '2160',
    ...extra,
  };
}

/** Customers for a chat load: most order, some then pay with a slip photo (one fixture each). */
export function makeLoad(random: Random, tag: string, count: number, slips: SlipFixture[], onSlip?: (cu: LoadCustomer) => () => Promise<void>): LoadCustomer[] {
  const customers: LoadCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const slip = slips[i];
    if (slip) {
      const cu = makeCustomer(random, `${tag}-slip-${i}`, 4, DRILL_PRODUCTS, 1);
      const sku = `SLIP-${slip.file.slice(0, 2)}`;
      const t0 = Date.now();
      const texts = [`${sku} x1`, cu.steps[1]!.text, cu.steps[2]!.text, cu.steps[3]!.text];
      const kinds = ['add', 'checkout', 'details', 'confirm'] as const;
      const load: LoadCustomer = {
        userId: cu.userId,
        confirms: true,
        slip,
        steps: texts.map((text, k) => ({ kind: kinds[k]!, event: lineTextEvent({ userId: cu.userId, text, timestamp: t0 + k }) })),
      };
      const image = lineImageEvent({ userId: cu.userId, timestamp: t0 + 10 });
      load.steps.push({ kind: 'image', event: image, before: onSlip?.(load) });
      customers.push(load);
      continue;
    }
    const cu = makeCustomer(random, `${tag}-${i}`, random.int(4, 7), DRILL_PRODUCTS, 0.85);
    customers.push({ userId: cu.userId, confirms: cu.confirms, steps: eventsOf(cu).map((event, k) => ({ kind: cu.steps[k]!.kind, event })) });
  }
  return customers;
}

/** The slip's image at the fake, and (when the drill can reach the database) the order backdated to just before the slip. */
export function slipPreparer(line: FakeLineApi, pool: () => pg.Pool | undefined) {
  return (cu: LoadCustomer) => async () => {
    const image = cu.steps.at(-1)!.event as { message: { id: string } };
    const bytes = readSlipFixture(cu.slip!);
    line.setContent(image.message.id, bytes, cu.slip!.file.endsWith('.png') ? 'image/png' : 'image/jpeg');
    const db = pool();
    if (!db) return;
    // The order is placed by the app when it processes the confirm; wait for it (bounded), then backdate it.
    const placedAt = new Date(Date.parse(cu.slip!.datetime) - 5 * 60_000);
    await waitFor(async () => {
      const r = await db
        .query(
          `update orders o set created_at = $2 from customer_identities ci
           where ci.customer_id = o.customer_id and ci.channel = 'line' and ci.external_id = $1 and o.status = 'pending_payment'
           returning o.id`,
          [cu.userId, placedAt],
        )
        .catch(() => ({ rowCount: 0 }));
      return (r.rowCount ?? 0) > 0;
    }, 900, 100);
  };
}

export function crashDrill(opts: DrillOptions) {
  return timed('crash', opts, async (c, numbers) => {
    const random = createRandom(opts.seed);
    const server = serverUrl();
    const line = await startFakeLineApi({ unknownProfiles: 'generate' });
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-drill-crash-'));
    const database = server ? await createServerDatabase(server, 'talad_drill_crash') : undefined;
    const pool = database ? new pg.Pool({ connectionString: database.url, max: 4 }) : undefined;
    pool?.on('error', () => undefined);
    const env = appEnv(line, { DATA_DIR: dataDir, ...(database ? { DATABASE_URL: database.url } : {}) });
    let app: RunningApp | undefined;
    const cleanup: (() => Promise<unknown>)[] = [];
    try {
      numbers.database = database ? 'server' : 'embedded';
      app = await startApp(env);
      for (const p of DRILL_PRODUCTS) {
        await post(app.base, '/api/v1/products', { sku: p.sku, name: p.nameTh, nameEn: p.nameEn, price: { amount: p.price, currency: 'THB' }, stock: { onHand: 1_000_000 } });
      }
      const slips = usableSlips().slice(0, opts.short ? 3 : 5);
      for (const s of slips) {
        await post(app.base, '/api/v1/products', { sku: `SLIP-${s.file.slice(0, 2)}`, name: `สินค้าสลิป ${s.file.slice(0, 2)}`, price: { amount: s.amount, currency: 'THB' }, stock: { onHand: 10 } });
      }
      if (slips.length === 0) c.note('no slip fixture dated in the last 89 days: no slips in this run');
      if (!pool) c.note('embedded database: slip orders are not backdated (the drill cannot reach the database while the app runs), so their slips go to review as too early');

      const customers = makeLoad(random, `crash-${opts.seed}`, opts.short ? 16 : 48, slips, slipPreparer(line, () => pool));
      const total = totalSteps(customers);
      numbers.customers = customers.length;
      numbers.events = total;
      numbers.slips = slips.length;
      const current = { base: app.base };
      const load = runLineLoad(customers, {
        base: () => current.base,
        secret: line.channelSecret,
        random,
        staggerMs: opts.short ? 4_000 : 12_000,
        pauseMs: [100, 600],
      });

      // Kill in the middle: once about 45% of the messages were acknowledged.
      const killAt = Math.round(total * 0.45);
      const reached = await waitFor(() => load.acked() >= killAt, 1200, 50);
      c.check(reached, `the load did not reach ${killAt} acknowledged events before the kill (got ${load.acked()})`);
      const before = pool ? await backlog(pool) : undefined;
      numbers['acked at kill'] = load.acked();
      if (before) {
        numbers['inbox pending at kill'] = before.inbox;
        numbers['outbox unsent at kill'] = before.outbox;
      }
      const killedAt = Date.now();
      const dbKilledAt = pool ? (await pool.query<{ now: Date }>('select now() as now')).rows[0]!.now : undefined;
      await killHard(app);
      const first = app;
      app = await startApp(env, first.port);
      current.base = app.base;
      numbers['down ms'] = Date.now() - killedAt;

      // A LINE push lease is 60 s: rows the killed process had claimed wait that long before another takes them.
      // The short drill lets that time pass at once (those rows only: nothing the new process claimed is touched).
      if (opts.short && pool && dbKilledAt) {
        const r = await pool.query(`update outbox set locked_until = now() where status = 'sending' and updated_at <= $1`, [dbKilledAt]);
        numbers['leases expired'] = r.rowCount ?? 0;
      }

      await load.done;
      const failedDuring = load.sent.filter((s) => s.refused.length > 0);
      numbers['webhooks redelivered'] = failedDuring.length;
      c.equal(load.sent.filter((s) => !s.acked).length, 0, 'webhooks never acknowledged (retried like LINE)');

      // Wait for the restarted app to catch up.
      const drainStart = Date.now();
      let drained = false;
      if (pool) {
        drained = await waitFor(async () => {
          const b = await backlog(pool);
          return b.inbox === 0 && b.outbox === 0;
        }, 1500, 100);
      } else {
        // Without the database: every acknowledged event has an answer at the fake (replies and pushes to the customer).
        drained = await waitFor(() => customers.every((cu) => answersTo(line, cu.userId) >= load.sent.filter((s) => s.userId === cu.userId && s.acked).length), 1500, 100);
        await sleep(1000);
      }
      numbers['drain s'] = Math.round((Date.now() - drainStart) / 100) / 10;
      c.check(drained, 'the restarted app did not drain its inbox and outbox');

      const exit = await stopApp(app);
      c.check(exit === 0, `exit code of the restarted app on SIGTERM: ${exit} (${errorLines(app.output()).at(-1) ?? 'no error logged'})`);
      const errors = [...errorLines(first.output()), ...errorLines(app.output())];
      numbers['error log lines'] = errors.length;
      if (errors.length > 0) c.note(`the app logged ${errors.length} error lines, e.g. ${[...new Set(errors)].slice(0, 3).join(' | ')}`);

      // Verify on the database itself (the embedded one is opened here once the app has closed it).
      let verifyPool = pool;
      if (!verifyPool) {
        const embedded = await createDatabase({ dataDir, logger: pino({ level: 'silent' }) });
        cleanup.push(() => embedded.close());
        verifyPool = embedded.pool;
      }
      await verifyLoad(c, numbers, verifyPool, line, customers, load.sent);
      const perCustomer = customers.flatMap((cu) => {
        const events = load.sent.filter((s) => s.userId === cu.userId && s.acked).length;
        const got = answersTo(line, cu.userId);
        return got > events ? [`${cu.userId.slice(0, 9)}… got ${got} answers for ${events} messages`] : [];
      });
      if (!pool) c.group('customers who got more answers than messages', perCustomer);
    } finally {
      for (const fn of cleanup) await fn().catch(() => undefined);
      if (app) await stopApp(app).catch(() => undefined);
      await pool?.end().catch(() => undefined);
      await database?.drop().catch(() => undefined);
      await line.close();
      await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    }
  });
}
