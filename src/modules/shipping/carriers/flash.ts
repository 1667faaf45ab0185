/**
 * Flash Express through its Open API (CARRIERS.md): signed form POSTs, answers branched on `code`
 * (1 success, 0 server error worth a retry, 1000+ the carrier refusing), bookings keyed by our outTradeNo.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createRateLimiter, type Rate } from '../../../lib/rate-limiter.ts';
import { trackingLink, type CarrierSetting } from './link-only.ts';
import { flashSign, flashSignMatches } from './flash-sign.ts';
import { carrierFetch, joinUrl, readBytes, readText, type CarrierHttpOptions } from './http.ts';
import {
  CarrierError,
  parcelBookingSchema,
  type BookingCarrier,
  type BookingResult,
  type CarrierEvent,
  type CarrierEventStatus,
  type InboundWebhook,
  type ItemCategory,
  type ParcelBooking,
  type ParcelParty,
  type PickupRequest,
  type PickupResult,
} from './port.ts';

export const FLASH_PRODUCTION_URL = 'https://open-api.flashexpress.com';

export interface FlashCredentials {
  mchId: string;
  secretKey: string;
  baseUrl: string;
}

export interface FlashOptions extends FlashCredentials {
  setting: Pick<CarrierSetting, 'code' | 'name' | 'trackingUrl'>;
  /** Per call; a booking that times out is retried by the caller and comes back as the same parcel. */
  timeoutMs?: number | undefined;
  /** Flash publishes no limits: calls are paced to this (default 5 a second, bursts of 5). */
  rate?: Rate | undefined;
}

export type FlashCarrier = BookingCarrier & Required<Pick<BookingCarrier, 'requestPickup' | 'track' | 'verifyWebhook' | 'parseWebhook' | 'webhookAck'>>;

/** Parcel `state` as Flash reports it (CARRIERS.md) in our words. */
const stateStatus: Record<number, CarrierEventStatus> = {
  1: 'picked_up',
  2: 'in_transit',
  3: 'out_for_delivery',
  // Held at a branch: the courier could not hand it over and keeps it for another try.
  4: 'failed_attempt',
  5: 'delivered',
  6: 'exception',
  7: 'returned',
  8: 'exception',
  9: 'cancelled',
};

/** Route actions (tracking scans) in our words; an action not listed falls back to the route's state. */
const routeActionStatus: Record<string, CarrierEventStatus> = {
  RECEIVED: 'picked_up',
  RECEIVE_WAREHOUSE_SCAN: 'in_transit',
  SHIPMENT_WAREHOUSE_SCAN: 'in_transit',
  ARRIVAL_WAREHOUSE_SCAN: 'in_transit',
  CONTINUE_TRANSPORT: 'in_transit',
  DELIVERY_TICKET_CREATION_SCAN: 'out_for_delivery',
  DETAIN_WAREHOUSE: 'failed_attempt',
  DIFFICULTY_HANDOVER: 'failed_attempt',
  DELIVERY_CONFIRM: 'delivered',
  CANCEL_PARCEL: 'cancelled',
  SYSTEM_AUTO_RETURN: 'returning',
};

export function flashStateStatus(state: number): CarrierEventStatus {
  return stateStatus[state] ?? 'exception';
}

export function flashRouteStatus(routeAction: string, state: number | undefined): CarrierEventStatus {
  return routeActionStatus[routeAction] ?? (state === undefined ? 'in_transit' : flashStateStatus(state));
}

/**
 * Flash's `articleCategory` numbers. CARRIERS.md names the field only; these are the codes of Flash's
 * published category list as we know it (99 = other), the only place to change if Flash says otherwise.
 */
const articleCategory: Record<ItemCategory, number> = {
  documents: 0,
  food: 1,
  daily: 2,
  electronics: 3,
  clothing: 4,
  books: 5,
  cosmetics: 9,
  household: 10,
  other: 99,
};

