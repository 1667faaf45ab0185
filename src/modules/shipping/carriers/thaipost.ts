/**
 * Thailand Post: counter-bought EMS and registered parcels, followed through the tracking API
 * (CARRIERS.md). Without an API key it still checks typed barcodes (S10 check digit) and links them.
 */
import { z } from 'zod';
import { trackingLink, type CarrierSetting } from './link-only.ts';
import { carrierFetch, joinUrl, parseJson, readText, type CarrierHttpOptions } from './http.ts';
import { CarrierError, type Carrier, type CarrierEvent, type CarrierEventStatus } from './port.ts';
import { checkS10, normalizeS10 } from './s10.ts';

export const THAIPOST_PRODUCTION_URL = 'https://trackapi.thailandpost.co.th';
/** The API takes at most this many barcodes a call. */
export const THAIPOST_MAX_BARCODES = 1000;

export interface ThaiPostCredentials {
  apiKey: string;
  baseUrl: string;
}

export interface ThaiPostToken {
  token: string;
  expiresAt: Date;
}

/** Where the token outlives the process (phase 2: the database), so a restart does not ask for a new one. */
export interface ThaiPostTokenStore {
  load(): Promise<ThaiPostToken | undefined>;
  save(token: ThaiPostToken): Promise<void>;
}

export interface ThaiPostOptions {
  setting: Pick<CarrierSetting, 'code' | 'name' | 'trackingUrl'>;
  /** Absent: no tracking, only barcode checks and links. */
  api?: ThaiPostCredentials | undefined;
  tokenStore?: ThaiPostTokenStore | undefined;
  /** A token this close to its expiry is renewed before use (default 3 days of its month). */
  renewBeforeMs?: number | undefined;
  timeoutMs?: number | undefined;
  language?: 'TH' | 'EN' | undefined;
  /** Barcodes a call, at most 1,000 (the API's limit). */
  batchSize?: number | undefined;
  now?: (() => Date) | undefined;
}

export type ThaiPostCarrier = Carrier & Required<Pick<Carrier, 'validateTrackingNumber'>>;

/**
 * A status code in our words. The ones CARRIERS.md names exactly; the rest by their family
 * (1xx accepted, 2xx moving, 3xx with the postman, 4xx not delivered), anything else an exception.
 */
export function thaiPostStatus(code: string): CarrierEventStatus {
  switch (code) {
    case '103':
      return 'picked_up';
    case '201':
      return 'in_transit';
    // ส่งคืนต้นทาง: on its way back to the sender; 'returned' once that delivery is made (see eventsOf).
    case '203':
      return 'returning';
    // Export or import cancelled at the exchange office: the parcel will not go on as planned.
    case '209':
    case '210':
      return 'exception';
    case '301':
      return 'out_for_delivery';
    case '401':
      return 'failed_attempt';
    case '501':
      return 'delivered';
  }
  if (/^1\d\d$/.test(code)) return 'picked_up';
  if (/^2\d\d$/.test(code)) return 'in_transit';
  if (/^3\d\d$/.test(code)) return 'out_for_delivery';
  if (/^4\d\d$/.test(code)) return 'failed_attempt';
  return 'exception';
}

/**
 * Thailand Post writes times as "19/07/2563 18:17:20+07:00" (day first, Buddhist-era year, Bangkok
 * offset); an ISO text is taken too. Undefined when it is neither.
 */
