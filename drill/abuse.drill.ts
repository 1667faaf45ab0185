/**
 * Drill 7 — abuse (issue 23). Anonymous web-chat visitors upload noise, very tall and very large
 * images while LINE customers chat and the back office is used; half the visitors first place an
 * order, so their photos are read as slips (image threads, OCR) and the rest are only checked and
 * kept. The app runs as a child process (as in the crash drill: node --import tsx src/main.ts), behind
 * a trusted proxy address so each visitor comes from an address of its own, and everything reaches it
 * over HTTP: the figures are the app's, not shared with this load generator's event loop. The app must keep answering: /healthz 200
 * throughout (checked); webhook acknowledgements p99 under 200 ms and the order list p95 under 500 ms
 * are the targets (checked in the full form, reported as notes in the short form, whose machines are
 * noisy CI runners). Then a 20 MB XLSX zip bomb and a 9-million-row CSV are given to the import
 * reader: both refused in seconds, the process's memory growing less than 100 MB (checked).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import sharp from 'sharp';
import { readTable } from '#src/modules/imports/table.ts';
import { lineTextEvent, lineUserId, lineWebhookRequest, startFakeLineApi } from '#tests/fakes/line-api.ts';
import { signInOverHttp } from '#tests/helpers/admin.ts';
import { startApp, stopApp, errorLines } from './lib/child.ts';
import { answersTo } from './lib/verify.ts';
import { apiAuth, createRandom, createServerDatabase, pool, serverUrl, sleep, timed, waitFor, type DrillOptions } from './lib/common.ts';
import { appEnv, post } from './crash.drill.ts';

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const round = (ms: number) => Math.round(ms);

/** The images an attacker sends: random noise (no QR, nothing to read), a very tall strip, a very large photo. */
async function attackImages(short: boolean): Promise<{ name: string; bytes: Buffer }[]> {
  const noise = (w: number, h: number) => {
    const raw = Buffer.alloc(w * h * 3);
    for (let i = 0; i < raw.length; i += 4096) raw.writeUInt32LE((Math.random() * 0xffffffff) >>> 0, Math.min(i, raw.length - 4));
    for (let i = 0; i < raw.length; i++) raw[i] = (raw[i]! ^ (i * 2654435761)) & 0xff;
    return sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  };
  return [
    { name: 'noise', bytes: await noise(900, 1600).png({ compressionLevel: 1 }).toBuffer() },
    { name: 'tall', bytes: await noise(240, 2400).png({ compressionLevel: 1 }).toBuffer() },
    { name: 'strip', bytes: await sharp({ create: { width: 240, height: 104_000, channels: 3, background: '#808080' } }).png().toBuffer() },
    { name: 'large', bytes: await noise(short ? 3000 : 4000, short ? 4000 : 5000).jpeg({ quality: 70 }).toBuffer() },
  ];
}

/** The cookies a response sets, as one Cookie header (name=value pairs only). */
function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

/** Each visitor's web-chat session: its address (through the trusted proxy), cookie and CSRF token. */
interface Visitor {
  headers: Record<string, string>;
}

async function openChat(base: string, ip: string): Promise<Visitor> {
  const page = await fetch(`${base}/chat`, { headers: { 'x-forwarded-for': ip } });
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(await page.text())?.[1] ?? '';
  return { headers: { 'x-forwarded-for': ip, cookie: cookiesOf(page), 'x-csrf-token': csrf } };
}

/** True once the bot has answered the visitor's last message: its events are processed in order. */
async function answeredLast(base: string, visitor: Visitor): Promise<boolean> {
  const res = await fetch(`${base}/chat/api/messages`, { headers: visitor.headers });
  if (!res.ok) return false;
  const { messages } = (await res.json()) as { messages: { from: string }[] };
  return messages.length > 0 && messages.at(-1)!.from !== 'me';
}

/**
 * Each request's time inside the app (Fastify's responseTime, from its request log) by path: what
 * the app itself took, without the time this load generator, sharing the machine's cores, took to
 * send the request and to see the answer. Both are reported; the targets are the app's.
 */
function appTimes(log: string): Map<string, number[]> {
  const paths = new Map<string, string>();
  const times = new Map<string, number[]>();
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { reqId?: string; req?: { url?: string }; responseTime?: number };
    if (!entry.reqId) continue;
    if (entry.req?.url) paths.set(entry.reqId, entry.req.url.split('?')[0]!);
    else if (entry.responseTime !== undefined) {
      const at = paths.get(entry.reqId) ?? '?';
      times.set(at, [...(times.get(at) ?? []), entry.responseTime]);
    }
  }
  return times;
}

