// A stand-in for the Flash Express Open API (see /work/shared/CARRIERS.md) that the real Flash adapter talks to
// over HTTP in tests, because Flash cannot be reached from here. Every call is a signed form POST answered
// with {code, message, data}; the fake checks each signature, keeps parcels, serves routes and a PDF label,
// records every call, fails on demand and pushes signed status webhooks.
//
// Codes beyond what CARRIERS.md documents (1 ok, 0 server error, 1002 bad signature) are this fake's
// choice: 1000 a missing or bad parameter, 1001 an unknown merchant, 1010 a repeated outTradeNo (answered
// with the existing parcel in `data`: the adapter's documented assumption), 1011 no such parcel,
// 1012 a parcel that can no longer be cancelled.
import { createHash, randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { createFaults, hang, type FailureOptions, type PickedFault } from './faults.ts';
import { textPdf } from './pdf.ts';

/**
 * How an injected failure looks to the client.
 * - `'code0'`: HTTP 200 with `{"code": 0}` (Flash's server error); nothing is done.
 * - `500`: an HTTP 500; nothing is done.
 * - `'timeout'`: no answer until `hangMs` (or the client gives up); nothing is done.
 * - `'reset'`: the socket is destroyed at once; nothing is done.
 * - `'lost-response'`: the call IS done (a parcel is created), then the socket is destroyed.
 * - `'late-response'`: the call IS done, then no answer until `hangMs`: the client times out on a booking
 *   that exists, the case outTradeNo idempotency is for.
 */
export type FlashFailureKind = 'code0' | 500 | 'timeout' | 'reset' | 'lost-response' | 'late-response';

export interface FlashRoute {
  /** Unix seconds, as Flash sends times. */
  routedAt: number;
  routeAction: string;
  message: string;
  state: number;
}

export interface FlashParcel {
  pno: string;
  outTradeNo: string;
  /** Every parameter of the create-order call, as received (without sign). */
  order: Record<string, string>;
  sortCode: string;
  sortingLineCode: string;
  dstStoreName: string;
  /** 0 until the courier picks it up, then Flash's 1..9. */
  state: number;
  stateText: string;
  /** Oldest first here; served newest first, as Flash does. */
  routes: FlashRoute[];
}

export interface FlashApiCall {
  seq: number;
  path: string;
  /** The form as received, sign included. */
  params: Record<string, string>;
  signValid: boolean;
  time: number;
  /** Flash's `code` in the answer; undefined when no JSON answer went out. */
  code: number | undefined;
  /** The HTTP status sent; undefined when the socket was destroyed or is still hanging. */
  status: number | undefined;
  failure?: FlashFailureKind;
}

export interface FlashPickup {
  params: Record<string, string>;
  ticketPickupId: string;
}

export interface FlashWebhookPush {
  url: string;
  form: Record<string, string>;
  status: number;
  body: string;
}

export interface FakeFlashApiOptions {
  mchId?: string;
  secretKey?: string;
  /** How long `'timeout'` and `'late-response'` hang before the socket is destroyed. Default 10 minutes. */
  hangMs?: number;
}

export interface FakeFlashApi {
  readonly baseUrl: string;
  readonly mchId: string;
  readonly secretKey: string;
  /** Every call, in arrival order, including refused and failed ones. */
  readonly calls: readonly FlashApiCall[];
  parcels(): FlashParcel[];
  parcel(pno: string): FlashParcel | undefined;
  pickups(): FlashPickup[];
  /** Moves a parcel on: a route with this state (and the state's usual action unless given). */
  advance(pno: string, state: number, opts?: { routeAction?: string; message?: string; at?: Date }): FlashRoute;
  /** A status webhook as Flash sends it for the parcel's current state: the form body, signed. */
  webhookBody(pno: string, opts?: { data?: Record<string, unknown>; sign?: string; nonceStr?: string }): string;
  /** POSTs that webhook to url, as Flash does, and records the answer. */
  pushWebhook(url: string, pno: string, opts?: { data?: Record<string, unknown>; sign?: string }): Promise<FlashWebhookPush>;
  readonly webhookPushes: readonly FlashWebhookPush[];
  /** The next n calls (matching opts.only, on the path) fail with kind. Queued rules run before the rate. */
  failNext(n: number, kind: FlashFailureKind, opts?: FailureOptions): void;
  /** Each call (matching opts.only) fails with probability p, a kind drawn from kinds. p = 0 switches it off. */
  setFailureRate(p: number, kinds: readonly FlashFailureKind[], seed?: number, opts?: FailureOptions): void;
  /** Forget calls, parcels, pickups, pushes and pending failures. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Flash's signature, written apart from the adapter's signer on purpose: the fake is the other side of
 * the contract and must catch a signer that drifts from CARRIERS.md. Non-blank parameters but sign,
 * ASCII-sorted by name, k=v joined by &, then &key=secret; SHA-256, upper-case hex.
 */
export function flashContractSign(params: Record<string, string>, secretKey: string): string {
  const pairs: string[] = [];
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    if (name !== 'sign' && /\S/.test(value)) pairs.push(`${name}=${value}`);
  }
  pairs.push(`key=${secretKey}`);
  return createHash('sha256').update(pairs.join('&')).digest('hex').toUpperCase();
}

/** A webhook form as Flash sends it: mchId, nonceStr, sign over those two only, and data as JSON text. */
export function flashWebhookForm(
  data: unknown,
  opts: { mchId: string; secretKey: string; nonceStr?: string; sign?: string },
): string {
  const nonceStr = opts.nonceStr ?? randomBytes(8).toString('hex');
  const sign = opts.sign ?? flashContractSign({ mchId: opts.mchId, nonceStr }, opts.secretKey);
  return new URLSearchParams({ mchId: opts.mchId, nonceStr, sign, data: JSON.stringify(data) }).toString();
}

const STATE_TEXT: Record<number, string> = {
  0: 'รอรับพัสดุ',
  1: 'รับพัสดุแล้ว',
  2: 'ระหว่างการขนส่ง',
  3: 'ระหว่างการจัดส่ง',
  4: 'พัสดุคงคลัง',
  5: 'เซ็นรับแล้ว',
  6: 'อยู่ระหว่างจัดการพัสดุมีปัญหา',
  7: 'ตีกลับแล้ว',
  8: 'ปิดงานพัสดุมีปัญหา',
  9: 'ยกเลิกแล้ว',
};

/** The usual route action of a state; 7 and 8 have none in CARRIERS.md's list (the adapter then reads the state). */
const STATE_ACTION: Record<number, string> = {
  1: 'RECEIVED',
  2: 'ARRIVAL_WAREHOUSE_SCAN',
  3: 'DELIVERY_TICKET_CREATION_SCAN',
  4: 'DETAIN_WAREHOUSE',
  5: 'DELIVERY_CONFIRM',
  6: 'DIFFICULTY_HANDOVER',
  7: 'RETURN_SIGN',
  8: 'CLOSE_EXCEPTION',
  9: 'CANCEL_PARCEL',
};

const ORDER_REQUIRED = [
  'outTradeNo',
  'srcName',
  'srcPhone',
  'srcProvinceName',
  'srcCityName',
  'srcPostalCode',
  'srcDetailAddress',
  'dstName',
  'dstPhone',
  'dstProvinceName',
  'dstCityName',
  'dstPostalCode',
  'dstDetailAddress',
  'articleCategory',
  'expressCategory',
  'weight',
  'insured',
  'codEnabled',
] as const;

interface Answer {
  status?: number;
  code: number;
  message: string;
  data?: unknown;
  pdf?: Buffer;
  /** What the call changes, done only when it is done (a failure injected before it leaves nothing behind). */
  commit?: () => void;
}

const ok = (data: unknown): Answer => ({ code: 1, message: 'success', data });
const refuse = (code: number, message: string, data?: unknown): Answer => ({ code, message, data });

export async function startFakeFlashApi(options: FakeFlashApiOptions = {}): Promise<FakeFlashApi> {
  const mchId = options.mchId ?? 'AA0001';
  const secretKey = options.secretKey ?? 'flash-test-secret-0123456789';
  const hangMs = options.hangMs ?? 10 * 60_000;
  const calls: FlashApiCall[] = [];
  const parcels = new Map<string, FlashParcel>();
  const byOutTradeNo = new Map<string, FlashParcel>();
  const pickups: FlashPickup[] = [];
  const pushes: FlashWebhookPush[] = [];
  const faults = createFaults<FlashFailureKind>();
  const hanging = new Set<NodeJS.Timeout>();
  let seq = 0;
  let pnoSeq = 0;

  const nowSeconds = () => Math.floor(Date.now() / 1000);

  function orderData(p: FlashParcel) {
    return {
      pno: p.pno,
      mchId,
      outTradeNo: p.outTradeNo,
      sortCode: p.sortCode,
      dstStoreName: p.dstStoreName,
      sortingLineCode: p.sortingLineCode,
      earlyFlightEnabled: false,
      packEnabled: false,
      upcountryCharge: false,
    };
  }

  function createOrder(params: Record<string, string>): Answer {
    const missing = ORDER_REQUIRED.filter((k) => !params[k]?.trim());
    if (missing.length > 0) return refuse(1000, `parameter error: ${missing.join(', ')} required`);
    if (!/^\d{5}$/.test(params.dstPostalCode!) || !/^\d{5}$/.test(params.srcPostalCode!)) return refuse(1000, 'parameter error: postal code');
    const weight = Number(params.weight);
    if (!Number.isInteger(weight) || weight <= 0) return refuse(1000, 'parameter error: weight');
    if (params.codEnabled === '1' && !(Number(params.codAmount) > 0)) return refuse(1000, 'parameter error: codAmount');
    const existing = byOutTradeNo.get(params.outTradeNo!);
    if (existing) return refuse(1010, `outTradeNo ${existing.outTradeNo} already exists`, orderData(existing));
    pnoSeq += 1;
    const pno = `TH${470_000_000 + pnoSeq}${'ABCDEFGHJK'[pnoSeq % 10]}`;
    const postcode = params.dstPostalCode!;
    const { sign: _sign, ...order } = params;
    const parcel: FlashParcel = {
      pno,
      outTradeNo: params.outTradeNo!,
      order,
      sortCode: `${postcode.slice(0, 2)}C-${postcode.slice(2, 4)}`,
      sortingLineCode: `B${postcode[4]}`,
      dstStoreName: `${params.dstCityName} DC`,
      state: 0,
      stateText: STATE_TEXT[0]!,
      routes: [],
    };
    return {
      ...ok(orderData(parcel)),
      commit: () => {
        parcels.set(pno, parcel);
        byOutTradeNo.set(parcel.outTradeNo, parcel);
      },
    };
  }

  function advance(pno: string, state: number, opts: { routeAction?: string; message?: string; at?: Date } = {}): FlashRoute {
    const parcel = parcels.get(pno);
    if (!parcel) throw new Error(`fake Flash: no parcel ${pno}`);
    const route: FlashRoute = {
      routedAt: opts.at ? Math.floor(opts.at.getTime() / 1000) : nowSeconds(),
      routeAction: opts.routeAction ?? STATE_ACTION[state] ?? 'CONTINUE_TRANSPORT',
      message: opts.message ?? STATE_TEXT[state] ?? `state ${state}`,
      state,
    };
    parcel.routes.push(route);
    parcel.state = state;
    parcel.stateText = STATE_TEXT[state] ?? `state ${state}`;
    return route;
  }

  function parcelOf(request: FastifyRequest): FlashParcel | undefined {
    return parcels.get((request.params as { pno: string }).pno);
  }

  type Endpoint = (params: Record<string, string>, request: FastifyRequest) => Answer;

  const endpoints: Record<string, Endpoint> = {
    '/open/v3/orders': createOrder,
    '/open/v1/orders/:pno/pre_print': (_p, request) => label(request),
    '/open/v1/orders/:pno/small/pre_print': (_p, request) => label(request),
    '/open/v1/orders/:pno/cancel': (_p, request) => {
      const parcel = parcelOf(request);
      if (!parcel) return refuse(1011, 'parcel not found');
      if (parcel.state !== 0) return refuse(1012, `parcel ${parcel.pno} cannot be cancelled: ${parcel.stateText}`);
      return { ...ok(null), commit: () => void advance(parcel.pno, 9, { message: 'ผู้ส่งยกเลิกพัสดุ' }) };
    },
    '/open/v1/orders/:pno/routes': (_p, request) => {
      const parcel = parcelOf(request);
      if (!parcel) return refuse(1011, 'parcel not found');
      return ok({ pno: parcel.pno, state: parcel.state, stateText: parcel.stateText, routes: [...parcel.routes].reverse() });
    },
    '/open/v1/notify': (params) => {
      const missing = ['srcName', 'srcPhone', 'srcPostalCode', 'srcDetailAddress', 'estimateParcelNumber'].filter((k) => !params[k]?.trim());
      if (missing.length > 0) return refuse(1000, `parameter error: ${missing.join(', ')} required`);
      const ticketPickupId = String(800_000 + pickups.length + 1);
      const { sign: _sign, ...rest } = params;
      return {
        ...ok({ ticketPickupId, staffInfoName: 'สมชาย ใจดี', staffInfoPhone: '0812345678', timeoutAtText: 'ภายในวันนี้' }),
        commit: () => void pickups.push({ params: rest, ticketPickupId }),
      };
    },
  };

  function label(request: FastifyRequest): Answer {
    const parcel = parcelOf(request);
    if (!parcel) return refuse(1011, 'parcel not found');
    if (parcel.state === 9) return refuse(1012, `parcel ${parcel.pno} is cancelled`);
    const pdf = textPdf(['Flash Express', parcel.pno, `Sort ${parcel.sortCode} ${parcel.sortingLineCode}`, `Ref ${parcel.outTradeNo}`, `To ${parcel.order.dstPostalCode}`]);
    return { code: 1, message: 'success', pdf };
  }

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  function send(reply: FastifyReply, call: FlashApiCall, answer: Answer): FastifyReply {
    call.status = answer.status ?? 200;
    if (answer.pdf) {
      call.code = 1;
      return reply.code(call.status).header('content-type', 'application/pdf').send(answer.pdf);
    }
    call.code = answer.code;
    return reply
      .code(call.status)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ code: answer.code, message: answer.message, data: answer.data ?? null }));
  }

  function destroy(reply: FastifyReply): void {
    reply.hijack();
    reply.raw.destroy();
  }

  function failBefore(reply: FastifyReply, call: FlashApiCall, fault: PickedFault<FlashFailureKind>): FastifyReply | undefined {
    call.failure = fault.kind;
    switch (fault.kind) {
      case 'code0':
        return send(reply, call, refuse(0, 'system error, please try again later'));
      case 500:
        call.status = 500;
        return reply.code(500).header('content-type', 'text/html').send('<html><body>500 Internal Server Error</body></html>');
      case 'timeout':
        hang(reply, fault.opts.hangMs ?? hangMs, hanging);
        return undefined;
      case 'reset':
        destroy(reply);
        return undefined;
      case 'lost-response':
      case 'late-response':
        return undefined; // these happen after the call is done
    }
  }

  for (const [route, endpoint] of Object.entries(endpoints)) {
    app.post(route, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const params = Object.fromEntries(new URLSearchParams(raw));
      const call: FlashApiCall = {
        seq: ++seq,
        path: request.url.split('?')[0]!,
        params,
        signValid: params.sign !== undefined && params.sign === flashContractSign(params, secretKey),
        time: Date.now(),
        code: undefined,
        status: undefined,
      };
      calls.push(call);
      if (!(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        return send(reply, call, refuse(1000, 'parameter error: a form body is required'));
      }
      if (params.mchId !== mchId) return send(reply, call, refuse(1001, 'merchant does not exist'));
      if (!params.nonceStr?.trim()) return send(reply, call, refuse(1000, 'parameter error: nonceStr required'));
      if (!call.signValid) return send(reply, call, refuse(1002, 'invalid signature'));
      const fault = faults.pick(call.path);
      if (fault && fault.kind !== 'lost-response' && fault.kind !== 'late-response') return failBefore(reply, call, fault);
      const answer = endpoint(params, request);
      if (answer.code === 1) answer.commit?.();
      if (fault?.kind === 'lost-response') {
        call.failure = fault.kind;
        destroy(reply);
        return undefined;
      }
      if (fault?.kind === 'late-response') {
        call.failure = fault.kind;
        hang(reply, fault.opts.hangMs ?? hangMs, hanging);
        return undefined;
      }
      return send(reply, call, answer);
    });
  }

  function webhookBody(pno: string, opts: { data?: Record<string, unknown>; sign?: string; nonceStr?: string } = {}): string {
    const parcel = parcels.get(pno);
    if (!parcel) throw new Error(`fake Flash: no parcel ${pno}`);
    const last = parcel.routes.at(-1);
    const data = {
      pno: parcel.pno,
      orderId: parcel.pno,
      outTradeNo: parcel.outTradeNo,
      state: parcel.state,
      stateText: parcel.stateText,
      routedAt: last?.routedAt ?? nowSeconds(),
      ...opts.data,
    };
    return flashWebhookForm(data, { mchId, secretKey, ...(opts.sign === undefined ? {} : { sign: opts.sign }), ...(opts.nonceStr === undefined ? {} : { nonceStr: opts.nonceStr }) });
  }

  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  return {
    baseUrl,
    mchId,
    secretKey,
    calls,
    parcels: () => [...parcels.values()],
    parcel: (pno) => parcels.get(pno),
    pickups: () => [...pickups],
    advance,
    webhookBody,
    async pushWebhook(url, pno, opts = {}) {
      const body = webhookBody(pno, opts);
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, signal: AbortSignal.timeout(60_000) });
      const push = { url, form: Object.fromEntries(new URLSearchParams(body)), status: res.status, body: await res.text() };
      pushes.push(push);
      return push;
    },
    webhookPushes: pushes,
    failNext: (n, kind, opts) => faults.failNext(n, kind, opts),
    setFailureRate: (p, kinds, seed, opts) => faults.setRate(p, kinds, seed, opts),
    reset() {
      calls.length = 0;
      parcels.clear();
      byOutTradeNo.clear();
      pickups.length = 0;
      pushes.length = 0;
      faults.clear();
    },
    async close() {
      for (const timer of hanging) clearTimeout(timer);
      hanging.clear();
      await app.close();
    },
  };
}