/** Flash's times: Unix seconds (its routes and webhooks), tolerated as milliseconds or a date text. */
function flashTime(value: number | string | undefined, fallback: Date): Date {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  const date = Number.isFinite(n) ? new Date(n < 1e12 ? n * 1000 : n) : new Date(value);
  return Number.isNaN(date.getTime()) ? fallback : date;
}

const envelopeSchema = z.object({
  code: z.coerce.number().int(),
  message: z.string().nullish(),
  data: z.unknown().optional(),
});
type Envelope = z.infer<typeof envelopeSchema>;

const orderData = z.looseObject({
  pno: z.string().min(1),
  outTradeNo: z.string().optional(),
  sortCode: z.string().nullish(),
  sortingLineCode: z.string().nullish(),
  dstStoreName: z.string().nullish(),
});

const routesData = z.looseObject({
  pno: z.string().optional(),
  routes: z
    .array(
      z.looseObject({
        routedAt: z.union([z.number(), z.string()]).optional(),
        routeAction: z.string(),
        message: z.string().nullish(),
        state: z.coerce.number().int().optional(),
        storeName: z.string().nullish(),
      }),
    )
    .nullish(),
});

const notifyData = z
  .looseObject({
    ticketPickupId: z.union([z.string(), z.number()]).nullish(),
    staffInfoName: z.string().nullish(),
    staffInfoPhone: z.string().nullish(),
  })
  .nullish();

const webhookEvent = z.looseObject({
  pno: z.string().min(1),
  outTradeNo: z.string().nullish(),
  state: z.coerce.number().int().optional(),
  stateText: z.string().nullish(),
  routedAt: z.union([z.number(), z.string()]).optional(),
  routeAction: z.string().nullish(),
  message: z.string().nullish(),
});

/** The answer Flash expects from a webhook receiver; anything else is redelivered. */
const webhookAck = { status: 200, contentType: 'application/json', body: '{"errorCode":"1","state":"success"}' } as const;

const text = (v: string | null | undefined) => (v ?? '').trim();