function xlsxBomb(): Buffer {
  const block = deflateRawSync(Buffer.alloc(1024 * 1024, 0x20), { finishFlush: constants.Z_FULL_FLUSH });
  const n = Math.floor((19 * 1024 * 1024) / block.length);
  const data = Buffer.concat([...Array.from({ length: n }, () => block), Buffer.from([0x03, 0x00])]);
  const name = Buffer.from('xl/worksheets/sheet1.xml');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

async function refusedQuickly(file: Buffer): Promise<{ refused: boolean; ms: number; rssMb: number; reason: string }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  let reason = 'read';
  let refused = false;
  try {
    await readTable(file);
  } catch (err) {
    refused = true;
    reason = String((err as { details?: { reason?: string } }).details?.reason ?? (err as Error).message);
  }
  clearInterval(timer);
  return { refused, ms: performance.now() - started, rssMb: (Math.max(peak, process.memoryUsage().rss) - before) / 1024 / 1024, reason };
}

export function abuseDrill(opts: DrillOptions) {
  return timed('abuse', opts, async (c, numbers) => {
    const random = createRandom(opts.seed);
    const visitors = opts.short ? 8 : 20;
    const customers = opts.short ? 20 : 50;
    const line = await startFakeLineApi({ unknownProfiles: 'generate' });
    const server = serverUrl();
    const database = server ? await createServerDatabase(server, 'talad_drill_abuse') : undefined;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'talad-drill-abuse-'));
    const env = appEnv(line, {
      DATA_DIR: dataDir,
      ...(database ? { DATABASE_URL: database.url } : {}),
      // The drill stands in for the HTTPS proxy: each visitor's address comes in X-Forwarded-For.
      TRUST_PROXY: '127.0.0.1',
      // Its request log gives each request's own time (see appTimes).
      LOG_LEVEL: 'info',
    });
    let app: Awaited<ReturnType<typeof startApp>> | undefined;
    try {
      app = await startApp(env, undefined, { logFile: path.join(dataDir, 'app.log') });
      const base = app.base;
      await post(base, '/api/v1/products', { sku: 'ABU-1', name: 'ชาไทยปรุงสำเร็จ', nameEn: 'Thai tea', price: { amount: 6_500, currency: 'THB' }, stock: { onHand: 100_000 } });
      const owner = await signInOverHttp(base, env.ADMIN_EMAIL!, env.ADMIN_PASSWORD!);
      const images = await attackImages(opts.short);
      numbers.images = images.map((i) => `${i.name} ${Math.round(i.bytes.length / 1024)} KB`).join(', ');

      // Warm, as a shop's running app is: the first order list, webhook and chat page load their code
      // (through tsx here) and templates; that is not what the storm measures.
      await (await fetch(`${base}/admin/orders`, { headers: { cookie: owner } })).arrayBuffer();
      const warm = lineWebhookRequest([lineTextEvent({ userId: lineUserId(`abuse-${opts.seed}-warm`), text: 'สวัสดีค่ะ' })], line.channelSecret);
      await (await fetch(`${base}/webhooks/line`, { method: 'POST', body: warm.body, headers: warm.headers })).arrayBuffer();
      await answeredLast(base, await openChat(base, '198.51.100.1'));
      const warmLog = app.output().length;

      let running = true;
      const health: number[] = [];
      const acks: number[] = [];
      const pages: number[] = [];
      const uploads = new Map<number, number>();
      const opened: Visitor[] = [];
      let ordering = 0;

      const healthLoop = (async () => {
        while (running) {
          const res = await fetch(`${base}/healthz`).then((r) => r.status, () => 0);
          health.push(res);
          await sleep(200);
        }
      })();
      const adminLoop = (async () => {
        while (running) {
          const started = performance.now();
          const res = await fetch(`${base}/admin/orders`, { headers: { cookie: owner } });
          await res.arrayBuffer();
          pages.push(performance.now() - started);
          c.check(res.status === 200, `the order list answered ${res.status}`);
          await sleep(250);
        }
      })();

      const attack = pool(
        Array.from({ length: visitors }, (_, i) => i),
        visitors,
        async (v) => {
          const visitor = await openChat(base, `203.0.113.${v + 1}`);
          opened.push(visitor);
          // Half of them order first: their photos then await payment and are read as slips.
          if (v % 2 === 0) {
            const address = `ผู้มาเยือน ${v}\n08${String(10_000_000 + v).slice(-8)}\n${v + 1}/${v + 7} ถนนสุขุมวิท แขวงคลองเตย กรุงเทพฯ 10110`;
            for (const text of ['ABU-1 x1', 'checkout', address, 'confirm']) {
              const res = await fetch(`${base}/chat/api/messages`, {
                method: 'POST',
                headers: { ...visitor.headers, 'content-type': 'application/json' },
                body: JSON.stringify({ id: crypto.randomUUID(), text }),
              });
              await res.arrayBuffer();
              c.check(res.status === 202, `a web-chat message answered ${res.status}`);
            }
            ordering++;
          }
          for (const image of images) {
            const form = new FormData();
            form.set('id', crypto.randomUUID());
            form.set('image', new Blob([new Uint8Array(image.bytes)]), 'x.png');
            const res = await fetch(`${base}/chat/api/images`, { method: 'POST', headers: visitor.headers, body: form });
            await res.arrayBuffer();
            uploads.set(res.status, (uploads.get(res.status) ?? 0) + 1);
          }
        },
      );
      const chat = pool(
        Array.from({ length: customers }, (_, i) => i),
        8,
        async (k) => {
          const userId = lineUserId(`abuse-${opts.seed}-${k}`);
          for (const text of ['สวัสดีค่ะ', 'เมนู', `ABU-1 x${random.int(1, 3)}`, 'ตะกร้า']) {
            const { body, headers } = lineWebhookRequest([lineTextEvent({ userId, text })], line.channelSecret);
            const started = performance.now();
            const res = await fetch(`${base}/webhooks/line`, { method: 'POST', body, headers });
            await res.arrayBuffer();
            acks.push(performance.now() - started);
            c.check(res.status === 200, `a signed LINE webhook answered ${res.status}`);
            await sleep(random.int(20, 120));
          }
        },
      );
      await Promise.all([attack, chat]);
      // Keep watching while the queued work (chat answers, image reading) runs: every LINE message
      // answered, every visitor's last message (its last photo) answered by the bot.
      const lineUsers = Array.from({ length: customers }, (_, k) => lineUserId(`abuse-${opts.seed}-${k}`));
      const caughtUp = await waitFor(
        async () => lineUsers.every((u) => answersTo(line, u) >= 4) && (await Promise.all(opened.map((v) => answeredLast(base, v)))).every(Boolean),
        3000,
        200,
      );
      c.check(caughtUp, 'the app did not answer every LINE message and every visitor within ten minutes');
      running = false;
      await Promise.all([healthLoop, adminLoop]);

      const bad = health.filter((s) => s !== 200).length;
      c.check(bad === 0, `/healthz answered other than 200 ${bad} times of ${health.length}`);
      const served = appTimes(app.output().slice(warmLog));
      const appAcks = served.get('/webhooks/line') ?? [];
      const appPages = served.get('/admin/orders') ?? [];
      c.equal(appAcks.length, acks.length, 'webhooks in the app\'s request log');
      const ackP99 = percentile(appAcks, 99);
      const pageP95 = percentile(appPages, 95);
      // Wall-clock targets: checked in the full form, reported in the short one.
      const target = (ok: boolean, line: string) => {
        if (!opts.short) c.check(ok, line);
        else if (!ok) c.note(`target missed: ${line}`);
      };
      target(ackP99 < 200, `webhook acknowledgement p99 ${round(ackP99)} ms in the app (target under 200)`);
      target(pageP95 < 500, `order list p95 ${round(pageP95)} ms in the app (target under 500)`);
      numbers['healthz'] = `${health.length - bad}/${health.length} ok`;
      numbers['ack p50/p99, app'] = `${round(percentile(appAcks, 50))}/${round(ackP99)} ms`;
      numbers['ack p50/p99, seen by the load generator'] = `${round(percentile(acks, 50))}/${round(percentile(acks, 99))} ms`;
      numbers['order list p50/p95, app'] = `${round(percentile(appPages, 50))}/${round(pageP95)} ms`;
      numbers['order list p50/p95, seen by the load generator'] = `${round(percentile(pages, 50))}/${round(percentile(pages, 95))} ms`;
      numbers.uploads = JSON.stringify(Object.fromEntries(uploads));
      // Noise is read (image threads, OCR) but is no slip, so nothing is recorded for it: the orders show the reads were due.
      const placed = (await (await fetch(`${base}/api/v1/orders?channel=webchat&limit=200`, { headers: apiAuth })).json()) as { items: unknown[] };
      numbers['visitors ordering / web-chat orders awaiting payment'] = `${ordering} / ${placed.items.length}`;
      const errors = errorLines(app.output());
      c.group('error lines in the app\'s log', errors);

      // Imports that would freeze the app.
      const bomb = await refusedQuickly(xlsxBomb());
      c.check(bomb.refused, 'the 20 MB XLSX bomb was read instead of refused');
      c.check(bomb.ms < 10_000, `the XLSX bomb took ${round(bomb.ms)} ms to refuse`);
      c.check(bomb.rssMb < 100, `the XLSX bomb grew memory by ${Math.round(bomb.rssMb)} MB`);
      const rows = await refusedQuickly(Buffer.from(`sku\n${'a\n'.repeat(9_000_000)}`));
      c.check(rows.refused, 'the 9-million-row CSV was read instead of refused');
      c.check(rows.ms < 10_000, `the 9-million-row CSV took ${round(rows.ms)} ms to refuse`);
      c.check(rows.rssMb < 100, `the 9-million-row CSV grew memory by ${Math.round(rows.rssMb)} MB`);
      numbers['xlsx bomb'] = `${bomb.reason} in ${round(bomb.ms)} ms, +${Math.round(bomb.rssMb)} MB`;
      numbers['9M-row csv'] = `${rows.reason} in ${round(rows.ms)} ms, +${Math.round(rows.rssMb)} MB`;
    } finally {
      if (app) await stopApp(app);
      await line.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
