/**
 * Drill 5 — bad input (fast-check). Random and mutated input everywhere a stranger can reach:
 * the chat text parsers, the slip image guard and reader, LINE webhooks (signed and not), Telegram
 * webhooks (with and without the secret), the web chat and the JSON API. Nothing may throw or crash;
 * a client error is a 4xx or a polite chat answer, never a 500 and never an exception in the engine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { indexCatalog, parseAddress, understand, type Interpretation, type Step } from '#bots/engine/understanding/index.ts';
import { withTransaction } from '#src/db/client.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { inspectImage } from '#src/lib/image-guard.ts';
import { createSlipReader } from '#src/modules/payments/slips/index.ts';
import { ImageRejectedError } from '#src/lib/image-guard.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { makeProduct, orderInput } from '#tests/helpers/factories.ts';
import {
  lineFollowEvent,
  lineImageEvent,
  linePostbackEvent,
  lineStickerEvent,
  lineTextEvent,
  lineUnfollowEvent,
  lineUserId,
  lineWebhookBody,
  signLineBody,
  startFakeLineApi,
} from '#tests/fakes/line-api.ts';
import { startFakeTelegramApi, tgCallbackUpdate, tgPhotoUpdate, tgStartUpdate, tgTextUpdate } from '#tests/fakes/telegram-api.ts';
import { facebookWebhookBody, fbImage, fbPostback, fbQuickReply, fbSticker, fbText, psid, signFacebookBody, startFakeGraphApi } from '#tests/fakes/graph-api.ts';
import { apiAuth, buildDrillApp, createRandom, timed, waitFor, type Checks, type DrillOptions, type DrillResult } from './lib/common.ts';
import { DRILL_PRODUCTS } from './lib/conversation.ts';
import { mutate, mutation, NASTY_STRINGS, nastyString, show } from './lib/fuzz-values.ts';
import { facebookEnv, lineEnv } from '../tests/helpers/chat.ts';

const fixtures = path.resolve(import.meta.dirname, '../tests/fixtures/slips');
const TG_SECRET = 'fuzz-telegram-secret-0123456789abcdef';

const STEPS: Step[] = ['browse', 'address', 'summary', 'return'];

/** Pieces of what customers really type, so random text also reaches the parsers' deeper branches. */
const VOCABULARY = [
  'DRL-COF', 'drl-tea', 'x', '×', '*', ' ', '  ', '\n', ',', ';', '2', '12', '9999', '10000', '99999999999', '0', '-3',
  'กาแฟ', 'ชาเขียวมัทฉะ', 'ขนมเปี๊ยะ', 'Dark roast drip coffee', 'ชิ้น', 'ถุง', 'pcs', '•', '-',
  'โทร', 'tel', 'เบอร์', '081-234-5678', '+66 81 234 5678', '0812345678', '02-123-4567', 'ชื่อ', 'ที่อยู่', 'name:', '10110',
  'menu', 'เมนู', 'menu c', 'menu p', 'c1', 'p2', 'c99999999999', 'p99999999999', 'cancel', 'ยกเลิก', 'TL-10001', '#10001',
  'lang', 'ภาษา', 'en', 'th', 'ยืนยัน', 'confirm', 'checkout', 'remove', 'ลบ', 'clear cart', 'reorder',
  '\u200B', '\u0E4D', '\u0E32', '\u0E48', '🙂', '\u0000', '\uD800', '<b>', "'",
];

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: nastyString },
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 24 }).map((a) => a.join('')) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 12 }).map((a) => a.join(' ')) },
);

interface Failure {
  what: string;
  input: string;
  size: number;
}

/** Groups failures by what went wrong, keeping the smallest input of each group. */
class Findings {
  private groups = new Map<string, Failure & { count: number }>();
  add(what: string, input: unknown) {
    const shown = show(input, 300);
    const size = typeof input === 'string' ? input.length : shown.length;
    const g = this.groups.get(what);
    if (!g) this.groups.set(what, { what, input: shown, size, count: 1 });
    else {
      g.count++;
      if (size < g.size) Object.assign(g, { input: shown, size });
    }
  }
  get count() {
    return [...this.groups.values()].reduce((n, g) => n + g.count, 0);
  }
  report(c: Checks, title: string) {
    for (const g of this.groups.values()) c.failures.push(`${title}: ${g.what} (${g.count}×), e.g. ${g.input}`);
  }
}

// ---- 1. chat text parsers ---------------------------------------------------------------------

