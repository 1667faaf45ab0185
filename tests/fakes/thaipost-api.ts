// A stand-in for the Thailand Post tracking API (see /work/shared/CARRIERS.md): a token for the API key,
// tracking of up to 1,000 barcodes a call with events oldest first, every call recorded, failures on demand.
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createFaults, hang, type FailureKind, type FailureOptions } from './faults.ts';

export interface ThaiPostFakeEvent {
  status: string;
  description?: string;
  at?: Date;
  location?: string;
  postcode?: string;
  deliveryDescription?: string;
  receiverName?: string;
}

export interface ThaiPostApiCall {
  seq: number;
  path: string;
  authorization: string | undefined;
  body: unknown;
  /** The barcodes of a track call. */
  barcodes: string[];
  time: number;
  status: number | undefined;
  failure?: FailureKind;
}

export interface FakeThaiPostApiOptions {
  apiKey?: string;
  /** How long an issued token lives (default 30 days). */
  tokenTtlMs?: number;
  /** The fake's clock, shared with the adapter in tests that move time on. */
  now?: () => Date;
  /** How long an injected `'timeout'` hangs (default 10 minutes). */
  hangMs?: number;
}

export interface FakeThaiPostApi {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly calls: readonly ThaiPostApiCall[];
  /** How many tokens were asked for (successfully or not). */
  tokenCalls(): number;
  trackCalls(): ThaiPostApiCall[];
  /** Adds an event to a barcode's history (kept oldest first). */
  addEvent(barcode: string, event: ThaiPostFakeEvent): void;
  setTokenTtl(ms: number): void;
  /** Makes every issued token invalid, as a revoked key would. */
  revokeTokens(): void;
  failNext(n: number, kind: FailureKind, opts?: FailureOptions): void;
  setFailureRate(p: number, kinds: readonly FailureKind[], seed?: number, opts?: FailureOptions): void;
  reset(): void;
  close(): Promise<void>;
}

const MAX_BARCODES = 1000;
const BANGKOK_MS = 7 * 3_600_000;

const pad = (n: number) => String(n).padStart(2, '0');

/** Bangkok wall time parts of an instant (no daylight saving in Thailand). */
function bangkok(d: Date) {
  const t = new Date(d.getTime() + BANGKOK_MS);
  return { y: t.getUTCFullYear(), mo: pad(t.getUTCMonth() + 1), d: pad(t.getUTCDate()), time: `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}` };
}

/** The token's expiry as the API writes it: "2020-06-19 15:51:48+07:00". */
const expireText = (d: Date) => {
  const b = bangkok(d);
  return `${b.y}-${b.mo}-${b.d} ${b.time}+07:00`;
};

/** An event time as the API writes it: "19/07/2563 18:17:20+07:00" (Buddhist-era year). */
const statusDateText = (d: Date) => {
  const b = bangkok(d);
  return `${b.d}/${b.mo}/${b.y + 543} ${b.time}+07:00`;
};