export function createFlashCarrier(opts: FlashOptions): FlashCarrier {
  const code = opts.setting.code;
  const http: CarrierHttpOptions = { carrier: code, timeoutMs: opts.timeoutMs ?? 15_000 };
  const limiter = createRateLimiter({ overall: opts.rate ?? { perSecond: 5, burst: 5 } });

  function signed(params: Record<string, string | number | undefined>): URLSearchParams {
    const all: Record<string, string> = { mchId: opts.mchId, nonceStr: randomBytes(16).toString('hex') };
    for (const [k, v] of Object.entries(params)) if (v !== undefined) all[k] = String(v);
    return new URLSearchParams({ ...all, sign: flashSign(all, opts.secretKey) });
  }

  /** One signed call, paced; transport trouble comes back as a retryable CarrierError. */
  async function post(path: string, params: Record<string, string | number | undefined> = {}): Promise<Response> {
    await limiter.take(code);
    return carrierFetch(http, joinUrl(opts.baseUrl, path), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/json' },
      body: signed(params),
    });
  }

  async function envelopeOf(res: Response): Promise<Envelope> {
    const body = await readText(http, res);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const parsed = envelopeSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    // Flash answers even its refusals with HTTP 200 and its JSON; a 4xx without it is a wrong address, not Flash.
    if (!res.ok) throw new CarrierError(code, `HTTP_${res.status}`, body.slice(0, 200) || res.statusText, false);
    throw new CarrierError(code, 'BAD_RESPONSE', `unexpected answer: ${body.slice(0, 120)}`, true);
  }

  /** The `data` of a success; code 0 may pass on a retry, a 1000+ refusal will not. */
  function dataOf(envelope: Envelope): unknown {
    if (envelope.code === 1) return envelope.data;
    const reason = text(envelope.message) || `code ${envelope.code}`;
    throw new CarrierError(code, String(envelope.code), reason, envelope.code === 0);
  }

  async function call(path: string, params?: Record<string, string | number | undefined>): Promise<unknown> {
    return dataOf(await envelopeOf(await post(path, params)));
  }

  function shape<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new CarrierError(code, 'BAD_RESPONSE', `${what}: ${z.prettifyError(parsed.error)}`, false);
    return parsed.data;
  }

  const partyParams = (prefix: 'src' | 'dst', p: ParcelParty) => ({
    [`${prefix}Name`]: p.name,
    [`${prefix}Phone`]: p.phone.replace(/[\s-]/g, ''),
    [`${prefix}ProvinceName`]: p.province,
    // Flash's "city" is the amphoe (district) and its "district" the tambon (subdistrict).
    [`${prefix}CityName`]: p.district,
    [`${prefix}DistrictName`]: p.subdistrict,
    [`${prefix}PostalCode`]: p.postcode,
    [`${prefix}DetailAddress`]: p.address,
  });

  async function fetchLabel(trackingNumber: string): Promise<Uint8Array> {
    const res = await post(`/open/v1/orders/${encodeURIComponent(trackingNumber)}/pre_print`);
    const contentType = res.headers.get('content-type') ?? '';
    if (res.ok && !contentType.includes('json')) {
      const bytes = await readBytes(http, res);
      if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') === '%PDF-') return bytes;
      throw new CarrierError(code, 'BAD_RESPONSE', `the label is not a PDF (${contentType || 'no content type'})`, true);
    }
    // A JSON answer to a label call is a refusal (or a server error) in Flash's envelope.
    dataOf(await envelopeOf(res));
    throw new CarrierError(code, 'BAD_RESPONSE', 'the label call answered JSON without a label', false);
  }

  function bookingResult(data: z.infer<typeof orderData>, outTradeNo: string, alreadyBooked: boolean): BookingResult {
    const pno = data.pno;
    return {
      trackingNumber: pno,
      outTradeNo: data.outTradeNo ?? outTradeNo,
      sortCode: data.sortCode ?? undefined,
      sortingLineCode: data.sortingLineCode ?? undefined,
      destinationStore: data.dstStoreName ?? undefined,
      label: { format: 'pdf', fetch: () => fetchLabel(pno) },
      alreadyBooked,
    };
  }

  function eventFromWebhook(e: z.infer<typeof webhookEvent>, received: Date): CarrierEvent {
    const action = text(e.routeAction);
    return {
      trackingNumber: e.pno,
      status: action ? flashRouteStatus(action, e.state) : e.state === undefined ? 'in_transit' : flashStateStatus(e.state),
      // A status push without a time is taken as happening when it arrived.
      at: flashTime(e.routedAt, received),
      description: text(e.stateText) || text(e.message) || action || `state ${e.state ?? '?'}`,
      rawCode: action || `state:${e.state ?? ''}`,
      reference: text(e.outTradeNo) || undefined,
    };
  }

  return {
    code,
    name: opts.setting.name,
    webhookAck,
    trackingUrl: (n) => trackingLink(opts.setting.trackingUrl, n),

    async book(input: ParcelBooking): Promise<BookingResult> {
      const checked = parcelBookingSchema.safeParse(input);
      if (!checked.success) throw new CarrierError(code, 'INVALID_PARCEL', z.prettifyError(checked.error), false);
      const parcel = checked.data;
      const envelope = await envelopeOf(
        await post('/open/v3/orders', {
          outTradeNo: parcel.outTradeNo,
          ...partyParams('src', parcel.sender),
          ...partyParams('dst', parcel.receiver),
          articleCategory: articleCategory[parcel.itemCategory],
          expressCategory: 1,
          weight: parcel.weightGrams,
          codEnabled: parcel.codAmount > 0 ? 1 : 0,
          codAmount: parcel.codAmount > 0 ? parcel.codAmount : undefined,
          insured: 0,
          remark: parcel.remark,
        }),
      );
      if (envelope.code === 1) return bookingResult(shape(orderData, envelope.data, 'order'), parcel.outTradeNo, false);
      // Assumption (CARRIERS.md says only that a repeated outTradeNo is refused with a business error and
      // names no look-up by outTradeNo): the refusal carries the existing parcel in `data`, as the fake
      // does. Then a booking retried after a lost answer returns that parcel instead of failing.
      const existing = orderData.safeParse(envelope.data);
      if (envelope.code >= 1000 && existing.success && (existing.data.outTradeNo ?? parcel.outTradeNo) === parcel.outTradeNo) {
        return bookingResult(existing.data, parcel.outTradeNo, true);
      }
      dataOf(envelope);
      throw new CarrierError(code, 'BAD_RESPONSE', 'unexpected answer to a booking', true);
    },

    fetchLabel,

    async cancel(trackingNumber) {
      await call(`/open/v1/orders/${encodeURIComponent(trackingNumber)}/cancel`);
    },

    async requestPickup(request: PickupRequest): Promise<PickupResult> {
      const from = request.from;
      const data = shape(
        notifyData,
        await call('/open/v1/notify', {
          srcName: from.name,
          srcPhone: from.phone.replace(/[\s-]/g, ''),
          srcProvinceName: from.province,
          srcCityName: from.district,
          srcDistrictName: from.subdistrict,
          srcPostalCode: from.postcode,
          srcDetailAddress: from.address,
          estimateParcelNumber: request.estimatedParcels,
          remark: request.remark,
        }),
        'pickup',
      );
      return {
        reference: data?.ticketPickupId == null ? undefined : String(data.ticketPickupId),
        courierName: data?.staffInfoName ?? undefined,
        courierPhone: data?.staffInfoPhone ?? undefined,
      };
    },

    async track(trackingNumbers) {
      const events: CarrierEvent[] = [];
      const numbers = [...new Set(trackingNumbers)];
      const refused: CarrierError[] = [];
      for (const pno of numbers) {
        let data: z.infer<typeof routesData>;
        try {
          data = shape(routesData, await call(`/open/v1/orders/${encodeURIComponent(pno)}/routes`), 'routes');
        } catch (err) {
          // A number Flash refuses (unknown, not ours) gives no events; a bad signature or an outage stops the run.
          if (err instanceof CarrierError && !err.retryable && err.code !== '1002' && /^\d+$/.test(err.code)) {
            refused.push(err);
            continue;
          }
          throw err;
        }
        const now = new Date();
        const routes = (data.routes ?? []).map((r) => ({
          trackingNumber: pno,
          status: flashRouteStatus(r.routeAction, r.state),
          at: flashTime(r.routedAt, now),
          description: text(r.message) || r.routeAction,
          location: text(r.storeName) || undefined,
          rawCode: r.routeAction,
        }));
        // Flash lists routes newest first; the port gives them oldest first (stable for equal times).
        routes.reverse().sort((a, b) => a.at.getTime() - b.at.getTime());
        events.push(...routes);
      }
      // Every number refused is the account's problem (merchant id, contract), not the numbers'.
      if (numbers.length > 1 && refused.length === numbers.length) throw refused[0];
      return events;
    },

    verifyWebhook(request: InboundWebhook): boolean {
      const form = new URLSearchParams(request.rawBody);
      const mchId = form.get('mchId') ?? '';
      const nonceStr = form.get('nonceStr') ?? '';
      // Flash signs only mchId and nonceStr on webhooks; the merchant id must also be ours.
      if (mchId !== opts.mchId || nonceStr.trim() === '') return false;
      return flashSignMatches({ mchId, nonceStr }, opts.secretKey, form.get('sign') ?? undefined);
    },

    parseWebhook(rawBody: string): CarrierEvent[] {
      const raw = new URLSearchParams(rawBody).get('data');
      if (raw === null) throw new CarrierError(code, 'BAD_WEBHOOK', 'the webhook has no data field', false);
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new CarrierError(code, 'BAD_WEBHOOK', 'the webhook data is not JSON', false);
      }
      // One event as documented; a list is taken too, so a batched push is not refused.
      const parsed = z.array(webhookEvent).safeParse(Array.isArray(json) ? json : [json]);
      if (!parsed.success) throw new CarrierError(code, 'BAD_WEBHOOK', z.prettifyError(parsed.error), false);
      const received = new Date();
      return parsed.data.map((e) => eventFromWebhook(e, received));
    },
  };
}