function fuzzParsers(c: Checks, numbers: DrillResult['numbers'], runs: number, seed: number) {
  const catalog = indexCatalog(DRILL_PRODUCTS.map((p) => ({ ...p, options: {} })));
  const skus = new Set(DRILL_PRODUCTS.map((p) => p.sku));
  let slowest = 0;
  let slowestInput = '';
  const timedCall = <T>(input: string, fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    const ms = performance.now() - t0;
    if (ms > slowest) [slowest, slowestInput] = [ms, input];
    return out;
  };
  const problems: string[] = [];
  const readAll = (s: string): Interpretation[] => STEPS.map((step) => timedCall(s, () => understand(s, { step, catalog })));
  // Never throws, whatever is typed, at any step.
  const noThrow = fc.property(text, (s) => {
    readAll(s);
    timedCall(s, () => parseAddress(s));
  });
  // What comes out is something the engine can use.
  const sane = fc.property(text, (s) => {
    for (const meant of readAll(s)) {
      if (meant.intent === 'menu' && meant.page !== undefined && !(Number.isSafeInteger(meant.page) && meant.page >= 1)) throw new Error(`menu page ${meant.page}`);
      if (meant.intent === 'menu' && meant.category !== undefined && !(Number.isSafeInteger(meant.category) && meant.category <= 2 ** 31 - 1)) {
        throw new Error(`menu category id ${meant.category} is not a possible database id (integer column)`);
      }
      for (const item of meant.intent === 'add' ? meant.items : []) {
        if (!Number.isInteger(item.qty) || item.qty < 0 || item.qty > 9999) throw new Error(`qty ${item.qty}`);
        if (!skus.has(item.sku)) throw new Error(`unknown sku ${item.sku}`);
      }
    }
    const details = parseAddress(s);
    if (details.phone !== undefined && !/^0\d{8,9}$/.test(details.phone)) throw new Error(`phone ${details.phone}`);
    if (details.postcode !== undefined && !/^\d{5}$/.test(details.postcode)) throw new Error(`postcode ${details.postcode}`);
  });
  let inputs = 0;
  for (const [name, property] of [['throws', noThrow], ['gives unusable output', sane]] as const) {
    const result = fc.check(property, { numRuns: runs, seed });
    inputs += result.numRuns;
    if (result.failed) {
      problems.push(`${name} on ${show((result.counterexample as unknown[] | null)?.[0])} → ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`);
    }
  }
  numbers['parser inputs'] = inputs;
  // The longest inputs customers can send (LINE allows 5,000 characters), built to make regexes backtrack.
  for (const s of [' '.repeat(5000) + 'x', `${'a '.repeat(2500)}x1`, `${'1'.repeat(4999)}x`, `${'ก '.repeat(2500)}`, `${'0 '.repeat(2500)}`, `${'x'.repeat(2500)}*${'1'.repeat(2500)}`, `menu ${'c1 '.repeat(1600)}`]) {
    readAll(s);
    timedCall(s, () => parseAddress(s));
  }
  numbers['slowest parse ms'] = Math.round(slowest * 10) / 10;
  if (slowest > 200) c.note(`the slowest parse took ${Math.round(slowest)} ms, on ${show(slowestInput, 80)}`);
  c.group('chat text parser', problems);
}

// ---- 2. slip image guard and reader -----------------------------------------------------------

function fixtureImages(): { name: string; bytes: Buffer }[] {
  if (!existsSync(fixtures)) return [];
  return readdirSync(fixtures)
    .filter((f) => /\.(jpe?g|png)$/.test(f))
    .map((name) => ({ name, bytes: readFileSync(path.join(fixtures, name)) }));
}

type ImageInput = { kind: 'random' | 'magic' | 'truncated' | 'flipped'; name: string; bytes: Buffer };

