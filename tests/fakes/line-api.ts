// A stand-in for the LINE Messaging API (api.line.me and api-data.line.me) that the real
// @line/bot-sdk clients talk to in tests, because LINE cannot be reached from here.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { messagingApi, webhook } from '@line/bot-sdk';
import { createFaults, fakeServer, hang, type PickedFault } from './faults.ts';

// ---------------------------------------------------------------------------
// Public types

/**
 * How an injected failure looks to the client.
 * - `500`, `429`: an error answer (429 carries Retry-After) and nothing is delivered.
 * - `'timeout'`: no answer; the socket is destroyed after `hangMs` (or when the client gives up).
 * - `'reset'`: the socket is destroyed at once, nothing is delivered.
 * - `'lost-response'`: the request IS delivered, then the socket is destroyed before the
 *   answer goes out — the case X-Line-Retry-Key exists for.
 */
export type LineFailureKind = 500 | 429 | 'timeout' | 'reset' | 'lost-response';

export interface LineFailureOptions {
  /** Only calls to this path (exact string, or RegExp on the path) fail; others pass and do not use up the budget. */
  only?: string | RegExp;
  /** For `'timeout'`: how long to hang before destroying the socket. */
  hangMs?: number;
  /** For `429`: the Retry-After value in seconds. */
  retryAfterSeconds?: number;
}

export interface LineApiCall {
  seq: number;
  host: 'api' | 'data';
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: unknown;
  /** Date.now() when the call arrived. */
  time: number;
  /** The x-line-request-id this call was answered with. */
  requestId: string;
  /** True when the fake processed the call successfully (a message call was delivered). */
  ok: boolean;
  /** The status the client received; undefined when the socket was destroyed or is still hanging. */
  status: number | undefined;
  failure?: LineFailureKind;
  response?: unknown;
}

export interface LineReply {
  replyToken: string;
  /** Known when the token was issued by the fake or by a builder in this file. */
  userId: string | undefined;
  messages: messagingApi.Message[];
  notificationDisabled: boolean | undefined;
  sentMessages: messagingApi.SentMessage[];
  requestId: string;
  time: number;
}

export interface LinePush {
  to: string;
  messages: messagingApi.Message[];
  notificationDisabled: boolean | undefined;
  retryKey: string | undefined;
  sentMessages: messagingApi.SentMessage[];
  requestId: string;
  time: number;
}

export interface LineMulticast {
  to: string[];
  messages: messagingApi.Message[];
  notificationDisabled: boolean | undefined;
  retryKey: string | undefined;
  requestId: string;
  time: number;
}

/** One message as delivered, whichever endpoint carried it. */
export interface LineDelivery {
  via: 'reply' | 'push' | 'multicast';
  /** Recipients: one user for reply/push (none when a reply token's owner is unknown), several for multicast. */
  to: string[];
  message: messagingApi.Message;
  requestId: string;
  time: number;
}

export interface LineProfile {
  displayName: string;
  language?: string;
  pictureUrl?: string;
  statusMessage?: string;
}

export interface FakeLineApiOptions {
  channelAccessToken?: string;
  channelSecret?: string;
  profiles?: Record<string, LineProfile>;
  /** What GET /v2/bot/profile/{userId} answers for a user without a profile: LINE's 404 (default) or a made-up profile. */
  unknownProfiles?: 'not-found' | 'generate';
  /** `'any-unused'` (default) accepts any reply token not used before; `'issued-only'` accepts only tokens from issueReplyToken or the builders. */
  replyTokens?: 'any-unused' | 'issued-only';
  /** Reject push `to` values that are not LINE ids (`U`/`C`/`R` + 32 hex), as LINE does. Off by default so tests may use readable ids. */
  strictIds?: boolean;
  botInfo?: Partial<messagingApi.BotInfoResponse>;
  /** Retry-After for injected 429s, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** How long an injected `'timeout'` hangs before the socket is destroyed. Default 30 s. */
  hangMs?: number;
}