export function parseThaiPostDate(value: string | null | undefined): Date | undefined {
  const s = (value ?? '').trim();
  if (!s) return undefined;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    const [, d, mo, y, h, mi, sec, tz] = m;
    const year = Number(y) > 2400 ? Number(y) - 543 : Number(y);
    const offset = tz ? (tz.includes(':') ? tz : `${tz.slice(0, 3)}:${tz.slice(3)}`) : '+07:00';
    const pad = (v: string | undefined) => (v ?? '0').padStart(2, '0');
    const date = new Date(`${year}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(sec)}${offset}`);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  const date = new Date(s.replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const tokenAnswer = z.object({ token: z.string().min(1), expire: z.string() });

const trackItem = z.looseObject({
  barcode: z.string().optional(),
  status: z.union([z.string(), z.number()]).transform(String),
  status_description: z.string().nullish(),
  status_date: z.string().nullish(),
  location: z.string().nullish(),
  postcode: z.string().nullish(),
  delivery_status: z.union([z.string(), z.number()]).nullish(),
  delivery_description: z.string().nullish(),
  delivery_datetime: z.string().nullish(),
  receiver_name: z.string().nullish(),
});

const trackAnswer = z.object({
  response: z.object({ items: z.record(z.string(), z.array(trackItem).nullable()) }).nullish(),
  message: z.string().nullish(),
  status: z.boolean(),
});

const text = (v: string | null | undefined) => (v ?? '').trim();

/** One barcode's history, oldest first as the API gives it, in our words. */
function eventsOf(barcode: string, items: readonly z.infer<typeof trackItem>[], fallback: Date): CarrierEvent[] {
  let sentBack = false;
  let last = fallback;
  return items.map((item) => {
    let status = thaiPostStatus(item.status);
    // After 203 the parcel travels back: its later moves are the return, and its delivery is the sender's.
    if (item.status === '203') sentBack = true;
    else if (sentBack) status = status === 'delivered' ? 'returned' : status === 'exception' ? status : 'returning';
    // A time that cannot be read keeps the event in its place after the one before.
    const at = parseThaiPostDate(item.status_date) ?? last;
    last = at;
    const description = [text(item.status_description), text(item.delivery_description), text(item.receiver_name)]
      .filter((t, i, all) => t !== '' && all.indexOf(t) === i)
      .join(' · ');
    const location = [text(item.location), text(item.postcode)].filter(Boolean).join(' ');
    return {
      trackingNumber: barcode,
      status,
      at,
      description: description || item.status,
      location: location || undefined,
      rawCode: item.status,
    };
  });
}

export function createThaiPostCarrier(opts: ThaiPostOptions): ThaiPostCarrier {
  const code = opts.setting.code;
  const base: ThaiPostCarrier = {
    code,
    name: opts.setting.name,
    trackingUrl: (n) => trackingLink(opts.setting.trackingUrl, n),
    validateTrackingNumber: checkS10,
  };
  const api = opts.api;
  if (!api) return base;

  const http: CarrierHttpOptions = { carrier: code, timeoutMs: opts.timeoutMs ?? 30_000 };
  const now = opts.now ?? (() => new Date());
  const renewBeforeMs = opts.renewBeforeMs ?? 3 * 86_400_000;
  const batchSize = Math.min(THAIPOST_MAX_BARCODES, Math.max(1, opts.batchSize ?? THAIPOST_MAX_BARCODES));
  let current: ThaiPostToken | undefined;
  let storeRead = false;
  let pending: Promise<ThaiPostToken> | undefined;

  const fresh = (t: ThaiPostToken | undefined): t is ThaiPostToken => t !== undefined && t.expiresAt.getTime() - now().getTime() > renewBeforeMs;

  async function post(path: string, authorization: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await carrierFetch(http, joinUrl(api!.baseUrl, path), {
      method: 'POST',
      headers: { authorization: `Token ${authorization}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const raw = await readText(http, res);
    if (res.status === 401 || res.status === 403) return { status: res.status, json: undefined };
    if (!res.ok) throw new CarrierError(code, `HTTP_${res.status}`, raw.slice(0, 200) || res.statusText, false);
    return { status: res.status, json: parseJson(http, raw) };
  }

  async function renew(): Promise<ThaiPostToken> {
    const answer = await post('/post/api/v1/authenticate/token', api!.apiKey);
    if (answer.json === undefined) throw new CarrierError(code, 'UNAUTHORIZED', 'Thailand Post refused the API key', false);
    const parsed = tokenAnswer.safeParse(answer.json);
    if (!parsed.success) throw new CarrierError(code, 'BAD_RESPONSE', z.prettifyError(parsed.error), true);
    // An expiry that cannot be read: use the token for a day, then ask again.
    const expiresAt = parseThaiPostDate(parsed.data.expire) ?? new Date(now().getTime() + 86_400_000 + renewBeforeMs);
    return { token: parsed.data.token, expiresAt };
  }

  /** The kept token, or a new one; concurrent callers share one request. */
  function token(): Promise<string> {
    if (fresh(current)) return Promise.resolve(current.token);
    pending ??= (async () => {
      if (!storeRead) {
        storeRead = true;
        const stored = await opts.tokenStore?.load();
        if (fresh(stored)) return stored;
      }
      const renewed = await renew();
      await opts.tokenStore?.save(renewed);
      return renewed;
    })()
      .then((t) => (current = t))
      .finally(() => {
        pending = undefined;
      });
    return pending.then((t) => t.token);
  }

  async function trackBatch(barcodes: string[]): Promise<CarrierEvent[]> {
    const body = { status: 'all', language: opts.language ?? 'TH', barcode: barcodes };
    let answer = await post('/post/api/v1/track', await token(), body);
    if (answer.json === undefined) {
      // Revoked or expired early: one new token, one more try.
      current = undefined;
      answer = await post('/post/api/v1/track', await token(), body);
      if (answer.json === undefined) throw new CarrierError(code, 'UNAUTHORIZED', 'Thailand Post refused a new token', false);
    }
    const parsed = trackAnswer.safeParse(answer.json);
    if (!parsed.success) throw new CarrierError(code, 'BAD_RESPONSE', z.prettifyError(parsed.error), true);
    if (!parsed.data.status) throw new CarrierError(code, 'REFUSED', text(parsed.data.message) || 'Thailand Post refused the request', false);
    const items = parsed.data.response?.items ?? {};
    const received = now();
    return barcodes.flatMap((b) => eventsOf(b, items[b] ?? [], received));
  }

  return {
    ...base,
    async track(trackingNumbers) {
      const barcodes = [...new Set(trackingNumbers.map(normalizeS10))];
      const events: CarrierEvent[] = [];
      for (let i = 0; i < barcodes.length; i += batchSize) events.push(...(await trackBatch(barcodes.slice(i, i + batchSize))));
      return events;
    },
  };
}
