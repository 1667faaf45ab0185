// A stand-in for Meta's Graph API as the Messenger Platform uses it (the Send API, sender profiles and
// the CDN that serves attachments), because graph.facebook.com cannot be reached from here. It refuses
// what Meta refuses, with Meta's error shape: messages over the Send API's limits, and messages outside
// the 24-hour window, counted from the last message each person sent (as the webhook builders or
// personWrote() tell it).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createFaults, fakeServer, hang, type FailureKind, type FailureOptions, type PickedFault } from './faults.ts';

// ---------------------------------------------------------------------------
// Public types

/** Transport failures, as in the other fakes (faults.ts); a 500 or 429 carries Meta's error body. */
export type GraphFailureKind = FailureKind;

/**
 * Meta's own refusals, on demand:
 * - `rate-limit`: #613 "Calls to this api have exceeded the rate limit" (per person);
 * - `app-rate-limit`: #4 "Application request limit reached";
 * - `permission`: #10 "Application does not have permission for this action";
 * - `permission-200`: #200 "Permissions error";
 * - `user-unavailable`: #551 "This person isn't available right now";
 * - `outside-window`: #10 / 2018278 "This message is sent outside of allowed window".
 */
export type GraphRefusal = 'rate-limit' | 'app-rate-limit' | 'permission' | 'permission-200' | 'user-unavailable' | 'outside-window';

export interface GraphError {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  fbtrace_id: string;
}

export interface GraphApiCall {
  seq: number;
  method: string;
  /** Path without the query string, e.g. `/v23.0/me/messages`. */
  path: string;
  /** The Graph API version in the path (`v23.0`), when there is one. */
  version: string | undefined;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: unknown;
  time: number;
  /** True when the fake carried the call out (a message was delivered). */
  ok: boolean;
  status: number | undefined;
  failure?: GraphFailureKind;
  refusal?: GraphRefusal;
  response?: unknown;
}

export type MessagingType = 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';

export interface GraphSentMessage {
  recipientId: string;
  messagingType: MessagingType;
  tag: string | undefined;
  /** The `message` object as sent. */
  message: SendApiMessage;
  messageId: string;
  time: number;
}

export interface SendApiQuickReply {
  content_type: string;
  title?: string;
  payload?: string;
}

export interface SendApiMessage {
  text?: string;
  quick_replies?: SendApiQuickReply[];
  attachment?: {
    type: string;
    payload: {
      url?: string;
      is_reusable?: boolean;
      template_type?: string;
      elements?: { title: string; subtitle?: string; image_url?: string; buttons?: { type: string; title: string; payload?: string; url?: string }[] }[];
    };
  };
}

export interface GraphProfile {
  first_name?: string;
  last_name?: string;
  profile_pic?: string;
}

export interface FakeGraphApiOptions {
  appSecret?: string;
  pageAccessToken?: string;
  verifyToken?: string;
  profiles?: Record<string, GraphProfile>;
  /** The fake's clock for the 24-hour rule and CDN expiry (default Date.now). */
  now?: () => number;
  /** Send API calls per person per rolling hour before #613 (Meta's documented budget, about 200). */
  callsPerPersonPerHour?: number;
  /** How long an attachment's CDN URL works (default 1 hour; Meta's expire within days). */
  cdnTtlMs?: number;
  hangMs?: number;
}