function imageArbitrary(images: { name: string; bytes: Buffer }[]): fc.Arbitrary<ImageInput> {
  const magic = [
    [0xff, 0xd8, 0xff],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
    [0x47, 0x49, 0x46, 0x38],
    [0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63],
  ];
  const arbs: fc.Arbitrary<ImageInput>[] = [
    fc.uint8Array({ maxLength: 2048 }).map((b) => ({ kind: 'random' as const, name: 'random bytes', bytes: Buffer.from(b) })),
    fc.record({ m: fc.constantFrom(...magic), tail: fc.uint8Array({ maxLength: 1024 }) }).map(({ m, tail }) => ({ kind: 'magic' as const, name: `magic ${m.slice(0, 3).join(',')}`, bytes: Buffer.concat([Buffer.from(m), Buffer.from(tail)]) })),
  ];
  if (images.length > 0) {
    const ok = images.filter((i) => !/neg_(oversized|text_as|corrupt)/.test(i.name));
    arbs.push(
      fc.record({ i: fc.constantFrom(...ok), f: fc.noBias(fc.integer({ min: 0, max: 900 })).map((x) => x / 1000) }).map(({ i, f }) => ({ kind: 'truncated' as const, name: `${i.name} cut at ${Math.round(f * 100)}%`, bytes: i.bytes.subarray(0, Math.floor(i.bytes.length * f)) })),
      fc
        .record({ i: fc.constantFrom(...ok), flips: fc.array(fc.record({ at: fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((x) => x / 1_000_000), v: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 12 }) })
        .map(({ i, flips }) => {
          const bytes = Buffer.from(i.bytes);
          for (const f of flips) bytes[Math.floor(f.at * bytes.length)] = f.v;
          return { kind: 'flipped' as const, name: `${i.name} with ${flips.length} bytes changed`, bytes };
        }),
    );
  }
  return fc.oneof(...arbs);
}

async function fuzzImages(c: Checks, numbers: DrillResult['numbers'], runs: number, reads: number, seed: number) {
  const images = fixtureImages();
  if (images.length === 0) c.note('no slip fixtures found: images are random bytes only');
  const arb = imageArbitrary(images);
  const accepted = new Map<string, number>();
  const problems: string[] = [];
  const property = fc.asyncProperty(arb, async (input) => {
    let r;
    try {
      r = await inspectImage(input.bytes);
    } catch (err) {
      throw new Error(`inspectImage threw on ${input.name}: ${(err as Error).message}`);
    }
    accepted.set(input.kind, (accepted.get(input.kind) ?? 0) + (r.ok ? 1 : 0));
    if (r.ok && (!['jpeg', 'png', 'webp'].includes(r.format) || !(r.width > 0 && r.height > 0))) throw new Error(`accepted ${input.name} as ${JSON.stringify(r)}`);
    if (r.ok && input.kind === 'truncated') throw new Error(`accepted a truncated image: ${input.name}`);
    if (r.ok && (input.kind === 'random' || input.kind === 'magic')) throw new Error(`accepted random bytes as an image: ${input.name}`);
  });
  const result = await fc.check(property, { numRuns: runs, seed });
  numbers['image inputs'] = result.numRuns;
  numbers['damaged images accepted by the guard'] = accepted.get('flipped') ?? 0;
  if (result.failed) problems.push(result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance));
  c.group('slip image guard', problems);

  // The reader (OCR + QR) on damaged images, the guard's survivors included: it must answer or refuse, never hang or crash.
  const reader = createSlipReader({ workers: 1 });
  const outcomes = { read: 0, refused: 0, other: 0 };
  const others: string[] = [];
  try {
    const inputs = fc.sample(arb, { numRuns: reads * 4, seed: seed + 1 });
    // Mostly the ones the guard lets through: those reach tesseract and jsQR.
    const picked = [...inputs.filter((i) => i.kind === 'flipped').slice(0, Math.ceil(reads / 2)), ...inputs.filter((i) => i.kind !== 'flipped')].slice(0, reads);
    for (const input of picked) {
      try {
        await reader.read(input.bytes);
        outcomes.read++;
      } catch (err) {
        if (err instanceof ImageRejectedError) outcomes.refused++;
        else {
          outcomes.other++;
          others.push(`${input.name}: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await reader.close();
  }
  numbers['slip reads (read/refused/error)'] = `${outcomes.read}/${outcomes.refused}/${outcomes.other}`;
  // An error other than a refusal is caught by the chat (a polite "cannot open this picture"), so it is noted, not failed.
  if (others.length > 0) c.note(`the slip reader threw (not a refusal) on ${others.length} damaged image(s): ${others.slice(0, 2).join('; ')}; the chat answers these with CORRUPT_IMAGE`);
}

// ---- 3. the app: webhooks, web chat, JSON API ------------------------------------------------

export function fuzzDrill(opts: DrillOptions) {
  return timed('fuzz', opts, async (c, numbers) => {
    const n = (short: number, full: number) => (opts.short ? short : full);
    let mark = performance.now();
    const lap = (what: string) => {
      opts.log(`fuzz: ${what} in ${((performance.now() - mark) / 1000).toFixed(1)} s`);
      mark = performance.now();
    };
    fuzzParsers(c, numbers, n(2000, 30_000), opts.seed);
    lap('chat text parsers');
    await fuzzImages(c, numbers, n(100, 800), n(3, 12), opts.seed);
    lap('slip image guard and reader');

    const line = await startFakeLineApi({ unknownProfiles: 'generate' });
    const tg = await startFakeTelegramApi();
    const graph = await startFakeGraphApi();
    const t = await buildDrillApp({
      ...facebookEnv(graph),
      ...lineEnv(line),
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      TELEGRAM_API_ROOT: tg.apiRoot,
      PUBLIC_URL: 'https://shop.example.com',
      PROMPTPAY_ID: '0812223333',
    });
    const random = createRandom(opts.seed);
    const found = new Findings();
    const shapeless = new Set<string>();
    const statuses = new Map<string, Map<number, number>>();
    try {
      const db = t.database.db;
      for (const p of DRILL_PRODUCTS) await makeProduct(db, { ...p, stock: { MAIN: 1000 } });
      // Customers with an unpaid order, so that their photos are taken as slips and checked.
      const lineUsers = Array.from({ length: 10 }, (_, i) => lineUserId(`fuzz-${opts.seed}-${i}`));
      // Many chats: Telegram's one-message-a-second per chat limit would otherwise pace the answers.
      const tgChats = Array.from({ length: 16 }, (_, i) => 720_001 + i);
      const fbPeople = Array.from({ length: 8 }, (_, i) => psid(`fuzz-fb-${opts.seed}-${i}`));
      for (const [channel, id] of [['line', lineUsers[0]!], ['telegram', String(tgChats[0])], ['facebook', fbPeople[0]!]] as const) {
        const { customer } = await withTransaction(db, (tx) => ensureChatIdentity(tx, { channel, externalId: id, language: 'th' }));
        await placeOrder(db, { ...orderInput(customer, [{ sku: 'DRL-COF', qty: 1 }]), channel });
      }

      /**
       * One request; a 5xx is a finding, grouped by what the app logged. After every request a canary
       * (/healthz, one `select 1`) shows whether it left the database connection broken for the next
       * ones: the embedded database has a single connection, a real server does not show this.
       */
      const hit = async (target: string, input: unknown, req: InjectOptions, ok: (status: number) => boolean) => {
        const logsBefore = t.logs.lines.length;
        let res: LightMyRequestResponse;
        try {
          res = await t.app.inject(req);
        } catch (err) {
          found.add(`${target}: inject threw ${(err as Error).message}`, input);
          return undefined;
        }
        const byStatus = statuses.get(target) ?? new Map<number, number>();
        byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
        statuses.set(target, byStatus);
        if (!ok(res.statusCode)) {
          // The request's own error line (background work logs without a reqId).
          const logged = t.logs.lines.slice(logsBefore).find((l) => l.level >= 50 && l.reqId);
          found.add(`${target} → ${res.statusCode}${logged ? ` (${whatFailed(logged.err?.message ?? logged.msg)})` : ''}`, input);
        } else if (res.statusCode >= 400 && target.startsWith('api')) {
          const body = safeJson(res.body) as { error?: { code?: unknown; message?: unknown } } | undefined;
          if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') shapeless.add(`${target} → ${res.statusCode}`);
        }
        const canary = await t.app.inject({ method: 'GET', url: '/healthz' });
        if (canary.statusCode !== 200) {
          found.add(`${target} → ${res.statusCode} left the database connection broken: the next query failed (/healthz ${canary.statusCode})`, input);
          await waitFor(async () => (await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode === 200, 20, 50);
        }
        return res;
      };

      // -- Known edges first: values the zod schemas let through to the database.
      const edge = async (target: string, url: string, payload: unknown, method: 'POST' | 'GET' = 'POST') =>
        hit(`edge ${target}`, payload ?? url, { method, url, ...(method === 'POST' ? { payload: JSON.stringify(payload) } : {}), headers: { ...apiAuth, 'content-type': 'application/json' } }, (st) => st < 500);
      const product = (sku: string, extra: Record<string, unknown>) => ({ sku, name: 'ขอบ', price: { amount: 1000, currency: 'THB' }, ...extra });
      await edge('POST /api/v1/products (NUL in name)', '/api/v1/products', product(`EDGE-${opts.seed}-1`, { name: 'a\u0000b' }));
      await edge('POST /api/v1/products (opening stock 2^31)', '/api/v1/products', product(`EDGE-${opts.seed}-2`, { stock: { onHand: 2 ** 31 } }));
      await edge('POST /api/v1/stock/adjustments (delta 2^31 - 1)', '/api/v1/stock/adjustments', { sku: 'DRL-TEA', delta: 2 ** 31 - 1, reason: 'receive' });
      await edge('POST /api/v1/orders (NUL in the address)', '/api/v1/orders', { ...validOrderBody(), shippingAddress: { ...validOrderBody().shippingAddress, address: '12 ถนน\u0000สุขุมวิท กรุงเทพฯ' } });
      await edge('GET /api/v1/orders?q=%00', '/api/v1/orders?q=%00', undefined, 'GET');
      await edge('GET /api/v1/stock?sku=%00', '/api/v1/stock?sku=%00', undefined, 'GET');
      await edge('GET /api/v1/orders/:number (NUL in the path)', '/api/v1/orders/TL-1%0042', undefined, 'GET');
      await edge('POST /api/v1/orders/:number/shipments (NUL in the path)', '/api/v1/orders/TL-1%0042/shipments', { carrier: 'Kerry', trackingNumber: 'KEX0001' });
      await edge('POST /api/v1/orders/:number/transitions (NUL in the note)', '/api/v1/orders/TL-10001/transitions', { to: 'cancelled', note: 'x\u0000' });
      const { loginForm, formBody } = await import('#tests/helpers/admin.ts');
      const login = await loginForm(t.app);
      await hit('edge POST /admin/login (NUL in the e-mail)', 'a\u0000@example.com', { method: 'POST', url: '/admin/login', headers: { cookie: login.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: formBody({ _csrf: login.token, email: 'a\u0000@example.com', password: 'whatever-password', next: '/admin' }) }, (st) => st < 500);

      // -- LINE: signed bodies, random and mutated; unsigned and forged ones.
      const lineEvent = fc.oneof(
        { weight: 4, arbitrary: fc.record({ u: fc.constantFrom(...lineUsers), s: text }).map(({ u, s }) => lineTextEvent({ userId: u, text: s })) },
        { weight: 1, arbitrary: fc.constantFrom(...lineUsers).map((u) => lineImageEvent({ userId: u })) },
        { weight: 1, arbitrary: fc.record({ u: fc.constantFrom(...lineUsers), s: text }).map(({ u, s }) => linePostbackEvent({ userId: u, data: s })) },
        { weight: 1, arbitrary: fc.constantFrom(...lineUsers).map((u) => lineStickerEvent({ userId: u })) },
        { weight: 1, arbitrary: fc.constantFrom(...lineUsers).map((u) => lineFollowEvent({ userId: u })) },
        { weight: 1, arbitrary: fc.constantFrom(...lineUsers).map((u) => lineUnfollowEvent({ userId: u })) },
        {
          weight: 1,
          arbitrary: fc.record({ u: fc.constantFrom(...lineUsers), type: fc.constantFrom('video', 'audio', 'file', 'location'), address: nastyString }).map(({ u, type, address }) => {
            const base = lineTextEvent({ userId: u, text: '' });
            return { ...base, message: { id: base.message.id, type, address } } as unknown as ReturnType<typeof lineTextEvent>;
          }),
        },
      );
      const lineBody = fc.oneof(
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
        { weight: 1, arbitrary: nastyString },
        { weight: 3, arbitrary: fc.array(lineEvent, { minLength: 0, maxLength: 3 }).map((events) => JSON.stringify(lineWebhookBody(events))) },
        { weight: 5, arbitrary: fc.record({ events: fc.array(lineEvent, { minLength: 1, maxLength: 3 }), m: mutation }).map(({ events, m }) => JSON.stringify(mutate(lineWebhookBody(events), m.seed, m.values)) ?? 'null') },
      );
      // Texts that reach the engine's edges (a huge category or page number, an order number out of range), sent as they are.
      const edgeTexts = ['menu c99999999999', 'menu p99999999999999999999', 'menu c1 p2 กาแฟ', 'cancel 999999999', 'ยกเลิก TL-99999', 'remove \u0000', 'DRL-COF x0', 'DRL-COF x9999', 'lang en', 'lang th', ...NASTY_STRINGS];
      const edgeBodies = edgeTexts.map((s) => JSON.stringify(lineWebhookBody([lineTextEvent({ userId: lineUsers[1]!, text: s })])));
      lap('app start and edge values');
      const lineBodies = [...edgeBodies, ...fc.sample(lineBody, { numRuns: n(120, 1000), seed: opts.seed + 2 })];
      for (const body of lineBodies) {
        // Photos: random bytes, or nothing at all (LINE answers 404 for the content).
        for (const id of body.match(/"id":"(\d{18,})"/g) ?? []) {
          if (random.chance(0.7)) line.setContent(id.slice(6, -1), Buffer.from(Array.from({ length: random.int(0, 3000) }, () => random.int(0, 255))));
        }
        const headers = { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, line.channelSecret) };
        await hit('LINE webhook (signed)', body, { method: 'POST', url: '/webhooks/line', payload: body, headers }, (s) => s === 200 || (s >= 400 && s < 500));
        if (random.chance(0.25)) {
          const forged = random.chance(0.5) ? signLineBody(body, 'not-the-secret') : random.chance(0.5) ? '' : Buffer.from(body.slice(0, 32)).toString('base64');
          await hit('LINE webhook (forged)', body, { method: 'POST', url: '/webhooks/line', payload: body, headers: { ...headers, 'x-line-signature': forged }, remoteAddress: `10.9.${random.int(0, 255)}.${random.int(1, 254)}` }, (s) => s === 401);
        }
      }

      // -- Telegram: with the secret (random and mutated updates), without, and with a wrong one.
      const tgUpdate = fc.oneof(
        { weight: 2, arbitrary: fc.record({ chat: fc.constantFrom(...tgChats), s: text }).map(({ chat, s }) => tgTextUpdate({ chatId: chat, text: s })) },
        { weight: 1, arbitrary: fc.constantFrom(...tgChats).map((chat) => tgPhotoUpdate({ chatId: chat })) },
        { weight: 1, arbitrary: fc.record({ chat: fc.constantFrom(...tgChats), s: text }).map(({ chat, s }) => tgCallbackUpdate({ chatId: chat, data: s })) },
        { weight: 1, arbitrary: fc.constantFrom(...tgChats).map((chat) => tgStartUpdate({ chatId: chat })) },
      );
      const tgBody = fc.oneof(
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
        { weight: 2, arbitrary: tgUpdate },
        { weight: 5, arbitrary: fc.record({ u: tgUpdate, m: mutation }).map(({ u, m }) => mutate(u, m.seed, m.values)) },
      );
      lap('LINE webhooks');
      for (const update of fc.sample(tgBody, { numRuns: n(80, 700), seed: opts.seed + 3 })) {
        const payload = JSON.stringify(update) ?? 'null';
        const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET };
        await hit('Telegram webhook (secret)', update, { method: 'POST', url: '/webhooks/telegram', payload, headers }, (s) => s === 200 || (s >= 400 && s < 500));
        if (random.chance(0.25)) {
          const wrong = random.chance(0.5) ? {} : { 'x-telegram-bot-api-secret-token': random.pick([`${TG_SECRET}x`, TG_SECRET.toUpperCase(), ' ', 'a'.repeat(300)]) };
          // 429: the webhook's own per-address rate limit, also a refusal.
          await hit('Telegram webhook (no or wrong secret)', update, { method: 'POST', url: '/webhooks/telegram', payload, headers: { 'content-type': 'application/json', ...wrong } }, (s) => s === 401 || s === 429);
        }
      }

      lap('Telegram webhooks');

      // -- Messenger and Instagram: signed bodies, random and mutated; unsigned and forged ones.
      for (const p of fbPeople) graph.personWrote(p, Date.now());
      const photo = () => graph.cdnUrl(Buffer.from(Array.from({ length: random.int(0, 3000) }, () => random.int(0, 255))), { ttlMs: random.chance(0.2) ? -1 : 3_600_000 });
      const fbItem = fc.oneof(
        { weight: 4, arbitrary: fc.record({ u: fc.constantFrom(...fbPeople), s: text }).map(({ u, s }) => fbText({ from: u, text: s })) },
        { weight: 1, arbitrary: fc.record({ u: fc.constantFrom(...fbPeople), s: text }).map(({ u, s }) => fbPostback({ from: u, title: 'x', payload: s || 'menu' })) },
        { weight: 1, arbitrary: fc.record({ u: fc.constantFrom(...fbPeople), s: text }).map(({ u, s }) => fbQuickReply({ from: u, title: 'x', payload: s || 'cart' })) },
        { weight: 1, arbitrary: fc.constantFrom(...fbPeople).map((u) => fbSticker({ from: u, like: true })) },
        { weight: 1, arbitrary: fc.constantFrom(...fbPeople).map((u) => fbImage({ from: u, url: photo() })) },
      );
      const fbBody = fc.oneof(
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
        { weight: 1, arbitrary: nastyString },
        { weight: 3, arbitrary: fc.record({ o: fc.constantFrom('page', 'instagram' as const), items: fc.array(fbItem, { minLength: 0, maxLength: 3 }) }).map(({ o, items }) => JSON.stringify(facebookWebhookBody(o, items))) },
        { weight: 5, arbitrary: fc.record({ items: fc.array(fbItem, { minLength: 1, maxLength: 3 }), m: mutation }).map(({ items, m }) => JSON.stringify(mutate(facebookWebhookBody('page', items), m.seed, m.values)) ?? 'null') },
      );
      for (const body of fc.sample(fbBody, { numRuns: n(80, 700), seed: opts.seed + 5 })) {
        const headers = { 'content-type': 'application/json', 'x-hub-signature-256': signFacebookBody(body, graph.appSecret) };
        await hit('Messenger webhook (signed)', body, { method: 'POST', url: '/webhooks/facebook', payload: body, headers }, (s) => s === 200 || (s >= 400 && s < 500));
        if (random.chance(0.25)) {
          const forged = random.chance(0.5) ? signFacebookBody(body, 'not-the-secret') : random.chance(0.5) ? '' : `sha256=${Buffer.from(body.slice(0, 32)).toString('hex')}`;
          await hit('Messenger webhook (forged)', body, { method: 'POST', url: '/webhooks/facebook', payload: body, headers: { ...headers, 'x-hub-signature-256': forged }, remoteAddress: `10.9.${random.int(0, 255)}.${random.int(1, 254)}` }, (s) => s === 401 || s === 429);
        }
      }
      lap('Messenger webhooks');
      // The engine works through what was stored: every event tried once, none may have thrown. While it
      // does, look for a stall: events of other people waiting although nothing is being processed.
      let last = -1;
      let still = 0;
      let stalled = false;
      const attempted = await waitFor(async () => {
        await t.app.chat.processor.drain();
        const { rows } = await t.database.pool.query<{ untried: number; tried: number; others: number }>(`
          select count(*) filter (where status = 'pending' and attempts = 0)::int as untried,
                 count(*) filter (where attempts > 0)::int as tried,
                 count(*) filter (where status = 'pending' and attempts = 0 and user_key not in
                   (select user_key from chat_inbox where status = 'pending' and attempts > 0))::int as others
          from chat_inbox`);
        const now = rows[0]!;
        still = now.tried === last ? still + 1 : 0;
        last = now.tried;
        if (still >= 30 && now.others > 0 && !stalled) {
          stalled = true;
          const waiting = await t.database.pool.query<{ user_key: string; last_error: string }>(`select user_key, last_error from chat_inbox where status = 'pending' and attempts > 0 limit 1`);
          found.add(
            `chat processing stalled for everyone: ${now.others} events of other people untouched for 3 s while ${waiting.rows[0]?.user_key ?? 'one person'}'s failed event waits for its retry`,
            waiting.rows[0]?.last_error?.split('\n')[0] ?? '',
          );
        }
        // Once seen (or when nothing moves), let retry time pass at once: the failing events then end as
        // failed after their last attempt, as they would a quarter of a minute later.
        if (still >= 30) await t.database.pool.query(`update chat_inbox set available_at = now() where status = 'pending' and attempts > 0 and available_at > now()`);
        return now.untried === 0;
      }, 900, 100);
      c.check(attempted, 'stored chat events were not all processed');
      lap('chat processing');
      const inbox = await t.database.pool.query<{ channel: string; status: string; last_error: string | null; payload: unknown }>(
        `select channel, status::text, last_error, payload from chat_inbox`,
      );
      numbers['chat events stored'] = inbox.rows.length;
      const thrown = inbox.rows.filter((r) => r.last_error);
      numbers['chat events that threw'] = thrown.length;
      for (const r of thrown) found.add(`${r.channel} event threw in the engine: ${r.last_error!.split('\n')[0]!.slice(0, 160)}`, r.payload);
      const answered = await t.database.pool.query<{ n: number }>(`select count(*)::int as n from outbox`);
      numbers['chat answers queued'] = answered.rows[0]!.n;
      // Answers the channel refused for good: the customer hears nothing.
      await t.app.chat.dispatcher.flush();
      const dead = await t.database.pool.query<{ channel: string; recipient: string; last_error: string; payload: unknown }>(`select channel, recipient, last_error, payload from outbox where status = 'dead'`);
      // A mutated update may name a chat that cannot exist (1.5, 1e+21): the channel refusing that answer is right.
      // Likewise a Messenger person Meta never heard of (a mutated sender id).
      const impossible = (r: { channel: string; recipient: string }) =>
        (r.channel === 'telegram' && !/^-?\d{1,15}$/.test(r.recipient)) || ((r.channel === 'facebook' || r.channel === 'instagram') && !fbPeople.includes(r.recipient));
      for (const r of dead.rows.filter((x) => !impossible(x))) found.add(`${r.channel} answer refused by the channel for good: ${r.last_error.slice(0, 200)}`, r.payload);
      const toNowhere = dead.rows.filter(impossible);
      if (toNowhere.length > 0) c.note(`${toNowhere.length} answer(s) to chats that cannot exist (${toNowhere.map((r) => r.recipient).slice(0, 3).join(', ')}) were refused by the channel, as they should`);

      // -- Web chat: a visitor's messages.
      const page = await t.app.inject({ method: 'GET', url: '/chat' });
      const cookie = page.cookies.find((x) => x.name === 'talad_chat');
      const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
      c.check(Boolean(cookie && csrf), 'the web chat page gave no visitor cookie or CSRF token');
      if (cookie && csrf) {
        const chatBody = fc.oneof(
          { weight: 3, arbitrary: text.map((s) => ({ id: randomUUID(), text: s })) },
          { weight: 2, arbitrary: mutation.map((m) => mutate({ id: randomUUID(), text: 'menu' }, m.seed, m.values)) },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        );
        for (const body of fc.sample(chatBody, { numRuns: n(40, 300), seed: opts.seed + 4 })) {
          await hit('web chat message', body, { method: 'POST', url: '/chat/api/messages', payload: JSON.stringify(body) ?? 'null', headers: { 'content-type': 'application/json', cookie: `talad_chat=${cookie.value}`, 'x-csrf-token': csrf } }, (s) => s === 202 || (s >= 400 && s < 500));
        }
      }

      // -- JSON API: random and mutated bodies and queries.
      const validOrder = validOrderBody();
      const validProduct = (i: number) => ({ sku: `FZ-${opts.seed}-${i}`, name: 'สินค้าทดสอบ', nameEn: 'Fuzz product', price: { amount: 1000, currency: 'THB' }, stock: { warehouse: 'MAIN', onHand: 5 }, category: 'ทดสอบ', barcode: '885000000000' });
      const validAdjustment = { sku: 'DRL-TEA', warehouse: 'MAIN', delta: 3, reason: 'receive' };
      const body = <T>(valid: (i: number) => T) =>
        fc.oneof(
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
          { weight: 4, arbitrary: fc.record({ i: fc.nat(), m: mutation }).map(({ i, m }) => mutate(valid(i), m.seed, m.values)) },
        );
      lap('web chat');
      const apiRuns = n(50, 500);
      const post = async (url: string, b: unknown, headers: Record<string, string> = {}) =>
        hit(`api POST ${url.replace(/TL-[^/]+/, ':number')}`, b, { method: 'POST', url, payload: JSON.stringify(b) ?? 'null', headers: { ...apiAuth, 'content-type': 'application/json', ...headers } }, (s) => s < 500);
      // Header values must be printable ASCII to be sent at all.
      const keys = fc.sample(fc.option(fc.string({ minLength: 0, maxLength: 60, unit: 'grapheme-ascii' }).filter((x) => /^[\x20-\x7e]*$/.test(x))), { numRuns: apiRuns, seed: opts.seed + 5 });
      let k = 0;
      for (const b of fc.sample(body(() => validOrder), { numRuns: apiRuns, seed: opts.seed + 6 })) {
        const key = keys[k++ % keys.length];
        await post('/api/v1/orders', b, key ? { 'idempotency-key': key } : {});
      }
      for (const b of fc.sample(body(validProduct), { numRuns: apiRuns, seed: opts.seed + 7 })) await post('/api/v1/products', b);
      for (const b of fc.sample(body(() => validAdjustment), { numRuns: apiRuns, seed: opts.seed + 8 })) await post('/api/v1/stock/adjustments', b);
      for (const b of fc.sample(body(() => ({ to: 'paid', note: 'fuzz' })), { numRuns: Math.ceil(apiRuns / 2), seed: opts.seed + 9 })) await post('/api/v1/orders/TL-10001/transitions', b);
      const query = fc.record({ q: fc.option(nastyString), status: fc.option(nastyString), channel: fc.option(nastyString), limit: fc.option(fc.oneof(nastyString, fc.constantFrom(...[0, -1, 1e9, 1.5].map(String)))), cursor: fc.option(nastyString) });
      for (const q of fc.sample(query, { numRuns: apiRuns, seed: opts.seed + 10 })) {
        const params = new URLSearchParams();
        for (const [key, v] of Object.entries(q)) if (v !== null) params.set(key, v);
        await hit('api GET /api/v1/orders', q, { method: 'GET', url: `/api/v1/orders?${params}`, headers: apiAuth }, (s) => s < 500);
      }
      for (const s of fc.sample(nastyString, { numRuns: Math.ceil(apiRuns / 2), seed: opts.seed + 11 })) {
        await hit('api GET /api/v1/orders/:number', s, { method: 'GET', url: `/api/v1/orders/${encodeURIComponent(wellFormed(s))}`, headers: apiAuth }, (st) => st < 500);
        await hit('api GET /api/v1/stock?sku=', s, { method: 'GET', url: `/api/v1/stock?sku=${encodeURIComponent(wellFormed(s))}`, headers: apiAuth }, (st) => st < 500);
        await hit('GET /pay/:file', s, { method: 'GET', url: `/pay/${encodeURIComponent(wellFormed(s))}.png?s=${encodeURIComponent(wellFormed(s))}` }, (st) => st >= 400 && st < 500);
      }

      lap('JSON API');
      numbers.requests = [...statuses.values()].reduce((a, m) => a + [...m.values()].reduce((x, y) => x + y, 0), 0);
      numbers['5xx'] = [...statuses.values()].reduce((a, m) => a + [...m.entries()].filter(([s]) => s >= 500).reduce((x, [, y]) => x + y, 0), 0);
      for (const [target, byStatus] of statuses) {
        c.note(`${target}: ${[...byStatus.entries()].sort(([a], [b]) => a - b).map(([s, m]) => `${s}×${m}`).join(' ')}`);
      }
      if (shapeless.size > 0) c.note(`4xx answers of the API without the {error: {code, message}} body: ${[...shapeless].join(', ')}`);
      numbers.findings = found.count;
      found.report(c, 'bad input not refused cleanly');
    } finally {
      await t.close();
      await line.close();
      await tg.close();
      await graph.close();
    }
  });
}