export interface FakeLineApi {
  /** For MessagingApiClient `baseURL` (LINE_API_BASE_URL). */
  readonly baseUrl: string;
  /** For MessagingApiBlobClient `baseURL` (LINE_DATA_API_BASE_URL). */
  readonly dataBaseUrl: string;
  readonly channelSecret: string;
  readonly channelAccessToken: string;
  /** Every call to either host, in arrival order, including rejected and failed ones. */
  readonly calls: readonly LineApiCall[];
  replies(): LineReply[];
  pushes(): LinePush[];
  multicasts(): LineMulticast[];
  /** Delivered messages in order; with userId, only those that reached that user. */
  sentMessages(userId?: string): LineDelivery[];
  /** The text of every delivered text message (reply, push or multicast), in order. */
  sentTexts(userId?: string): string[];
  /** A fresh reply token that belongs to userId; pass it to a webhook builder. */
  issueReplyToken(userId: string, opts?: { expired?: boolean }): string;
  expireReplyToken(replyToken: string): void;
  setProfile(userId: string, profile: LineProfile): void;
  setContent(messageId: string, data: Buffer | Uint8Array | string, contentType?: string): void;
  /** The next n calls (matching opts.only) fail with kind. Queued rules run before the failure rate. */
  failNext(n: number, kind: LineFailureKind, opts?: LineFailureOptions): void;
  /** Each call (matching opts.only) fails with probability p, with a kind drawn from kinds. p = 0 switches it off. */
  setFailureRate(p: number, kinds: readonly LineFailureKind[], seed?: number, opts?: LineFailureOptions): void;
  /** Forget calls, deliveries, reply tokens, accepted retry keys and pending failures; keep profiles and content. */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Webhook builders

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** webhookEventId is a ULID on the real platform. */
function ulid(time = Date.now()): string {
  let out = '';
  let t = time;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  for (let i = 0; i < 16; i++) out += CROCKFORD[bytes[i]! % 32]!;
  return out;
}

let messageIdCounter = 0n;
/** LINE message ids are 18-digit decimal strings. */
function nextLineMessageId(): string {
  messageIdCounter += 1n;
  return String(500_000_000_000_000_000n + BigInt(Date.now() % 1_000_000) * 1_000_000n + messageIdCounter);
}

function quoteToken(): string {
  return randomBytes(60).toString('base64url');
}

function newReplyToken(): string {
  return randomBytes(16).toString('hex');
}

// Lets a fake attribute replies to the user whose event a builder made, without the test
// having to thread the token through the fake. Tokens are random, so fakes cannot collide.
const builderReplyTokens = new Map<string, string>();

/** A LINE-shaped user id (`U` + 32 hex); the same seed gives the same id. */
export function lineUserId(seed?: string): string {
  const hex = seed === undefined ? randomBytes(16).toString('hex') : createHash('md5').update(seed).digest('hex');
  return `U${hex}`;
}

/** What LINE puts in X-Line-Signature: base64 HMAC-SHA256 of the raw body with the channel secret. */
export function signLineBody(body: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export interface LineEventInput {
  userId: string;
  replyToken?: string;
  webhookEventId?: string;
  timestamp?: number;
  isRedelivery?: boolean;
}

function eventBase(input: LineEventInput): {
  timestamp: number;
  mode: 'active';
  webhookEventId: string;
  deliveryContext: { isRedelivery: boolean };
  source: webhook.UserSource;
} {
  const timestamp = input.timestamp ?? Date.now();
  return {
    timestamp,
    mode: 'active',
    webhookEventId: input.webhookEventId ?? ulid(timestamp),
    deliveryContext: { isRedelivery: input.isRedelivery ?? false },
    source: { type: 'user', userId: input.userId },
  };
}

function replyTokenFor(input: LineEventInput): string {
  const token = input.replyToken ?? newReplyToken();
  if (!builderReplyTokens.has(token)) builderReplyTokens.set(token, input.userId);
  return token;
}

export function lineTextEvent(
  input: LineEventInput & { text: string; messageId?: string; quoteToken?: string },
): webhook.MessageEvent {
  return {
    type: 'message',
    ...eventBase(input),
    replyToken: replyTokenFor(input),
    message: {
      id: input.messageId ?? nextLineMessageId(),
      type: 'text',
      quoteToken: input.quoteToken ?? quoteToken(),
      text: input.text,
    },
  };
}

/** The image bytes are not in the event: register them with fake.setContent(event.message.id, ...). */
export function lineImageEvent(input: LineEventInput & { messageId?: string }): webhook.MessageEvent {
  return {
    type: 'message',
    ...eventBase(input),
    replyToken: replyTokenFor(input),
    message: {
      id: input.messageId ?? nextLineMessageId(),
      type: 'image',
      quoteToken: quoteToken(),
      contentProvider: { type: 'line' },
    },
  };
}

export function lineStickerEvent(
  input: LineEventInput & {
    messageId?: string;
    packageId?: string;
    stickerId?: string;
    keywords?: string[];
    stickerResourceType?: webhook.StickerMessageContent.StickerResourceTypeEnum;
  },
): webhook.MessageEvent {
  return {
    type: 'message',
    ...eventBase(input),
    replyToken: replyTokenFor(input),
    message: {
      id: input.messageId ?? nextLineMessageId(),
      type: 'sticker',
      quoteToken: quoteToken(),
      packageId: input.packageId ?? '446',
      stickerId: input.stickerId ?? '1988',
      stickerResourceType: input.stickerResourceType ?? 'STATIC',
      keywords: input.keywords ?? ['Happy', 'Smile'],
    },
  };
}

export function linePostbackEvent(
  input: LineEventInput & { data: string; params?: Record<string, string> },
): webhook.PostbackEvent {
  return {
    type: 'postback',
    ...eventBase(input),
    replyToken: replyTokenFor(input),
    postback: input.params === undefined ? { data: input.data } : { data: input.data, params: input.params },
  };
}

export function lineFollowEvent(input: LineEventInput & { isUnblocked?: boolean }): webhook.FollowEvent {
  return {
    type: 'follow',
    ...eventBase(input),
    replyToken: replyTokenFor(input),
    follow: { isUnblocked: input.isUnblocked ?? false },
  };
}

/** Unfollow (the user blocked the account) carries no reply token. */
export function lineUnfollowEvent(input: Omit<LineEventInput, 'replyToken'>): webhook.UnfollowEvent {
  return { type: 'unfollow', ...eventBase(input) };
}

/** The same event as LINE redelivers it: same webhookEventId, isRedelivery true. */
export function asLineRedelivery<E extends webhook.Event>(event: E): E {
  return { ...event, deliveryContext: { isRedelivery: true } };
}

const DEFAULT_DESTINATION = lineUserId('talad-test-bot');

export function lineWebhookBody(events: webhook.Event[], destination: string = DEFAULT_DESTINATION): webhook.CallbackRequest {
  return { destination, events };
}

/** A webhook request as LINE sends it: the raw body and the headers, signed with secret. */
export function lineWebhookRequest(
  events: webhook.Event[],
  secret: string,
  destination?: string,
): { body: string; headers: { 'content-type': string; 'x-line-signature': string } } {
  const body = JSON.stringify(lineWebhookBody(events, destination));
  return {
    body,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-line-signature': signLineBody(body, secret) },
  };
}

// ---------------------------------------------------------------------------
// Fault scheduling


// ---------------------------------------------------------------------------
// Validation, the light way LINE does it

type ErrorDetail = { message: string; property: string };

const MESSAGE_TYPES = new Set([
  'text', 'textV2', 'sticker', 'image', 'video', 'audio', 'location', 'imagemap', 'template', 'flex', 'coupon',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isHttpsUrl(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 2000 && /^https:\/\/\S+$/.test(v);
}

function checkText(details: ErrorDetail[], value: unknown, property: string, max: number): void {
  if (typeof value !== 'string' || value.length === 0) details.push({ message: 'May not be empty', property });
  // LINE counts UTF-16 code units, which is what String#length gives.
  else if (value.length > max) details.push({ message: `Length must be between 0 and ${max}`, property });
}

function checkActionData(details: ErrorDetail[], action: unknown, property: string): void {
  if (!isObject(action)) return;
  if (action.type === 'postback' && typeof action.data === 'string' && action.data.length > 300) {
    details.push({ message: 'Length must be between 0 and 300', property: `${property}.data` });
  }
}

function validateMessages(messages: unknown): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  if (!Array.isArray(messages) || messages.length < 1 || messages.length > 5) {
    details.push({ message: 'Size must be between 1 and 5', property: 'messages' });
    return details;
  }
  messages.forEach((m: unknown, i) => {
    const at = `messages[${i}]`;
    if (!isObject(m) || typeof m.type !== 'string' || !MESSAGE_TYPES.has(m.type)) {
      details.push({ message: 'Must be one of the following values: [text, textV2, sticker, image, video, audio, location, imagemap, template, flex, coupon]', property: `${at}.type` });
      return;
    }
    switch (m.type) {
      case 'text':
      case 'textV2':
        checkText(details, m.text, `${at}.text`, 5000);
        break;
      case 'sticker':
        if (typeof m.packageId !== 'string' || m.packageId === '') details.push({ message: 'May not be empty', property: `${at}.packageId` });
        if (typeof m.stickerId !== 'string' || m.stickerId === '') details.push({ message: 'May not be empty', property: `${at}.stickerId` });
        break;
      case 'image':
      case 'video':
        if (!isHttpsUrl(m.originalContentUrl)) details.push({ message: 'Must be a valid HTTPS URL', property: `${at}.originalContentUrl` });
        if (!isHttpsUrl(m.previewImageUrl)) details.push({ message: 'Must be a valid HTTPS URL', property: `${at}.previewImageUrl` });
        break;
      case 'template':
        checkText(details, m.altText, `${at}.altText`, 400);
        if (!isObject(m.template)) details.push({ message: 'May not be empty', property: `${at}.template` });
        break;
      case 'flex': {
        checkText(details, m.altText, `${at}.altText`, 1500);
        const contents = m.contents;
        if (!isObject(contents) || (contents.type !== 'bubble' && contents.type !== 'carousel')) {
          details.push({ message: 'Must be one of the following values: [bubble, carousel]', property: `${at}.contents.type` });
        } else if (contents.type === 'carousel') {
          const bubbles = contents.contents;
          if (!Array.isArray(bubbles) || bubbles.length < 1 || bubbles.length > 12) {
            details.push({ message: 'Size must be between 1 and 12', property: `${at}.contents.contents` });
          }
        }
        break;
      }
      default:
        break;
    }
    if (m.quickReply !== undefined) {
      const items = isObject(m.quickReply) ? m.quickReply.items : undefined;
      if (!Array.isArray(items) || items.length > 13) {
        details.push({ message: 'Size must be between 0 and 13', property: `${at}.quickReply.items` });
      } else {
        items.forEach((item: unknown, j) => {
          const itemAt = `${at}.quickReply.items[${j}]`;
          if (!isObject(item) || item.type !== 'action' || !isObject(item.action)) {
            details.push({ message: 'May not be empty', property: `${itemAt}.action` });
            return;
          }
          const label = item.action.label;
          if (typeof label === 'string' && label.length > 20) details.push({ message: 'Length must be between 0 and 20', property: `${itemAt}.action.label` });
          checkActionData(details, item.action, `${itemAt}.action`);
        });
      }
    }
  });
  return details;
}

function badRequest(details: ErrorDetail[]): { message: string; details: ErrorDetail[] } {
  return { message: `The request body has ${details.length} error(s)`, details };
}

// ---------------------------------------------------------------------------
// The server

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LINE_ID_RE = /^[UCR][0-9a-f]{32}$/;
const RETRY_KEY_APIS = new Set(['/v2/bot/message/push', '/v2/bot/message/multicast', '/v2/bot/message/narrowcast', '/v2/bot/message/broadcast']);

interface Answer {
  status: number;
  body?: unknown;
  bytes?: { data: Buffer; contentType: string };
  headers?: Record<string, string>;
  /** Side effects of a successful call; run only when the call is answered with 2xx. */
  commit?: () => void;
}

type ReplyTokenState = { userId: string | undefined; used: boolean; expired: boolean };

function flatHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function queryOf(request: FastifyRequest): Record<string, string> {
  const q = request.query;
  const out: Record<string, string> = {};
  if (isObject(q)) for (const [k, v] of Object.entries(q)) out[k] = String(v);
  return out;
}

export async function startFakeLineApi(options: FakeLineApiOptions = {}): Promise<FakeLineApi> {
  const channelAccessToken = options.channelAccessToken ?? 'test-line-channel-access-token';
  const channelSecret = options.channelSecret ?? 'test-line-channel-secret';
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const defaultHangMs = options.hangMs ?? 30_000;
  const replyTokenMode = options.replyTokens ?? 'any-unused';
  const botInfo: messagingApi.BotInfoResponse = {
    userId: DEFAULT_DESTINATION,
    basicId: '@123talad',
    displayName: 'Talad Test Shop',
    chatMode: 'bot',
    markAsReadMode: 'auto',
    ...options.botInfo,
  };

  const calls: LineApiCall[] = [];
  const replies: LineReply[] = [];
  const pushes: LinePush[] = [];
  const multicasts: LineMulticast[] = [];
  const deliveries: LineDelivery[] = [];
  const replyTokens = new Map<string, ReplyTokenState>();
  const acceptedRetryKeys = new Map<string, { requestId: string; sentMessages: messagingApi.SentMessage[] }>();
  const profiles = new Map<string, LineProfile>(Object.entries(options.profiles ?? {}));
  const contents = new Map<string, { data: Buffer; contentType: string }>();
  const faults = createFaults();
  const hanging = new Set<NodeJS.Timeout>();
  let seq = 0;

  function record(host: 'api' | 'data', request: FastifyRequest): LineApiCall {
    const call: LineApiCall = {
      seq: ++seq,
      host,
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      query: queryOf(request),
      headers: flatHeaders(request.headers),
      body: request.body,
      time: Date.now(),
      requestId: randomUUID(),
      ok: false,
      status: undefined,
    };
    calls.push(call);
    return call;
  }

  function authFailure(call: LineApiCall): Answer | undefined {
    const auth = call.headers.authorization;
    if (auth === undefined || !auth.startsWith('Bearer ')) {
      return { status: 401, body: { message: "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'" } };
    }
    if (auth.slice('Bearer '.length) !== channelAccessToken) {
      return { status: 401, body: { message: 'Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.' } };
    }
    return undefined;
  }

  function send(reply: FastifyReply, call: LineApiCall, answer: Answer): FastifyReply {
    call.status = answer.status;
    reply.code(answer.status).header('x-line-request-id', call.requestId);
    for (const [k, v] of Object.entries(answer.headers ?? {})) reply.header(k, v);
    if (answer.bytes) {
      call.response = { contentType: answer.bytes.contentType, length: answer.bytes.data.length };
      return reply.header('content-type', answer.bytes.contentType).send(answer.bytes.data);
    }
    call.response = answer.body ?? {};
    return reply.header('content-type', 'application/json').send(JSON.stringify(answer.body ?? {}));
  }

  function destroy(reply: FastifyReply): void {
    reply.hijack();
    reply.raw.destroy();
  }

  function injectFailure(reply: FastifyReply, call: LineApiCall, fault: PickedFault): FastifyReply | undefined {
    call.failure = fault.kind;
    switch (fault.kind) {
      case 500:
        return send(reply, call, { status: 500, body: { message: 'An error occurred in the server. Please try again later.' } });
      case 429: {
        const after = fault.opts.retryAfterSeconds ?? retryAfterSeconds;
        return send(reply, call, {
          status: 429,
          headers: { 'retry-after': String(after) },
          body: { message: 'The API rate limit has been exceeded. Try again later.' },
        });
      }
      case 'timeout': {
        hang(reply, fault.opts.hangMs ?? defaultHangMs, hanging);
        return undefined;
      }
      case 'reset':
      case 'lost-response':
        destroy(reply);
        return undefined;
    }
  }

  /** One path for every endpoint so that recording, auth and faults behave the same everywhere. */
  function handle(host: 'api' | 'data', endpoint: (call: LineApiCall, request: FastifyRequest) => Answer) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const call = record(host, request);
      const denied = authFailure(call);
      if (denied) return send(reply, call, denied);
      const fault = faults.pick(call.path);
      if (fault && fault.kind !== 'lost-response') return injectFailure(reply, call, fault);
      const answer = endpoint(call, request);
      if (answer.status >= 200 && answer.status < 300) {
        answer.commit?.();
        call.ok = true;
      }
      if (fault) {
        call.failure = fault.kind;
        call.response = answer.body;
        destroy(reply);
        return undefined;
      }
      return send(reply, call, answer);
    };
  }

  function sentMessagesFor(messages: messagingApi.Message[]): messagingApi.SentMessage[] {
    return messages.map((m) =>
      m.type === 'text' || m.type === 'textV2' || m.type === 'sticker'
        ? { id: nextLineMessageId(), quoteToken: quoteToken() }
        : { id: nextLineMessageId() },
    );
  }

  function deliver(via: LineDelivery['via'], to: string[], messages: messagingApi.Message[], call: LineApiCall): void {
    for (const message of messages) deliveries.push({ via, to, message, requestId: call.requestId, time: call.time });
  }

  function retryKeyCheck(call: LineApiCall): { key: string | undefined; answer?: Answer } {
    const key = call.headers['x-line-retry-key'];
    if (key === undefined) return { key };
    if (!RETRY_KEY_APIS.has(call.path)) {
      return { key, answer: { status: 400, body: { message: 'X-Line-Retry-Key is not supported for this API' } } };
    }
    if (!UUID_RE.test(key)) {
      return { key, answer: { status: 400, body: { message: "The value for the 'X-Line-Retry-Key' header is invalid" } } };
    }
    const accepted = acceptedRetryKeys.get(key);
    if (accepted) {
      return {
        key,
        answer: {
          status: 409,
          headers: { 'x-line-accepted-request-id': accepted.requestId },
          body: { message: 'The retry key is already accepted', sentMessages: accepted.sentMessages },
        },
      };
    }
    return { key };
  }

  const replyEndpoint = (call: LineApiCall): Answer => {
    if (call.headers['x-line-retry-key'] !== undefined) return retryKeyCheck(call).answer!;
    const body = isObject(call.body) ? call.body : {};
    const details = validateMessages(body.messages);
    if (typeof body.replyToken !== 'string' || body.replyToken === '') details.unshift({ message: 'May not be empty', property: 'replyToken' });
    if (details.length > 0) return { status: 400, body: badRequest(details) };
    const token = body.replyToken as string;
    let state = replyTokens.get(token);
    if (state === undefined && builderReplyTokens.has(token)) state = { userId: builderReplyTokens.get(token), used: false, expired: false };
    if (state === undefined && replyTokenMode === 'any-unused') state = { userId: undefined, used: false, expired: false };
    if (state === undefined || state.used || state.expired) return { status: 400, body: { message: 'Invalid reply token' } };
    const owner = state;
    const messages = body.messages as messagingApi.Message[];
    const sentMessages = sentMessagesFor(messages);
    return {
      status: 200,
      body: { sentMessages },
      commit: () => {
        replyTokens.set(token, { ...owner, used: true });
        const notificationDisabled = typeof body.notificationDisabled === 'boolean' ? body.notificationDisabled : undefined;
        replies.push({ replyToken: token, userId: owner.userId, messages, notificationDisabled, sentMessages, requestId: call.requestId, time: call.time });
        deliver('reply', owner.userId === undefined ? [] : [owner.userId], messages, call);
      },
    };
  };

  const pushEndpoint = (call: LineApiCall): Answer => {
    const retry = retryKeyCheck(call);
    if (retry.answer) return retry.answer;
    const body = isObject(call.body) ? call.body : {};
    const details = validateMessages(body.messages);
    if (typeof body.to !== 'string' || body.to === '') details.unshift({ message: 'May not be empty', property: 'to' });
    if (details.length > 0) return { status: 400, body: badRequest(details) };
    const to = body.to as string;
    if (options.strictIds && !LINE_ID_RE.test(to)) {
      return { status: 400, body: { message: "The property, 'to', in the request body is invalid (line: -, column: -)" } };
    }
    const messages = body.messages as messagingApi.Message[];
    const sentMessages = sentMessagesFor(messages);
    return {
      status: 200,
      body: { sentMessages },
      commit: () => {
        if (retry.key !== undefined) acceptedRetryKeys.set(retry.key, { requestId: call.requestId, sentMessages });
        const notificationDisabled = typeof body.notificationDisabled === 'boolean' ? body.notificationDisabled : undefined;
        pushes.push({ to, messages, notificationDisabled, retryKey: retry.key, sentMessages, requestId: call.requestId, time: call.time });
        deliver('push', [to], messages, call);
      },
    };
  };

  const multicastEndpoint = (call: LineApiCall): Answer => {
    const retry = retryKeyCheck(call);
    if (retry.answer) return retry.answer;
    const body = isObject(call.body) ? call.body : {};
    const details = validateMessages(body.messages);
    const to = body.to;
    if (!Array.isArray(to) || to.length < 1 || to.length > 500 || !to.every((t) => typeof t === 'string' && t !== '')) {
      details.unshift({ message: 'Size must be between 1 and 500', property: 'to' });
    }
    if (details.length > 0) return { status: 400, body: badRequest(details) };
    const recipients = to as string[];
    if (options.strictIds && !recipients.every((t) => /^U[0-9a-f]{32}$/.test(t))) {
      return { status: 400, body: { message: "The property, 'to', in the request body is invalid (line: -, column: -)" } };
    }
    const messages = body.messages as messagingApi.Message[];
    return {
      status: 200,
      body: {},
      commit: () => {
        if (retry.key !== undefined) acceptedRetryKeys.set(retry.key, { requestId: call.requestId, sentMessages: [] });
        const notificationDisabled = typeof body.notificationDisabled === 'boolean' ? body.notificationDisabled : undefined;
        multicasts.push({ to: recipients, messages, notificationDisabled, retryKey: retry.key, requestId: call.requestId, time: call.time });
        deliver('multicast', recipients, messages, call);
      },
    };
  };

  const loadingEndpoint = (call: LineApiCall): Answer => {
    const body = isObject(call.body) ? call.body : {};
    const details: ErrorDetail[] = [];
    if (typeof body.chatId !== 'string' || body.chatId === '') details.push({ message: 'May not be empty', property: 'chatId' });
    const seconds = body.loadingSeconds;
    if (seconds !== undefined && (typeof seconds !== 'number' || seconds < 5 || seconds > 60 || seconds % 5 !== 0)) {
      details.push({ message: 'Must be a multiple of 5 between 5 and 60', property: 'loadingSeconds' });
    }
    if (details.length > 0) return { status: 400, body: badRequest(details) };
    return { status: 202, body: {} };
  };

  const profileEndpoint = (_call: LineApiCall, request: FastifyRequest): Answer => {
    const { userId } = request.params as { userId: string };
    let profile = profiles.get(userId);
    if (profile === undefined && options.unknownProfiles === 'generate') profile = { displayName: `User ${userId.slice(1, 7)}`, language: 'th' };
    if (profile === undefined) return { status: 404, body: { message: 'Not found' } };
    return { status: 200, body: { userId, ...profile } };
  };

  const contentEndpoint = (_call: LineApiCall, request: FastifyRequest): Answer => {
    const { messageId } = request.params as { messageId: string };
    const content = contents.get(messageId);
    if (content === undefined) return { status: 404, body: { message: 'Not found' } };
    return { status: 200, bytes: content };
  };

  function buildServer(host: 'api' | 'data'): FastifyInstance {
    const app = fakeServer({ badJson: 'The request body could not be parsed as JSON', bodyLimit: 50 * 1024 * 1024 });
    app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
      const call = record(host, request);
      return send(reply, call, { status: error.statusCode ?? 500, body: { message: error.message } });
    });
    app.setNotFoundHandler((request, reply) => {
      const call = record(host, request);
      return send(reply, call, { status: 404, body: { message: 'Not found' } });
    });
    if (host === 'api') {
      app.post('/v2/bot/message/reply', handle('api', replyEndpoint));
      app.post('/v2/bot/message/push', handle('api', pushEndpoint));
      app.post('/v2/bot/message/multicast', handle('api', multicastEndpoint));
      app.post('/v2/bot/chat/loading/start', handle('api', loadingEndpoint));
      app.get('/v2/bot/profile/:userId', handle('api', profileEndpoint));
      app.get('/v2/bot/info', handle('api', () => ({ status: 200, body: botInfo })));
    } else {
      app.get('/v2/bot/message/:messageId/content', handle('data', contentEndpoint));
    }
    return app;
  }

  const api = buildServer('api');
  const data = buildServer('data');
  const baseUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  let dataBaseUrl: string;
  try {
    dataBaseUrl = await data.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await api.close();
    throw error;
  }

  return {
    baseUrl,
    dataBaseUrl,
    channelSecret,
    channelAccessToken,
    calls,
    replies: () => [...replies],
    pushes: () => [...pushes],
    multicasts: () => [...multicasts],
    sentMessages: (userId) => deliveries.filter((d) => userId === undefined || d.to.includes(userId)),
    sentTexts: (userId) =>
      deliveries
        .filter((d) => userId === undefined || d.to.includes(userId))
        .flatMap((d) => (d.message.type === 'text' || d.message.type === 'textV2' ? [d.message.text] : [])),
    issueReplyToken(userId, opts = {}) {
      const token = newReplyToken();
      replyTokens.set(token, { userId, used: false, expired: opts.expired ?? false });
      return token;
    },
    expireReplyToken(token) {
      const state = replyTokens.get(token) ?? { userId: builderReplyTokens.get(token), used: false, expired: false };
      replyTokens.set(token, { ...state, expired: true });
    },
    setProfile(userId, profile) {
      profiles.set(userId, profile);
    },
    setContent(messageId, content, contentType = 'image/jpeg') {
      contents.set(messageId, { data: Buffer.from(content), contentType });
    },
    failNext: (n, kind, opts) => faults.failNext(n, kind, opts),
    setFailureRate: (p, kinds, seed, opts) => faults.setRate(p, kinds, seed, opts),
    reset() {
      calls.length = 0;
      replies.length = 0;
      pushes.length = 0;
      multicasts.length = 0;
      deliveries.length = 0;
      acceptedRetryKeys.clear();
      replyTokens.clear();
      faults.clear();
    },
    async close() {
      for (const timer of hanging) clearTimeout(timer);
      hanging.clear();
      await Promise.all([api.close(), data.close()]);
    },
  };
}