export interface FakeGraphApi {
  readonly baseUrl: string;
  readonly appSecret: string;
  readonly pageAccessToken: string;
  readonly verifyToken: string;
  /** Every call, in arrival order, including refused and failed ones. */
  readonly calls: readonly GraphApiCall[];
  /** Messages the Send API accepted, in order; with personId, only theirs. */
  sent(personId?: string): GraphSentMessage[];
  /** The text of every accepted text message, in order. */
  sentTexts(personId?: string): string[];
  /** Meta learns that personId wrote to the page at `at` (replacing what it knew): the 24-hour window starts there. */
  personWrote(personId: string, at: Date | number): void;
  lastInboundAt(personId: string): number | undefined;
  setProfile(personId: string, profile: GraphProfile): void;
  /** Serves these bytes at a CDN URL that stops working after ttlMs (403 "URL signature expired"). */
  cdnUrl(data: Buffer | Uint8Array | string, opts?: { contentType?: string; ttlMs?: number }): string;
  /** Every CDN URL handed out so far stops working now. */
  expireAttachments(): void;
  /** A signed webhook POST, as Meta sends it; every message or postback a person sent starts their window. */
  webhookRequest(object: 'page' | 'instagram', items: MessagingItemInput[] | MessagingItemInput[][]): SignedWebhook;
  /** The echoes Meta would send for what the page sent to personId (the webhook's message_echoes). */
  echoesOf(personId: string, from?: string): MessagingItemInput[];
  /** The next n Send API calls are refused with a Meta error (`only` on the path). */
  refuseNext(n: number, refusal: GraphRefusal, opts?: { only?: string | RegExp }): void;
  failNext(n: number, kind: GraphFailureKind, opts?: FailureOptions): void;
  setFailureRate(p: number, kinds: readonly GraphFailureKind[], seed?: number, opts?: FailureOptions): void;
  /** Forget calls, messages, refusals and failures; keep profiles, inbound times and CDN content. */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Webhook builders

export const FAKE_PAGE_ID = '110000000000001';
export const FAKE_INSTAGRAM_ID = '17841400000000001';

/** A page-scoped (or Instagram-scoped) id: digits; the same seed gives the same id. */
export function psid(seed?: string): string {
  const hex = seed === undefined ? randomBytes(8).toString('hex') : createHash('md5').update(seed).digest('hex').slice(0, 16);
  return (BigInt(`0x${hex}`) % 9_000_000_000_000_000n + 1_000_000_000_000_000n).toString();
}

export const newMid = (): string => `m_${randomBytes(32).toString('base64url')}`;

/** One item of `entry[].messaging`, loosely typed so tests can also build malformed ones. */
export interface MessagingItemInput {
  sender: { id: string };
  recipient: { id: string };
  timestamp: number;
  message?: Record<string, unknown> & { mid: string };
  postback?: { title?: string; payload: string; mid?: string };
  read?: { watermark: number };
  delivery?: { mids?: string[]; watermark: number };
  [key: string]: unknown;
}

interface ItemInput {
  /** The person. */
  from: string;
  /** The page or Instagram account (default: the fake page). */
  to?: string;
  timestamp?: number;
  mid?: string;
}

const base = (i: ItemInput) => ({ sender: { id: i.from }, recipient: { id: i.to ?? FAKE_PAGE_ID }, timestamp: i.timestamp ?? Date.now() });

export function fbText(i: ItemInput & { text: string }): MessagingItemInput {
  return { ...base(i), message: { mid: i.mid ?? newMid(), text: i.text } };
}

/** A tapped quick reply: the text is the button's title, the payload what it stands for. */
export function fbQuickReply(i: ItemInput & { title: string; payload: string }): MessagingItemInput {
  return { ...base(i), message: { mid: i.mid ?? newMid(), text: i.title, quick_reply: { payload: i.payload } } };
}

/** A tapped carousel button. Meta includes a mid in newer versions; pass `mid: null` for one without. */
export function fbPostback(i: Omit<ItemInput, 'mid'> & { title: string; payload: string; mid?: string | null }): MessagingItemInput {
  const mid = i.mid === null ? undefined : (i.mid ?? newMid());
  return { ...base({ from: i.from, to: i.to, timestamp: i.timestamp }), postback: { title: i.title, payload: i.payload, ...(mid ? { mid } : {}) } };
}

/** A photo: its bytes are at `url` (fake.cdnUrl(...)). */
export function fbImage(i: ItemInput & { url: string }): MessagingItemInput {
  return { ...base(i), message: { mid: i.mid ?? newMid(), attachments: [{ type: 'image', payload: { url: i.url } }] } };
}

/** A sticker; `like` is Messenger's thumbs-up button. */
export function fbSticker(i: ItemInput & { like?: boolean; url?: string }): MessagingItemInput {
  const stickerId = i.like ? 369239263222822 : 126362180881;
  const url = i.url ?? `https://scontent.xx.fbcdn.net/v/t39.1997-6/${stickerId}.png`;
  return { ...base(i), message: { mid: i.mid ?? newMid(), sticker_id: stickerId, attachments: [{ type: 'image', payload: { url, sticker_id: stickerId } }] } };
}

/** The page's own message (sent by the bot, or by a person in Meta's inbox when appId is absent). */
export function fbEcho(i: { to: string; from?: string; text: string; mid?: string; timestamp?: number; appId?: number }): MessagingItemInput {
  return {
    sender: { id: i.from ?? FAKE_PAGE_ID },
    recipient: { id: i.to },
    timestamp: i.timestamp ?? Date.now(),
    message: { mid: i.mid ?? newMid(), is_echo: true, text: i.text, ...(i.appId === undefined ? {} : { app_id: i.appId }) },
  };
}

export function fbRead(i: Omit<ItemInput, 'mid'>): MessagingItemInput {
  return { ...base(i), read: { watermark: i.timestamp ?? Date.now() } };
}

export function fbDelivery(i: Omit<ItemInput, 'mid'> & { mids?: string[] }): MessagingItemInput {
  return { ...base(i), delivery: { mids: i.mids ?? [], watermark: i.timestamp ?? Date.now() } };
}

/** A webhook body; a nested array makes one entry per inner array (Meta batches entries too). */
export function facebookWebhookBody(object: 'page' | 'instagram', items: MessagingItemInput[] | MessagingItemInput[][]) {
  const groups = (items.length > 0 && Array.isArray(items[0]) ? items : [items]) as MessagingItemInput[][];
  return {
    object,
    entry: groups.map((group) => {
      const first = group[0];
      const pageId = first ? (first.message?.is_echo ? first.sender.id : first.recipient.id) : FAKE_PAGE_ID;
      return { id: pageId, time: Date.now(), messaging: group };
    }),
  };
}

/** What Meta puts in X-Hub-Signature-256: `sha256=` + hex HMAC-SHA256 of the raw body with the app secret. */
export function signFacebookBody(body: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export interface SignedWebhook {
  body: string;
  headers: { 'content-type': string; 'x-hub-signature-256': string };
}

export function facebookWebhookRequest(object: 'page' | 'instagram', items: MessagingItemInput[] | MessagingItemInput[][], appSecret: string): SignedWebhook {
  const body = JSON.stringify(facebookWebhookBody(object, items));
  return { body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signFacebookBody(body, appSecret) } };
}

// ---------------------------------------------------------------------------
// Validation, as the Send API refuses

const HOUR = 3_600_000;
const TAGS = new Set(['CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE', 'ACCOUNT_UPDATE', 'HUMAN_AGENT']);
const MESSAGING_TYPES = new Set(['RESPONSE', 'UPDATE', 'MESSAGE_TAG']);

const fbtrace = () => randomBytes(8).toString('base64url');
const invalid = (message: string, subcode?: number): GraphError => ({
  message: `(#100) ${message}`,
  type: 'OAuthException',
  code: 100,
  ...(subcode ? { error_subcode: subcode } : {}),
  fbtrace_id: fbtrace(),
});

const REFUSALS: Record<GraphRefusal, () => GraphError> = {
  'rate-limit': () => ({ message: '(#613) Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613, fbtrace_id: fbtrace() }),
  'app-rate-limit': () => ({ message: '(#4) Application request limit reached', type: 'OAuthException', code: 4, fbtrace_id: fbtrace() }),
  permission: () => ({ message: '(#10) Application does not have permission for this action', type: 'OAuthException', code: 10, fbtrace_id: fbtrace() }),
  'permission-200': () => ({ message: '(#200) Permissions error', type: 'OAuthException', code: 200, fbtrace_id: fbtrace() }),
  'user-unavailable': () => ({ message: "(#551) This person isn't available right now.", type: 'OAuthException', code: 551, error_subcode: 1545041, fbtrace_id: fbtrace() }),
  'outside-window': () => ({
    message: '(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview',
    type: 'OAuthException',
    code: 10,
    error_subcode: 2018278,
    fbtrace_id: fbtrace(),
  }),
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/\S+$/.test(v);
const tooLong = (v: unknown, max: number) => typeof v === 'string' && v.length > max;

function checkQuickReplies(qr: unknown): GraphError | undefined {
  if (qr === undefined) return undefined;
  if (!Array.isArray(qr) || qr.length === 0) return invalid('param message[quick_replies] must be a non-empty array');
  if (qr.length > 13) return invalid('param message[quick_replies] must contain at most 13 elements');
  for (const [i, q] of qr.entries()) {
    if (!isObject(q) || !['text', 'user_phone_number', 'user_email'].includes(String(q.content_type))) {
      return invalid(`param message[quick_replies][${i}][content_type] must be one of {text, user_phone_number, user_email}`);
    }
    if (q.content_type !== 'text') continue;
    if (typeof q.title !== 'string' || q.title === '') return invalid(`param message[quick_replies][${i}][title] is required`);
    if (tooLong(q.title, 20)) return invalid(`param message[quick_replies][${i}][title] must be at most 20 characters`);
    if (typeof q.payload !== 'string' || q.payload === '') return invalid(`param message[quick_replies][${i}][payload] is required`);
    if (tooLong(q.payload, 1000)) return invalid(`param message[quick_replies][${i}][payload] must be at most 1000 characters`);
  }
  return undefined;
}

function checkGeneric(payload: Record<string, unknown>): GraphError | undefined {
  const elements = payload.elements;
  if (!Array.isArray(elements) || elements.length === 0) return invalid('param message[attachment][payload][elements] must be a non-empty array');
  if (elements.length > 10) return invalid('param message[attachment][payload][elements] must contain at most 10 elements');
  for (const [i, e] of elements.entries()) {
    const at = `message[attachment][payload][elements][${i}]`;
    if (!isObject(e) || typeof e.title !== 'string' || e.title === '') return invalid(`param ${at}[title] is required`);
    if (tooLong(e.title, 80)) return invalid(`param ${at}[title] must be at most 80 characters`);
    if (e.subtitle !== undefined && (typeof e.subtitle !== 'string' || tooLong(e.subtitle, 80))) return invalid(`param ${at}[subtitle] must be at most 80 characters`);
    if (e.image_url !== undefined && !isUrl(e.image_url)) return invalid(`param ${at}[image_url] must be a valid URL`);
    if (e.subtitle === undefined && e.image_url === undefined && e.buttons === undefined) return invalid(`param ${at} must have a subtitle, an image_url or buttons`);
    if (e.buttons === undefined) continue;
    if (!Array.isArray(e.buttons) || e.buttons.length === 0) return invalid(`param ${at}[buttons] must be a non-empty array`);
    if (e.buttons.length > 3) return invalid(`param ${at}[buttons] must contain at most 3 elements`);
    for (const [j, b] of e.buttons.entries()) {
      const bAt = `${at}[buttons][${j}]`;
      if (!isObject(b) || (b.type !== 'postback' && b.type !== 'web_url')) return invalid(`param ${bAt}[type] must be one of {postback, web_url}`);
      if (typeof b.title !== 'string' || b.title === '') return invalid(`param ${bAt}[title] is required`);
      if (tooLong(b.title, 20)) return invalid(`param ${bAt}[title] must be at most 20 characters`);
      if (b.type === 'postback' && (typeof b.payload !== 'string' || b.payload === '' || tooLong(b.payload, 1000))) {
        return invalid(`param ${bAt}[payload] must be between 1 and 1000 characters`);
      }
      if (b.type === 'web_url' && !isUrl(b.url)) return invalid(`param ${bAt}[url] must be a valid URL`);
    }
  }
  return undefined;
}

function checkMessage(message: unknown): GraphError | undefined {
  if (!isObject(message)) return invalid('The parameter message is required');
  const hasText = message.text !== undefined;
  const hasAttachment = message.attachment !== undefined;
  if (hasText && hasAttachment) return invalid('Only one of text or attachment can be specified');
  if (!hasText && !hasAttachment) return invalid('Message cannot be empty, must provide valid attachment or text');
  if (hasText) {
    if (typeof message.text !== 'string' || message.text.trim() === '') return invalid('param message[text] must be a non-empty UTF-8 encoded string');
    if (message.text.length > 2000) return invalid('Length of param message[text] must be less than or equal to 2000');
  } else {
    const a = message.attachment;
    if (!isObject(a) || !isObject(a.payload)) return invalid('param message[attachment][payload] is required');
    if (['image', 'audio', 'video', 'file'].includes(String(a.type))) {
      if (!isUrl(a.payload.url) && a.payload.attachment_id === undefined) return invalid('param message[attachment][payload][url] must be a valid URL');
    } else if (a.type === 'template') {
      if (a.payload.template_type !== 'generic') return invalid('param message[attachment][payload][template_type] is not supported by this fake');
      const e = checkGeneric(a.payload);
      if (e) return e;
    } else return invalid('param message[attachment][type] must be one of {image, audio, video, file, template}');
  }
  return checkQuickReplies(message.quick_replies);
}

// ---------------------------------------------------------------------------
// The server

interface Answer {
  status: number;
  body?: unknown;
  bytes?: { data: Buffer; contentType: string };
  text?: string;
  refusal?: GraphRefusal;
  commit?: () => void;
}

const graphError = (error: GraphError, status = 400): Answer => ({ status, body: { error } });

function flatHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

export async function startFakeGraphApi(options: FakeGraphApiOptions = {}): Promise<FakeGraphApi> {
  const appSecret = options.appSecret ?? 'test-facebook-app-secret';
  const pageAccessToken = options.pageAccessToken ?? 'EAATestPageAccessToken0123456789';
  const verifyToken = options.verifyToken ?? 'test-facebook-verify-token';
  const now = options.now ?? Date.now;
  const perHour = options.callsPerPersonPerHour ?? 200;
  const cdnTtlMs = options.cdnTtlMs ?? HOUR;
  const defaultHangMs = options.hangMs ?? 30_000;

  const calls: GraphApiCall[] = [];
  const sent: GraphSentMessage[] = [];
  const profiles = new Map<string, GraphProfile>(Object.entries(options.profiles ?? {}));
  const lastInbound = new Map<string, number>();
  const sendTimes = new Map<string, number[]>();
  const cdn = new Map<string, { data: Buffer; contentType: string; expiresAt: number }>();
  const refusals: { remaining: number; refusal: GraphRefusal; only?: string | RegExp | undefined }[] = [];
  const faults = createFaults();
  const hanging = new Set<NodeJS.Timeout>();
  let seq = 0;
  let baseUrl = '';

  function record(request: FastifyRequest): GraphApiCall {
    const path = request.url.split('?')[0] ?? request.url;
    const query: Record<string, string> = {};
    if (isObject(request.query)) for (const [k, v] of Object.entries(request.query)) query[k] = String(v);
    const call: GraphApiCall = {
      seq: ++seq,
      method: request.method,
      path,
      version: /^\/(v\d+\.\d+)\//.exec(path)?.[1],
      query,
      headers: flatHeaders(request.headers),
      body: request.body,
      time: now(),
      ok: false,
      status: undefined,
    };
    calls.push(call);
    return call;
  }

  function send(reply: FastifyReply, call: GraphApiCall, answer: Answer): FastifyReply {
    call.status = answer.status;
    if (answer.refusal) call.refusal = answer.refusal;
    if (answer.bytes) {
      call.response = { contentType: answer.bytes.contentType, length: answer.bytes.data.length };
      return reply.code(answer.status).header('content-type', answer.bytes.contentType).send(answer.bytes.data);
    }
    if (answer.text !== undefined) {
      call.response = answer.text;
      return reply.code(answer.status).header('content-type', 'text/plain').send(answer.text);
    }
    call.response = answer.body ?? {};
    return reply.code(answer.status).header('content-type', 'application/json').send(JSON.stringify(answer.body ?? {}));
  }

  function injectFailure(reply: FastifyReply, call: GraphApiCall, fault: PickedFault): FastifyReply | undefined {
    call.failure = fault.kind;
    switch (fault.kind) {
      case 500:
        return send(reply, call, graphError({ message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, fbtrace_id: fbtrace() }, 500));
      case 429:
        return send(reply, call, graphError(REFUSALS['rate-limit'](), 429));
      case 'timeout':
        hang(reply, fault.opts.hangMs ?? defaultHangMs, hanging);
        return undefined;
      case 'reset':
      case 'lost-response':
        reply.hijack();
        reply.raw.destroy();
        return undefined;
    }
  }

  function tokenProblem(call: GraphApiCall): Answer | undefined {
    const token = call.query.access_token;
    if (token === undefined) return graphError({ message: 'An active access token must be used to query information about the current user.', type: 'OAuthException', code: 2500, fbtrace_id: fbtrace() });
    if (token !== pageAccessToken) return graphError({ message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190, fbtrace_id: fbtrace() });
    return undefined;
  }

  function pickRefusal(path: string): GraphRefusal | undefined {
    const rule = refusals.find((r) => r.only === undefined || (typeof r.only === 'string' ? r.only === path : r.only.test(path)));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) refusals.splice(refusals.indexOf(rule), 1);
    return rule.refusal;
  }

  function sendEndpoint(call: GraphApiCall): Answer {
    const auth = tokenProblem(call);
    if (auth) return auth;
    const refusal = pickRefusal(call.path);
    if (refusal) return { ...graphError(REFUSALS[refusal]()), refusal };
    const body = isObject(call.body) ? call.body : {};
    const recipient = isObject(body.recipient) ? body.recipient.id : undefined;
    if (typeof recipient !== 'string' || recipient === '') return graphError(invalid('The parameter recipient is required'));
    const type = body.messaging_type;
    if (typeof type !== 'string' || !MESSAGING_TYPES.has(type)) return graphError(invalid('param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}'));
    const tag = body.tag;
    if (type === 'MESSAGE_TAG' && (typeof tag !== 'string' || !TAGS.has(tag))) {
      return graphError(invalid('param tag must be one of {CONFIRMED_EVENT_UPDATE, POST_PURCHASE_UPDATE, ACCOUNT_UPDATE, HUMAN_AGENT}'));
    }
    const shape = checkMessage(body.message);
    if (shape) return graphError(shape);
    const wrote = lastInbound.get(recipient);
    if (wrote === undefined && !profiles.has(recipient)) return graphError(invalid('No matching user found', 2018001));
    const since = wrote === undefined ? Infinity : now() - wrote;
    const allowed = type === 'MESSAGE_TAG' ? (tag === 'HUMAN_AGENT' ? since < 7 * 24 * HOUR : wrote !== undefined) : since < 24 * HOUR;
    if (!allowed) return { ...graphError(REFUSALS['outside-window']()), refusal: 'outside-window' };
    const times = (sendTimes.get(recipient) ?? []).filter((t) => t > now() - HOUR);
    sendTimes.set(recipient, times);
    if (times.length >= perHour) return { ...graphError(REFUSALS['rate-limit']()), refusal: 'rate-limit' };
    const messageId = newMid();
    return {
      status: 200,
      body: { recipient_id: recipient, message_id: messageId },
      commit: () => {
        times.push(now());
        sent.push({ recipientId: recipient, messagingType: type as MessagingType, tag: typeof tag === 'string' ? tag : undefined, message: body.message as SendApiMessage, messageId, time: call.time });
      },
    };
  }

  function profileEndpoint(call: GraphApiCall, id: string): Answer {
    const auth = tokenProblem(call);
    if (auth) return auth;
    const profile = profiles.get(id);
    if (!profile) {
      return graphError(invalid(`Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, 33));
    }
    const fields = (call.query.fields ?? 'first_name,last_name').split(',');
    const out: Record<string, unknown> = { id };
    for (const f of fields) if (f in profile) out[f] = profile[f as keyof GraphProfile];
    return { status: 200, body: out };
  }

  function cdnEndpoint(key: string): Answer {
    const item = cdn.get(key);
    if (!item) return { status: 404, text: 'Not Found' };
    if (item.expiresAt <= now()) return { status: 403, text: 'URL signature expired' };
    return { status: 200, bytes: { data: item.data, contentType: item.contentType } };
  }

  function handle(endpoint: (call: GraphApiCall, request: FastifyRequest) => Answer, faultTarget: (call: GraphApiCall) => string) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const call = record(request);
      const fault = faults.pick(faultTarget(call));
      if (fault && fault.kind !== 'lost-response') return injectFailure(reply, call, fault);
      const answer = endpoint(call, request);
      if (answer.status >= 200 && answer.status < 300) {
        answer.commit?.();
        call.ok = true;
      }
      if (fault) return injectFailure(reply, call, fault);
      return send(reply, call, answer);
    };
  }

  const app = fakeServer({ badJson: '(#100) The request body could not be parsed as JSON' });
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const call = record(request);
    return send(reply, call, graphError(invalid(error.message.replace(/^\(#100\) /, '')), error.statusCode ?? 400));
  });
  app.setNotFoundHandler((request, reply) => {
    const call = record(request);
    return send(reply, call, graphError({ message: 'Unknown path components', type: 'OAuthException', code: 2500, fbtrace_id: fbtrace() }, 400));
  });
  app.post('/:version/me/messages', handle(sendEndpoint, (c) => c.path));
  app.get('/cdn/:key', handle((_c, r) => cdnEndpoint((r.params as { key: string }).key), (c) => c.path));
  app.get('/:version/:id', handle((c, r) => profileEndpoint(c, (r.params as { id: string }).id), (c) => c.path));
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });

  const noteInbound = (items: MessagingItemInput[]) => {
    for (const item of items) {
      if ((!item.message && !item.postback) || item.message?.is_echo) continue;
      lastInbound.set(item.sender.id, Math.max(lastInbound.get(item.sender.id) ?? 0, item.timestamp));
    }
  };

  return {
    baseUrl,
    appSecret,
    pageAccessToken,
    verifyToken,
    calls,
    sent: (personId) => sent.filter((s) => personId === undefined || s.recipientId === personId),
    sentTexts: (personId) => sent.filter((s) => (personId === undefined || s.recipientId === personId) && s.message.text !== undefined).map((s) => s.message.text!),
    personWrote(personId, at) {
      lastInbound.set(personId, typeof at === 'number' ? at : at.getTime());
    },
    lastInboundAt: (personId) => lastInbound.get(personId),
    setProfile(personId, profile) {
      profiles.set(personId, profile);
    },
    cdnUrl(data, opts = {}) {
      const key = randomBytes(12).toString('hex');
      const expiresAt = now() + (opts.ttlMs ?? cdnTtlMs);
      cdn.set(key, { data: Buffer.from(data), contentType: opts.contentType ?? 'image/jpeg', expiresAt });
      // Meta's CDN URLs carry their expiry (oe, hex seconds) and a signature (oh).
      return `${baseUrl}/cdn/${key}?oe=${Math.floor(expiresAt / 1000).toString(16)}&oh=${randomBytes(8).toString('hex')}`;
    },
    expireAttachments() {
      for (const item of cdn.values()) item.expiresAt = now();
    },
    webhookRequest(object, items) {
      const flat = (items.length > 0 && Array.isArray(items[0]) ? (items as MessagingItemInput[][]).flat() : items) as MessagingItemInput[];
      noteInbound(flat);
      return facebookWebhookRequest(object, items, appSecret);
    },
    echoesOf(personId, from = FAKE_PAGE_ID) {
      return sent
        .filter((s) => s.recipientId === personId)
        .map((s) => ({ sender: { id: from }, recipient: { id: personId }, timestamp: s.time, message: { mid: s.messageId, is_echo: true, app_id: 1234567890, ...s.message } }));
    },
    refuseNext(n, refusal, opts = {}) {
      if (n > 0) refusals.push({ remaining: n, refusal, only: opts.only });
    },
    failNext: (n, kind, opts) => faults.failNext(n, kind, opts),
    setFailureRate: (p, kinds, seed, opts) => faults.setRate(p, kinds, seed, opts),
    reset() {
      calls.length = 0;
      sent.length = 0;
      sendTimes.clear();
      refusals.length = 0;
      faults.clear();
    },
    async close() {
      for (const timer of hanging) clearTimeout(timer);
      hanging.clear();
      await app.close();
    },
  };
}