function validOrderBody() {
  return {
    channel: 'api',
    customer: { name: 'สมหญิง ใจดี', phone: '081-234-5678' },
    lines: [{ sku: 'DRL-COF', qty: 1 }],
    shippingAddress: { name: 'สมหญิง ใจดี', phone: '0812345678', address: '12/3 ซอยอารีย์ พหลโยธิน กรุงเทพฯ', postcode: '10400' },
    paymentMethod: 'promptpay',
    shippingFee: { amount: 4000, currency: 'THB' },
    note: 'fuzz',
  };
}

/** "Failed query: insert into "x" ... params: ...: <what PostgreSQL said>" → "insert into x: <what PostgreSQL said>". */
function whatFailed(message: string): string {
  const first = message.split('\n')[0] ?? '';
  const query = /^Failed query: (insert into|update|delete from|select .*? from) "(\w+)"/.exec(first);
  if (!query) return first.slice(0, 160);
  const last = message.split('\n').at(-1) ?? '';
  const said = last.slice(last.lastIndexOf(': ') + 2);
  return `${query[1]!.startsWith('select') ? 'select from' : query[1]} ${query[2]}: ${said.slice(0, 120)}`;
}

/** A URL can only carry well-formed text: lone surrogates become U+FFFD, as a browser would send them. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