export async function startFakeThaiPostApi(options: FakeThaiPostApiOptions = {}): Promise<FakeThaiPostApi> {
  const apiKey = options.apiKey ?? 'thaipost-test-api-key-0123456789';
  const now = options.now ?? (() => new Date());
  const hangMs = options.hangMs ?? 10 * 60_000;
  let tokenTtlMs = options.tokenTtlMs ?? 30 * 86_400_000;
  const tokens = new Map<string, Date>();
  const histories = new Map<string, (ThaiPostFakeEvent & { at: Date })[]>();
  const calls: ThaiPostApiCall[] = [];
  const faults = createFaults();
  const hanging = new Set<NodeJS.Timeout>();
  let seq = 0;

  const app = Fastify({ logger: false, forceCloseConnections: true });

  function record(request: FastifyRequest): ThaiPostApiCall {
    const body = request.body;
    const barcode = (body as { barcode?: unknown } | undefined)?.barcode;
    const call: ThaiPostApiCall = {
      seq: ++seq,
      path: request.url.split('?')[0]!,
      authorization: request.headers.authorization,
      body,
      barcodes: Array.isArray(barcode) ? barcode.map(String) : [],
      time: Date.now(),
      status: undefined,
    };
    calls.push(call);
    return call;
  }

  function send(reply: FastifyReply, call: ThaiPostApiCall, status: number, body: unknown): FastifyReply {
    call.status = status;
    return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
  }

  /** An injected failure, or undefined to go on; 'lost-response' is handled after the work. */
  function failed(reply: FastifyReply, call: ThaiPostApiCall): { done: boolean; lose: boolean } {
    const fault = faults.pick(call.path);
    if (!fault) return { done: false, lose: false };
    call.failure = fault.kind;
    switch (fault.kind) {
      case 500:
        send(reply, call, 500, { detail: 'Internal server error' });
        return { done: true, lose: false };
      case 429:
        reply.header('retry-after', String(fault.opts.retryAfterSeconds ?? 1));
        send(reply, call, 429, { detail: 'Request was throttled.' });
        return { done: true, lose: false };
      case 'timeout':
        hang(reply, fault.opts.hangMs ?? hangMs, hanging);
        return { done: true, lose: false };
      case 'reset':
        reply.hijack();
        reply.raw.destroy();
        return { done: true, lose: false };
      case 'lost-response':
        return { done: false, lose: true };
    }
  }

  function answer(reply: FastifyReply, call: ThaiPostApiCall, lose: boolean, status: number, body: unknown) {
    if (lose) {
      reply.hijack();
      reply.raw.destroy();
      return undefined;
    }
    return send(reply, call, status, body);
  }

  const scheme = (auth: string | undefined) => (auth?.startsWith('Token ') ? auth.slice('Token '.length).trim() : undefined);

  app.post('/post/api/v1/authenticate/token', async (request, reply) => {
    const call = record(request);
    if (scheme(call.authorization) !== apiKey) return send(reply, call, 401, { detail: 'Invalid token.' });
    const fault = failed(reply, call);
    if (fault.done) return undefined;
    const token = randomBytes(24).toString('hex');
    const expires = new Date(now().getTime() + tokenTtlMs);
    tokens.set(token, expires);
    return answer(reply, call, fault.lose, 200, { expire: expireText(expires), token });
  });

  app.post('/post/api/v1/track', async (request, reply) => {
    const call = record(request);
    const token = scheme(call.authorization);
    const expires = token === undefined ? undefined : tokens.get(token);
    if (expires === undefined || expires.getTime() <= now().getTime()) return send(reply, call, 401, { detail: 'Invalid token.' });
    const body = (request.body ?? {}) as { status?: unknown; language?: unknown; barcode?: unknown };
    if (!Array.isArray(body.barcode) || body.barcode.length === 0 || !body.barcode.every((b) => typeof b === 'string')) {
      return send(reply, call, 400, { status: false, message: 'barcode is required (a list of barcodes)' });
    }
    if (body.barcode.length > MAX_BARCODES) {
      return send(reply, call, 400, { status: false, message: `at most ${MAX_BARCODES} barcodes a call` });
    }
    const language = body.language === 'EN' ? 'EN' : 'TH';
    const fault = failed(reply, call);
    if (fault.done) return undefined;
    const items: Record<string, unknown[]> = {};
    for (const barcode of body.barcode as string[]) {
      items[barcode] = (histories.get(barcode) ?? []).map((e) => ({
        barcode,
        status: e.status,
        status_description: e.description ?? (language === 'TH' ? `สถานะ ${e.status}` : `status ${e.status}`),
        status_date: statusDateText(e.at),
        location: e.location ?? '',
        postcode: e.postcode ?? '',
        delivery_status: e.status === '501' ? 'S' : null,
        delivery_description: e.deliveryDescription ?? null,
        delivery_datetime: e.status === '501' ? statusDateText(e.at) : null,
        receiver_name: e.receiverName ?? null,
      }));
    }
    return answer(reply, call, fault.lose, 200, {
      response: {
        items,
        track_count: { track_date: statusDateText(now()).slice(0, 10), count_number: body.barcode.length, track_count_limit: 1_500_000 },
      },
      message: 'successful',
      status: true,
    });
  });

  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  return {
    baseUrl,
    apiKey,
    calls,
    tokenCalls: () => calls.filter((c) => c.path === '/post/api/v1/authenticate/token').length,
    trackCalls: () => calls.filter((c) => c.path === '/post/api/v1/track'),
    addEvent(barcode, event) {
      const list = histories.get(barcode) ?? [];
      list.push({ ...event, at: event.at ?? now() });
      list.sort((a, b) => a.at.getTime() - b.at.getTime());
      histories.set(barcode, list);
    },
    setTokenTtl(ms) {
      tokenTtlMs = ms;
    },
    revokeTokens() {
      tokens.clear();
    },
    failNext: (n, kind, opts) => faults.failNext(n, kind, opts),
    setFailureRate: (p, kinds, seed, opts) => faults.setRate(p, kinds, seed, opts),
    reset() {
      calls.length = 0;
      tokens.clear();
      histories.clear();
      faults.clear();
    },
    async close() {
      for (const timer of hanging) clearTimeout(timer);
      hanging.clear();
      await app.close();
    },
  };
}
