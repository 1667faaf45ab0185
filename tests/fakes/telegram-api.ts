// A stand-in for the Telegram Bot API server that real grammY bots talk to in tests
// (via the `apiRoot` client option), because api.telegram.org cannot be reached from here.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createFaults, fakeServer, hang, type PickedFault } from './faults.ts';
import type {
  Chat,
  File,
  ForceReply,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  ReplyKeyboardMarkup,
  ReplyKeyboardRemove,
  Update,
  User,
  UserFromGetMe,
} from 'grammy/types';

// ---------------------------------------------------------------------------
// Public types

/**
 * How an injected failure looks to the client.
 * - `500`, `429`: an error envelope (429 carries parameters.retry_after and Retry-After); nothing is delivered.
 * - `'timeout'`: no answer; the socket is destroyed after `hangMs` (or when the client gives up first).
 * - `'reset'`: the socket is destroyed at once, nothing is delivered.
 * - `'lost-response'`: the call IS carried out, then the socket is destroyed before the answer goes
 *   out; Telegram has no idempotency key, so a blind retry sends twice.
 */
export type TelegramFailureKind = 500 | 429 | 'timeout' | 'reset' | 'lost-response';

export interface TelegramFailureOptions {
  /** Only these calls fail: a Bot API method name (`'sendMessage'`), `'file'` for downloads, or a RegExp on either. Others pass and do not use up the budget. */
  only?: string | RegExp;
  /** For `'timeout'`: how long to hang before destroying the socket. */
  hangMs?: number;
  /** For `429`: retry_after in seconds. */
  retryAfterSeconds?: number;
}

export interface UploadedFile {
  /** The multipart field the bytes came in. */
  field: string;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

export interface TelegramApiCall {
  seq: number;
  /** Bot API method as canonically spelled (`sendMessage`), or `'file'` for a download. */
  method: string;
  httpMethod: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parameters from query, JSON, urlencoded or multipart, normalised: JSON fields parsed, attach:// resolved to UploadedFile. */
  params: Record<string, unknown>;
  encoding: 'none' | 'json' | 'urlencoded' | 'multipart' | 'other';
  /** Date.now() when the call arrived. */
  time: number;
  /** True when the fake carried the call out. */
  ok: boolean;
  /** The HTTP status the client received; undefined when the socket was destroyed or is still hanging. */
  status: number | undefined;
  failure?: TelegramFailureKind;
  response?: unknown;
}

export type TelegramReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply;

export interface TelegramSentMessage {
  method: 'sendMessage' | 'sendPhoto' | 'sendDocument';
  chatId: number | string;
  messageId: number;
  /** As the customer sees it: HTML tags or MarkdownV2 markers removed. The raw value is in params.text. */
  text: string | undefined;
  /** As the customer sees it; the raw value is in params.caption. */
  caption: string | undefined;
  parseMode: string | undefined;
  replyMarkup: TelegramReplyMarkup | undefined;
  photo?: { fileId: string; upload: UploadedFile | undefined };
  document?: { fileId: string; fileName: string | undefined; upload: UploadedFile | undefined };
  params: Record<string, unknown>;
  result: Message;
  time: number;
}

export interface TelegramEdit {
  method: 'editMessageText' | 'editMessageReplyMarkup';
  chatId: number | string;
  messageId: number;
  /** As displayed, for editMessageText. */
  text: string | undefined;
  replyMarkup: TelegramReplyMarkup | undefined;
  params: Record<string, unknown>;
  time: number;
}

export interface TelegramAnsweredCallback {
  callbackQueryId: string;
  text: string | undefined;
  showAlert: boolean | undefined;
  url: string | undefined;
  cacheTime: number | undefined;
  time: number;
}

export interface FakeTelegramApiOptions {
  /** The bot token; its numeric prefix becomes the bot's id. */
  token?: string;
  botInfo?: Partial<UserFromGetMe>;
  /** retry_after for injected 429s, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** How long an injected `'timeout'` hangs before the socket is destroyed. Default 30 s. */
  hangMs?: number;
}

export interface FakeTelegramApi {
  /** For `new Bot(token, { client: { apiRoot } })` (TELEGRAM_API_ROOT). */
  readonly apiRoot: string;
  readonly token: string;
  readonly botInfo: UserFromGetMe;
  /** Every call, in arrival order, including rejected and failed ones. */
  readonly calls: readonly TelegramApiCall[];
  /** Messages the bot sent (sendMessage, sendPhoto, sendDocument), in order. */
  sentMessages(chatId?: number | string): TelegramSentMessage[];
  /** Texts of sent messages and captions of sent photos and documents, as displayed, in order. */
  sentTexts(chatId?: number | string): string[];
  edits(chatId?: number | string): TelegramEdit[];
  answeredCallbacks(): TelegramAnsweredCallback[];
  /** Updates that getUpdates will serve; a waiting long poll is answered at once. */
  queueUpdate(...updates: Update[]): void;
  /** Updates not yet confirmed by a getUpdates offset. */
  pendingUpdates(): Update[];
  /** The webhook set by setWebhook, if any. */
  webhook(): { url: string; secretToken: string | undefined; allowedUpdates: string[] | undefined } | undefined;
  /** Registers a file for getFile and /file/bot<token>/<file_path>; returns the file_path. */
  setFile(fileId: string, data: Buffer | Uint8Array | string, opts?: { filePath?: string }): string;
  /** sendMessage and friends to this chat answer 403 "bot was blocked by the user". */
  blockChat(chatId: number | string): void;
  failNext(n: number, kind: TelegramFailureKind, opts?: TelegramFailureOptions): void;
  /** Each call (matching opts.only) fails with probability p, with a kind drawn from kinds. p = 0 switches it off. */
  setFailureRate(p: number, kinds: readonly TelegramFailureKind[], seed?: number, opts?: TelegramFailureOptions): void;
  /** Forget calls, sent messages, edits, answered callbacks, queued updates, webhook, blocked chats and pending failures; keep files. */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Update builders

const DEFAULT_BOT_ID = 7000000001;
const DEFAULT_TOKEN = `${DEFAULT_BOT_ID}:AAHfakeTokenForTaladTests0123456789`;
const DEFAULT_BOT: UserFromGetMe = {
  id: DEFAULT_BOT_ID,
  is_bot: true,
  first_name: 'Talad Test Shop',
  username: 'talad_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

// Update ids only need to be unique and increasing within a process, like Telegram's.
let updateIdCounter = 100_000_000;
let inboundMessageIdCounter = 1;
let callbackIdCounter = 0;

// File ids made by builders are ids Telegram would know, so the fake accepts them in sendPhoto.
const builderFileIds = new Set<string>();

function newFileId(): string {
  return `AgACAgUAAxkBAAI${randomBytes(30).toString('base64url')}`;
}

function newFileUniqueId(): string {
  return `AQAD${randomBytes(9).toString('base64url')}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface TgUserInput {
  updateId?: number;
  /** In a private chat the chat id is the user's id. */
  chatId: number;
  userId?: number;
  firstName?: string;
  lastName?: string;
  username?: string;
  /** IETF tag the Telegram client reports; 'th' unless given, null to leave it out. */
  languageCode?: string | null;
  messageId?: number;
  date?: number;
}

function userOf(input: TgUserInput): User {
  const user: User = { id: input.userId ?? input.chatId, is_bot: false, first_name: input.firstName ?? 'สมชาย' };
  if (input.lastName !== undefined) user.last_name = input.lastName;
  if (input.username !== undefined) user.username = input.username;
  const language = input.languageCode === undefined ? 'th' : input.languageCode;
  if (language !== null) user.language_code = language;
  return user;
}

function privateChatOf(input: TgUserInput): Chat.PrivateChat {
  const chat: Chat.PrivateChat = { id: input.chatId, type: 'private', first_name: input.firstName ?? 'สมชาย' };
  if (input.lastName !== undefined) chat.last_name = input.lastName;
  if (input.username !== undefined) chat.username = input.username;
  return chat;
}

function commandEntities(text: string): MessageEntity[] | undefined {
  // Telegram marks a leading /command as a bot_command entity; grammY's bot.command() relies on it.
  const m = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return m ? [{ type: 'bot_command', offset: 0, length: m[0].length }] : undefined;
}

export function tgTextUpdate(input: TgUserInput & { text: string }): Update {
  const entities = commandEntities(input.text);
  return {
    update_id: input.updateId ?? ++updateIdCounter,
    message: {
      message_id: input.messageId ?? ++inboundMessageIdCounter,
      from: userOf(input),
      chat: privateChatOf(input),
      date: input.date ?? nowSeconds(),
      text: input.text,
      ...(entities ? { entities } : {}),
    },
  };
}

/** `/start` as sent by the Start button or a t.me/<bot>?start=<payload> deep link. */
export function tgStartUpdate(input: TgUserInput & { payload?: string }): Update {
  return tgTextUpdate({ ...input, text: input.payload ? `/start ${input.payload}` : '/start' });
}

/**
 * A photo message with the sizes Telegram generates; the largest has `fileId`.
 * Register its bytes with fake.setFile(fileId, ...) before the bot downloads it.
 */
export function tgPhotoUpdate(
  input: TgUserInput & { fileId?: string; caption?: string; width?: number; height?: number; fileSize?: number },
): Update {
  const width = input.width ?? 1280;
  const height = input.height ?? 960;
  const large: PhotoSize = {
    file_id: input.fileId ?? newFileId(),
    file_unique_id: newFileUniqueId(),
    file_size: input.fileSize ?? 120_000,
    width,
    height,
  };
  const scale = 90 / Math.max(width, height);
  const small: PhotoSize = {
    file_id: newFileId(),
    file_unique_id: newFileUniqueId(),
    file_size: 1_500,
    width: Math.round(width * scale),
    height: Math.round(height * scale),
  };
  builderFileIds.add(large.file_id);
  builderFileIds.add(small.file_id);
  return {
    update_id: input.updateId ?? ++updateIdCounter,
    message: {
      message_id: input.messageId ?? ++inboundMessageIdCounter,
      from: userOf(input),
      chat: privateChatOf(input),
      date: input.date ?? nowSeconds(),
      photo: [small, large],
      ...(input.caption !== undefined ? { caption: input.caption } : {}),
    },
  };
}

/** A press on an inline button under a message the bot sent (messageId: that message). */
export function tgCallbackUpdate(
  input: TgUserInput & {
    data: string;
    callbackQueryId?: string;
    messageText?: string;
    bot?: Pick<User, 'id' | 'first_name' | 'username'>;
  },
): Update {
  const bot = input.bot ?? DEFAULT_BOT;
  return {
    update_id: input.updateId ?? ++updateIdCounter,
    callback_query: {
      id: input.callbackQueryId ?? String(4_000_000_000_000_000_000n + BigInt(++callbackIdCounter)),
      from: userOf(input),
      message: {
        message_id: input.messageId ?? ++inboundMessageIdCounter,
        from: { id: bot.id, is_bot: true, first_name: bot.first_name, ...(bot.username ? { username: bot.username } : {}) },
        chat: privateChatOf(input),
        date: input.date ?? nowSeconds(),
        text: input.messageText ?? '…',
      },
      chat_instance: String(-1_000_000_000_000_000_000n - BigInt(input.chatId)),
      data: input.data,
    },
  };
}

// ---------------------------------------------------------------------------
// Fault scheduling


// ---------------------------------------------------------------------------
// Request bodies

/** Parses multipart/form-data as grammY writes it (`content-disposition:form-data;name="x"`, unquoted filenames) and as browsers do. */
function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string>; files: UploadedFile[] } {
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers: Record<string, string> = {};
      for (const line of part.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const disposition = headers['content-disposition'] ?? '';
      const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1] ?? /(?:^|;)\s*name=([^;]*)/i.exec(disposition)?.[1]?.trim();
      const filename = /(?:^|;)\s*filename="([^"]*)"/i.exec(disposition)?.[1] ?? /(?:^|;)\s*filename=([^;]*)/i.exec(disposition)?.[1]?.trim();
      const data = part.subarray(headerEnd + 4);
      if (name !== undefined) {
        if (filename !== undefined) files.push({ field: name, filename, contentType: headers['content-type'], data: Buffer.from(data) });
        else fields[name] = data.toString('utf8');
      }
    }
    pos = next;
  }
  return { fields, files };
}

// Fields that arrive JSON-serialised when the body is not JSON (multipart, urlencoded, query).
const JSON_FIELDS = new Set([
  'reply_markup', 'entities', 'caption_entities', 'allowed_updates', 'media', 'link_preview_options',
  'reply_parameters', 'commands', 'scope', 'results', 'menu_button',
]);
const NUMBER_FIELDS = new Set([
  'chat_id', 'message_id', 'offset', 'limit', 'timeout', 'cache_time', 'from_chat_id', 'message_thread_id',
  'max_connections', 'reply_to_message_id', 'duration', 'width', 'height',
]);
const BOOLEAN_FIELDS = new Set([
  'disable_notification', 'show_alert', 'protect_content', 'drop_pending_updates', 'has_spoiler',
  'disable_web_page_preview', 'allow_sending_without_reply', 'disable_content_type_detection',
]);

function coerceStringParam(key: string, value: string): unknown {
  if (JSON_FIELDS.has(key)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (NUMBER_FIELDS.has(key) && /^-?\d+$/.test(value)) return Number(value);
  if (BOOLEAN_FIELDS.has(key) && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

// ---------------------------------------------------------------------------
// Validation, the light way Telegram does it

class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
  ) {
    super(description);
  }
}

const bad = (description: string) => new BotApiError(400, `Bad Request: ${description}`);

const HTML_TAGS = new Set([
  'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre',
  'blockquote', 'tg-time',
]);
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

function htmlToPlain(text: string): string {
  let plain = '';
  const stack: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '<') {
      const offset = Buffer.byteLength(text.slice(0, i));
      const close = text.indexOf('>', i);
      const inner = close === -1 ? text.slice(i + 1) : text.slice(i + 1, close);
      if (inner.startsWith('/')) {
        const name = inner.slice(1).trim().toLowerCase();
        const expected = stack.pop();
        if (close === -1 || expected === undefined) throw bad(`can't parse entities: Unexpected end tag at byte offset ${offset}`);
        if (name !== expected) {
          throw bad(`can't parse entities: Unmatched end tag at byte offset ${offset}, expected "</${expected}>", found "</${name}>"`);
        }
      } else {
        const name = /^([a-zA-Z][a-zA-Z0-9-]*)(\s|$)/.exec(inner)?.[1]?.toLowerCase();
        if (close === -1 || name === undefined || !HTML_TAGS.has(name)) {
          throw bad(`can't parse entities: Unsupported start tag "${inner.split(/[\s>]/)[0] ?? ''}" at byte offset ${offset}`);
        }
        stack.push(name);
      }
      i = close + 1;
      continue;
    }
    if (ch === '&') {
      const m = /^&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/.exec(text.slice(i, i + 12));
      const ref = m?.[1];
      if (m && ref !== undefined) {
        const decoded = ref.startsWith('#x')
          ? String.fromCodePoint(parseInt(ref.slice(2), 16))
          : ref.startsWith('#')
            ? String.fromCodePoint(parseInt(ref.slice(1), 10))
            : NAMED_ENTITIES[ref.toLowerCase()];
        if (decoded !== undefined) {
          plain += decoded;
          i += m[0].length;
          continue;
        }
      }
    }
    plain += ch;
    i += 1;
  }
  const open = stack.pop();
  if (open !== undefined) throw bad(`can't parse entities: Can't find end tag corresponding to start tag "${open}"`);
  return plain;
}

// MarkdownV2: these must be escaped outside entities, and the ones that are not markers
// ('.', '!', '-', ...) are the usual trap (prices like 120.00, "ขอบคุณ!").
const MDV2_NEVER_MARKERS = new Set(['(', ')', '#', '+', '-', '=', '{', '}', '.', '!', '>']);

function markdownV2ToPlain(text: string): string {
  let plain = '';
  let mode: 'text' | 'code' | 'pre' | 'url' = 'text';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) throw bad(`can't parse entities: Character '\\' is reserved and must be escaped with the preceding '\\'`);
      if (mode !== 'url') plain += next;
      i += 2;
      continue;
    }
    if (mode === 'pre') {
      if (text.startsWith('```', i)) {
        mode = 'text';
        i += 3;
      } else {
        plain += ch;
        i += 1;
      }
      continue;
    }
    if (mode === 'code') {
      if (ch === '`') mode = 'text';
      else plain += ch;
      i += 1;
      continue;
    }
    if (mode === 'url') {
      if (ch === ')') mode = 'text';
      i += 1;
      continue;
    }
    if (text.startsWith('```', i)) {
      mode = 'pre';
      const newline = text.indexOf('\n', i + 3);
      // The rest of the opening line names the language and is not shown.
      i = newline === -1 ? i + 3 : newline + 1;
      continue;
    }
    if (ch === '`') {
      mode = 'code';
      i += 1;
      continue;
    }
    if (ch === ']' && text[i + 1] === '(') {
      mode = 'url';
      i += 2;
      continue;
    }
    if (ch === '>' && (i === 0 || text[i - 1] === '\n')) {
      i += 1;
      continue;
    }
    if ('*_~|[]'.includes(ch)) {
      i += 1;
      continue;
    }
    if (MDV2_NEVER_MARKERS.has(ch)) {
      throw bad(`can't parse entities: Character '${ch}' is reserved and must be escaped with the preceding '\\'`);
    }
    plain += ch;
    i += 1;
  }
  if (mode === 'code') throw bad(`can't parse entities: Can't find end of Code entity at byte offset ${Buffer.byteLength(text)}`);
  if (mode === 'pre') throw bad(`can't parse entities: Can't find end of Pre entity at byte offset ${Buffer.byteLength(text)}`);
  return plain;
}

function legacyMarkdownToPlain(text: string): string {
  return text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_`]/g, '');
}

function displayed(text: string, parseMode: unknown): string {
  if (typeof parseMode !== 'string' || parseMode === '') return text;
  switch (parseMode.toLowerCase()) {
    case 'html':
      return htmlToPlain(text);
    case 'markdownv2':
      return markdownV2ToPlain(text);
    case 'markdown':
      return legacyMarkdownToPlain(text);
    default:
      throw bad(`unsupported parse_mode`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const INLINE_ACTIONS = [
  'url', 'callback_data', 'web_app', 'login_url', 'switch_inline_query', 'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat', 'copy_text', 'callback_game', 'pay',
];

function validateReplyMarkup(markup: unknown): TelegramReplyMarkup | undefined {
  if (markup === undefined) return undefined;
  if (typeof markup === 'string') throw bad(`can't parse reply keyboard markup JSON object`);
  if (!isObject(markup)) throw bad('object expected as reply markup');
  if ('inline_keyboard' in markup) {
    const rows = markup.inline_keyboard;
    if (!Array.isArray(rows)) throw bad(`field "inline_keyboard" of the InlineKeyboardMarkup must be an Array`);
    for (const row of rows) {
      if (!Array.isArray(row)) throw bad(`field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays`);
      for (const button of row) {
        if (!isObject(button)) throw bad(`can't parse inline keyboard button: InlineKeyboardButton must be an Object`);
        if (typeof button.text !== 'string') throw bad(`can't parse inline keyboard button: Field "text" must be of type String`);
        if (button.text === '') throw bad('BUTTON_TEXT_EMPTY');
        const actions = INLINE_ACTIONS.filter((a) => button[a] !== undefined);
        if (actions.length === 0) throw bad(`can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard`);
        if (actions.length > 1) throw bad(`can't parse inline keyboard button: only one of the optional fields must be used`);
        const data = button.callback_data;
        if (data !== undefined) {
          const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : 0;
          if (bytes < 1 || bytes > 64) throw bad('BUTTON_DATA_INVALID');
        }
        if (button.url !== undefined && (typeof button.url !== 'string' || !/^(https?|tg):\/\/\S+$/.test(button.url))) {
          throw bad(`inline keyboard button URL '${String(button.url)}' is invalid: Wrong HTTP URL`);
        }
      }
    }
    return markup as unknown as InlineKeyboardMarkup;
  }
  if ('keyboard' in markup) {
    const rows = markup.keyboard;
    if (!Array.isArray(rows) || !rows.every((r) => Array.isArray(r) && r.every((b) => typeof b === 'string' || (isObject(b) && typeof b.text === 'string')))) {
      throw bad(`field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays of KeyboardButton`);
    }
    return markup as unknown as ReplyKeyboardMarkup;
  }
  if (markup.remove_keyboard === true) return markup as unknown as ReplyKeyboardRemove;
  if (markup.force_reply === true) return markup as unknown as ForceReply;
  throw bad('object expected as reply markup');
}

function requireText(params: Record<string, unknown>): { raw: string; shown: string } {
  const raw = params.text;
  if (typeof raw !== 'string' || raw.trim() === '') throw bad('message text is empty');
  const shown = displayed(raw, params.parse_mode);
  if (shown.trim() === '') throw bad('message text is empty');
  // Telegram measures the text after entity parsing, in UTF-16 code units.
  if (shown.length > 4096) throw bad('message is too long');
  return { raw, shown };
}

function optionalCaption(params: Record<string, unknown>): string | undefined {
  const raw = params.caption;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw bad('caption must be a String');
  const shown = displayed(raw, params.parse_mode);
  if (shown.length > 1024) throw bad('message caption is too long');
  return shown;
}

const CHAT_ACTIONS = new Set([
  'typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice', 'upload_document',
  'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note',
]);

// ---------------------------------------------------------------------------
// The server

const METHODS = [
  'getMe', 'sendMessage', 'sendPhoto', 'sendDocument', 'editMessageText', 'editMessageReplyMarkup',
  'answerCallbackQuery', 'getFile', 'setWebhook', 'deleteWebhook', 'getWebhookInfo', 'getUpdates', 'sendChatAction',
  'setMyCommands', 'deleteMyCommands', 'deleteMessage',
] as const;
type MethodName = (typeof METHODS)[number];
// Telegram method names are case-insensitive.
const METHOD_BY_LOWER = new Map<string, MethodName>(METHODS.map((m) => [m.toLowerCase(), m]));

interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  filePath: string;
  data: Buffer;
}

interface Context {
  call: TelegramApiCall;
  reply: FastifyReply;
}

type Answer = { result: unknown; description?: string; commit?: () => void };

/** The one getUpdates call that is waiting for updates. */
interface Poller {
  wake: () => void;
  finish: (answer: Answer | BotApiError) => void;
}

function flatHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function chatIdOf(params: Record<string, unknown>): number | string {
  const id = params.chat_id;
  if (id === undefined || id === '') throw bad('chat_id is empty');
  if (typeof id === 'number' && Number.isInteger(id)) return id;
  if (typeof id === 'string' && /^-?\d+$/.test(id)) return Number(id);
  if (typeof id === 'string' && /^@[A-Za-z0-9_]{4,}$/.test(id)) return id;
  throw bad('chat not found');
}

function chatOf(chatId: number | string): Chat {
  if (typeof chatId === 'string') return { id: -1001000000001, type: 'channel', title: chatId.slice(1), username: chatId.slice(1) };
  if (chatId > 0) return { id: chatId, type: 'private', first_name: 'สมชาย' };
  if (String(chatId).startsWith('-100')) return { id: chatId, type: 'supergroup', title: 'Group' };
  return { id: chatId, type: 'group', title: 'Group' };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export async function startFakeTelegramApi(options: FakeTelegramApiOptions = {}): Promise<FakeTelegramApi> {
  const token = options.token ?? DEFAULT_TOKEN;
  const tokenBotId = Number(token.split(':')[0]);
  const botInfo: UserFromGetMe = {
    ...DEFAULT_BOT,
    ...(Number.isSafeInteger(tokenBotId) && tokenBotId > 0 ? { id: tokenBotId } : {}),
    ...options.botInfo,
  };
  const botUser: User = { id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username };
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const defaultHangMs = options.hangMs ?? 30_000;

  const calls: TelegramApiCall[] = [];
  const sent: TelegramSentMessage[] = [];
  const edits: TelegramEdit[] = [];
  const answered: TelegramAnsweredCallback[] = [];
  const answeredIds = new Set<string>();
  // What each message shows now, for "message is not modified".
  const current = new Map<string, { text: string | undefined; replyMarkup: TelegramReplyMarkup | undefined }>();
  const files = new Map<string, StoredFile>();
  const filesByPath = new Map<string, StoredFile>();
  const blocked = new Set<string>();
  let updates: Update[] = [];
  let webhook: { url: string; secretToken: string | undefined; allowedUpdates: string[] | undefined } | undefined;
  let poller: Poller | undefined;
  const faults = createFaults();
  const hanging = new Set<NodeJS.Timeout>();
  let seq = 0;
  let messageIdCounter = 0;
  let fileCounter = 0;

  const messageKey = (chatId: number | string, messageId: number) => `${chatId}:${messageId}`;

  function storeFile(fileId: string, data: Buffer, filePath?: string): StoredFile {
    fileCounter += 1;
    const file: StoredFile = { fileId, fileUniqueId: newFileUniqueId(), filePath: filePath ?? `photos/file_${fileCounter}.jpg`, data };
    files.set(fileId, file);
    filesByPath.set(file.filePath, file);
    return file;
  }

  function record(request: FastifyRequest, method: string, params: Record<string, unknown>, encoding: TelegramApiCall['encoding']): TelegramApiCall {
    const call: TelegramApiCall = {
      seq: ++seq,
      method,
      httpMethod: request.method,
      path: request.url.split('?')[0] ?? request.url,
      headers: flatHeaders(request.headers),
      params,
      encoding,
      time: Date.now(),
      ok: false,
      status: undefined,
    };
    calls.push(call);
    return call;
  }

  function sendEnvelope(reply: FastifyReply, call: TelegramApiCall, envelope: Record<string, unknown>, status: number, headers: Record<string, string> = {}): FastifyReply {
    call.status = status;
    call.response = envelope;
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(envelope));
  }

  function sendError(reply: FastifyReply, call: TelegramApiCall, error: BotApiError, extra: Record<string, unknown> = {}, headers?: Record<string, string>): FastifyReply {
    return sendEnvelope(reply, call, { ok: false, error_code: error.errorCode, description: error.description, ...extra }, error.errorCode, headers);
  }

  function destroy(reply: FastifyReply): void {
    reply.hijack();
    reply.raw.destroy();
  }

  function injectFailure(reply: FastifyReply, call: TelegramApiCall, fault: PickedFault): FastifyReply | undefined {
    call.failure = fault.kind;
    switch (fault.kind) {
      case 500:
        return sendError(reply, call, new BotApiError(500, 'Internal Server Error'));
      case 429: {
        const after = fault.opts.retryAfterSeconds ?? retryAfterSeconds;
        return sendError(reply, call, new BotApiError(429, `Too Many Requests: retry after ${after}`), { parameters: { retry_after: after } }, { 'retry-after': String(after) });
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

  function readParams(request: FastifyRequest): { params: Record<string, unknown>; encoding: TelegramApiCall['encoding'] } {
    const params: Record<string, unknown> = {};
    let encoding: TelegramApiCall['encoding'] = 'none';
    const query = request.query;
    if (isObject(query)) for (const [k, v] of Object.entries(query)) params[k] = coerceStringParam(k, String(v));
    const contentType = (request.headers['content-type'] ?? '').toLowerCase();
    const body = request.body;
    if (contentType.startsWith('application/json')) {
      encoding = 'json';
      if (body !== undefined && !isObject(body)) throw bad('parameters must be a JSON object');
      if (isObject(body)) Object.assign(params, body);
    } else if (contentType.startsWith('application/x-www-form-urlencoded') && Buffer.isBuffer(body)) {
      encoding = 'urlencoded';
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = coerceStringParam(k, v);
    } else if (contentType.startsWith('multipart/form-data') && Buffer.isBuffer(body)) {
      encoding = 'multipart';
      const boundary = /boundary="?([^";]+)"?/i.exec(request.headers['content-type'] ?? '')?.[1];
      if (boundary === undefined) throw bad('multipart boundary is missing');
      const parsed = parseMultipart(body, boundary);
      for (const [k, v] of Object.entries(parsed.fields)) params[k] = coerceStringParam(k, v);
      const byField = new Map(parsed.files.map((f) => [f.field, f]));
      const attached = new Set<string>();
      for (const [k, v] of Object.entries(params)) {
        if (typeof v === 'string' && v.startsWith('attach://')) {
          const file = byField.get(v.slice('attach://'.length));
          if (file) {
            params[k] = file;
            attached.add(file.field);
          }
        }
      }
      // Clients other than grammY may name the file part after the parameter itself.
      for (const file of parsed.files) if (!attached.has(file.field)) params[file.field] = file;
    } else if (body !== undefined && !(Buffer.isBuffer(body) && body.length === 0)) {
      encoding = 'other';
    }
    return { params, encoding };
  }

  function assertNotBlocked(chatId: number | string): void {
    if (blocked.has(String(chatId))) throw new BotApiError(403, 'Forbidden: bot was blocked by the user');
  }

  function isUpload(v: unknown): v is UploadedFile {
    return isObject(v) && Buffer.isBuffer(v.data) && typeof v.field === 'string';
  }

  /** Resolves a photo/document parameter: an upload, a file_id Telegram would know, or an HTTP URL. */
  function resolveInputFile(value: unknown, missing: string, pathPrefix: string): { fileId: string; upload: UploadedFile | undefined; file: StoredFile | undefined } {
    if (value === undefined || value === '') throw bad(missing);
    if (isUpload(value)) {
      const ext = value.filename?.includes('.') ? value.filename.slice(value.filename.lastIndexOf('.')) : '';
      const file = storeFile(newFileId(), value.data, `${pathPrefix}/file_${fileCounter + 1}${ext}`);
      return { fileId: file.fileId, upload: value, file };
    }
    if (typeof value !== 'string') throw bad('wrong file identifier/HTTP URL specified');
    const known = files.get(value);
    if (known) return { fileId: known.fileId, upload: undefined, file: known };
    if (builderFileIds.has(value)) return { fileId: value, upload: undefined, file: undefined };
    // The real server would fetch the URL; here it only needs to look like one.
    if (/^https?:\/\/\S+$/.test(value)) return { fileId: newFileId(), upload: undefined, file: undefined };
    throw bad('wrong file identifier/HTTP URL specified');
  }

  function baseMessage(chatId: number | string): { message_id: number; from: User; chat: Chat; date: number } {
    return { message_id: ++messageIdCounter, from: botUser, chat: chatOf(chatId), date: nowSeconds() };
  }

  function deliver(call: TelegramApiCall, entry: Omit<TelegramSentMessage, 'params' | 'time'>): void {
    sent.push({ ...entry, params: call.params, time: call.time });
    current.set(messageKey(entry.chatId, entry.messageId), { text: entry.text ?? entry.caption, replyMarkup: entry.replyMarkup });
  }

  const endpoints: Record<MethodName, (ctx: Context) => Answer | Promise<Answer>> = {
    getMe: () => ({ result: botInfo }),

    sendMessage: ({ call }) => {
      const p = call.params;
      const chatId = chatIdOf(p);
      const { shown } = requireText(p);
      const replyMarkup = validateReplyMarkup(p.reply_markup);
      assertNotBlocked(chatId);
      const result: Message = { ...baseMessage(chatId), text: shown, ...(replyMarkup && 'inline_keyboard' in replyMarkup ? { reply_markup: replyMarkup } : {}) };
      return {
        result,
        commit: () =>
          deliver(call, {
            method: 'sendMessage', chatId, messageId: result.message_id, text: shown, caption: undefined,
            parseMode: typeof p.parse_mode === 'string' ? p.parse_mode : undefined, replyMarkup, result,
          }),
      };
    },

    sendPhoto: ({ call }) => {
      const p = call.params;
      const chatId = chatIdOf(p);
      const caption = optionalCaption(p);
      const replyMarkup = validateReplyMarkup(p.reply_markup);
      const photo = resolveInputFile(p.photo, 'there is no photo in the request', 'photos');
      assertNotBlocked(chatId);
      const size: PhotoSize = {
        file_id: photo.fileId,
        file_unique_id: photo.file?.fileUniqueId ?? newFileUniqueId(),
        width: 1280,
        height: 960,
        ...(photo.file ? { file_size: photo.file.data.length } : {}),
      };
      const result: Message = {
        ...baseMessage(chatId),
        photo: [size],
        ...(caption !== undefined ? { caption } : {}),
        ...(replyMarkup && 'inline_keyboard' in replyMarkup ? { reply_markup: replyMarkup } : {}),
      };
      return {
        result,
        commit: () =>
          deliver(call, {
            method: 'sendPhoto', chatId, messageId: result.message_id, text: undefined, caption,
            parseMode: typeof p.parse_mode === 'string' ? p.parse_mode : undefined, replyMarkup,
            photo: { fileId: photo.fileId, upload: photo.upload }, result,
          }),
      };
    },

    sendDocument: ({ call }) => {
      const p = call.params;
      const chatId = chatIdOf(p);
      const caption = optionalCaption(p);
      const replyMarkup = validateReplyMarkup(p.reply_markup);
      const doc = resolveInputFile(p.document, 'there is no document in the request', 'documents');
      assertNotBlocked(chatId);
      const fileName = doc.upload?.filename;
      const result: Message = {
        ...baseMessage(chatId),
        document: {
          file_id: doc.fileId,
          file_unique_id: doc.file?.fileUniqueId ?? newFileUniqueId(),
          ...(fileName !== undefined ? { file_name: fileName } : {}),
          ...(doc.upload?.contentType ? { mime_type: doc.upload.contentType } : {}),
          ...(doc.file ? { file_size: doc.file.data.length } : {}),
        },
        ...(caption !== undefined ? { caption } : {}),
        ...(replyMarkup && 'inline_keyboard' in replyMarkup ? { reply_markup: replyMarkup } : {}),
      };
      return {
        result,
        commit: () =>
          deliver(call, {
            method: 'sendDocument', chatId, messageId: result.message_id, text: undefined, caption,
            parseMode: typeof p.parse_mode === 'string' ? p.parse_mode : undefined, replyMarkup,
            document: { fileId: doc.fileId, fileName, upload: doc.upload }, result,
          }),
      };
    },

    editMessageText: ({ call }) => {
      const p = call.params;
      if (p.inline_message_id !== undefined) {
        const { shown } = requireText(p);
        const replyMarkup = validateReplyMarkup(p.reply_markup);
        return { result: true, commit: () => edits.push({ method: 'editMessageText', chatId: '', messageId: 0, text: shown, replyMarkup, params: p, time: call.time }) };
      }
      const chatId = chatIdOf(p);
      if (typeof p.message_id !== 'number') throw bad('message identifier is not specified');
      const messageId = p.message_id;
      const { shown } = requireText(p);
      const replyMarkup = validateReplyMarkup(p.reply_markup);
      const key = messageKey(chatId, messageId);
      const before = current.get(key);
      const original = sent.find((s) => s.chatId === chatId && s.messageId === messageId);
      if (original && original.method !== 'sendMessage') throw bad('there is no text in the message to edit');
      if (before && before.text === shown && sameJson(before.replyMarkup, replyMarkup)) {
        throw bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
      }
      const result: Message = {
        message_id: messageId, from: botUser, chat: chatOf(chatId), date: original?.result.date ?? nowSeconds(), edit_date: nowSeconds(), text: shown,
        ...(replyMarkup && 'inline_keyboard' in replyMarkup ? { reply_markup: replyMarkup } : {}),
      };
      return {
        result,
        commit: () => {
          current.set(key, { text: shown, replyMarkup });
          edits.push({ method: 'editMessageText', chatId, messageId, text: shown, replyMarkup, params: p, time: call.time });
        },
      };
    },

    editMessageReplyMarkup: ({ call }) => {
      const p = call.params;
      const replyMarkup = validateReplyMarkup(p.reply_markup);
      if (p.inline_message_id !== undefined) {
        return { result: true, commit: () => edits.push({ method: 'editMessageReplyMarkup', chatId: '', messageId: 0, text: undefined, replyMarkup, params: p, time: call.time }) };
      }
      const chatId = chatIdOf(p);
      if (typeof p.message_id !== 'number') throw bad('message identifier is not specified');
      const messageId = p.message_id;
      const key = messageKey(chatId, messageId);
      const before = current.get(key);
      if (before && sameJson(before.replyMarkup, replyMarkup)) {
        throw bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
      }
      const original = sent.find((s) => s.chatId === chatId && s.messageId === messageId);
      const result: Message = {
        message_id: messageId, from: botUser, chat: chatOf(chatId), date: original?.result.date ?? nowSeconds(), edit_date: nowSeconds(),
        ...(before?.text !== undefined ? { text: before.text } : {}),
        ...(replyMarkup && 'inline_keyboard' in replyMarkup ? { reply_markup: replyMarkup } : {}),
      };
      return {
        result,
        commit: () => {
          current.set(key, { text: before?.text, replyMarkup });
          edits.push({ method: 'editMessageReplyMarkup', chatId, messageId, text: undefined, replyMarkup, params: p, time: call.time });
        },
      };
    },

    answerCallbackQuery: ({ call }) => {
      const p = call.params;
      const id = p.callback_query_id;
      if (typeof id !== 'string' || id === '') throw bad('query_id is empty');
      if (answeredIds.has(id)) throw bad('query is too old and response timeout expired or query ID is invalid');
      if (typeof p.text === 'string' && p.text.length > 200) throw bad('MESSAGE_TOO_LONG');
      return {
        result: true,
        commit: () => {
          answeredIds.add(id);
          answered.push({
            callbackQueryId: id,
            text: typeof p.text === 'string' ? p.text : undefined,
            showAlert: typeof p.show_alert === 'boolean' ? p.show_alert : undefined,
            url: typeof p.url === 'string' ? p.url : undefined,
            cacheTime: typeof p.cache_time === 'number' ? p.cache_time : undefined,
            time: call.time,
          });
        },
      };
    },

    getFile: ({ call }) => {
      const id = call.params.file_id;
      if (typeof id !== 'string' || id === '') throw bad('file_id is empty');
      const file = files.get(id);
      if (file === undefined) throw bad('invalid file_id');
      const result: File = { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.data.length, file_path: file.filePath };
      return { result };
    },

    setWebhook: ({ call }) => {
      const p = call.params;
      if (typeof p.url !== 'string') throw bad('bad webhook: URL must be specified');
      const secret = p.secret_token;
      if (secret !== undefined && (typeof secret !== 'string' || !/^[A-Za-z0-9_-]{1,256}$/.test(secret))) {
        throw bad('secret token contains unallowed characters');
      }
      if (p.url === '') return { result: true, description: 'Webhook was deleted', commit: () => (webhook = undefined) };
      // Real Telegram insists on HTTPS; tests point it at http://127.0.0.1, so any absolute URL will do.
      if (!/^https?:\/\/\S+$/.test(p.url)) throw bad('bad webhook: An HTTPS URL must be provided for webhook');
      const url = p.url;
      const allowedUpdates = Array.isArray(p.allowed_updates) ? (p.allowed_updates as string[]) : undefined;
      return {
        result: true,
        description: 'Webhook was set',
        commit: () => {
          webhook = { url, secretToken: typeof secret === 'string' ? secret : undefined, allowedUpdates };
          if (p.drop_pending_updates === true) updates = [];
        },
      };
    },

    deleteWebhook: ({ call }) => ({
      result: true,
      description: webhook ? 'Webhook was deleted' : 'Webhook is already deleted',
      commit: () => {
        webhook = undefined;
        if (call.params.drop_pending_updates === true) updates = [];
      },
    }),

    getWebhookInfo: () => ({
      result: {
        url: webhook?.url ?? '',
        has_custom_certificate: false,
        pending_update_count: updates.length,
        ...(webhook?.allowedUpdates ? { allowed_updates: webhook.allowedUpdates } : {}),
      },
    }),

    getUpdates: ({ call, reply }) => {
      if (webhook) throw new BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      const p = call.params;
      const offset = typeof p.offset === 'number' ? p.offset : 0;
      const limit = typeof p.limit === 'number' ? Math.min(Math.max(p.limit, 1), 100) : 100;
      const timeout = typeof p.timeout === 'number' ? Math.max(p.timeout, 0) : 0;
      // An offset confirms every update below it, as on the real server.
      if (offset > 0) updates = updates.filter((u) => u.update_id >= offset);
      else if (offset < 0) updates = updates.slice(offset);
      const available = () => updates.slice(0, limit);
      if (available().length > 0 || timeout === 0) return { result: available() };
      poller?.finish(new BotApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
      return new Promise<Answer>((resolve, reject) => {
        const self: Poller = {
          wake: () => self.finish({ result: available() }),
          finish: (answer) => {
            clearTimeout(timer);
            if (poller === self) poller = undefined;
            if (answer instanceof BotApiError) reject(answer);
            else resolve(answer);
          },
        };
        const timer = setTimeout(self.wake, timeout * 1000);
        poller = self;
        // The client gave up (grammY's bot.stop() aborts the pending poll).
        reply.raw.on('close', () => {
          if (poller === self) self.finish({ result: [] });
        });
      });
    },

    sendChatAction: ({ call }) => {
      const chatId = chatIdOf(call.params);
      const action = call.params.action;
      if (typeof action !== 'string' || !CHAT_ACTIONS.has(action)) throw bad('wrong parameter action in request');
      assertNotBlocked(chatId);
      return { result: true };
    },

    setMyCommands: () => ({ result: true }),
    deleteMyCommands: () => ({ result: true }),
    deleteMessage: ({ call }) => {
      chatIdOf(call.params);
      if (typeof call.params.message_id !== 'number') throw bad('message identifier is not specified');
      return { result: true };
    },
  };

  async function handleApi(request: FastifyRequest, reply: FastifyReply, urlToken: string, methodName: string) {
    let parsed: { params: Record<string, unknown>; encoding: TelegramApiCall['encoding'] };
    const method = METHOD_BY_LOWER.get(methodName.toLowerCase());
    try {
      parsed = readParams(request);
    } catch (error) {
      const call = record(request, method ?? methodName, {}, 'other');
      return sendError(reply, call, error instanceof BotApiError ? error : bad(String(error)));
    }
    const call = record(request, method ?? methodName, parsed.params, parsed.encoding);
    if (urlToken !== token) return sendError(reply, call, new BotApiError(401, 'Unauthorized'));
    if (method === undefined) return sendError(reply, call, new BotApiError(404, 'Not Found'));
    const fault = faults.pick(method);
    if (fault && fault.kind !== 'lost-response') return injectFailure(reply, call, fault);
    let answer: Answer;
    try {
      answer = await endpoints[method]({ call, reply });
    } catch (error) {
      if (!(error instanceof BotApiError)) throw error;
      if (fault) return destroy(reply);
      return sendError(reply, call, error);
    }
    answer.commit?.();
    call.ok = true;
    const envelope = { ok: true, result: answer.result, ...(answer.description ? { description: answer.description } : {}) };
    if (fault) {
      call.failure = fault.kind;
      call.response = envelope;
      return destroy(reply);
    }
    if (reply.raw.destroyed) {
      call.response = envelope;
      return undefined;
    }
    return sendEnvelope(reply, call, envelope, 200);
  }

  async function handleFile(request: FastifyRequest, reply: FastifyReply, urlToken: string, filePath: string) {
    const call = record(request, 'file', { file_path: filePath }, 'none');
    if (urlToken !== token) return sendError(reply, call, new BotApiError(401, 'Unauthorized'));
    const fault = faults.pick('file');
    if (fault && fault.kind !== 'lost-response') return injectFailure(reply, call, fault);
    const file = filesByPath.get(filePath);
    if (file === undefined) return sendError(reply, call, new BotApiError(404, 'Not Found'));
    call.ok = true;
    if (fault) {
      call.failure = fault.kind;
      return destroy(reply);
    }
    call.status = 200;
    call.response = { length: file.data.length };
    return reply.code(200).header('content-type', 'application/octet-stream').send(file.data);
  }

  const app = fakeServer({ badJson: "Bad Request: can't parse JSON object", bodyLimit: 60 * 1024 * 1024 });
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const call = record(request, 'unknown', {}, 'other');
    const code = error.statusCode ?? 500;
    return sendError(reply, call, new BotApiError(code, code >= 500 ? 'Internal Server Error' : error.message));
  });
  app.route({
    method: ['GET', 'POST'],
    url: '/*',
    handler: async (request, reply) => {
      const path = decodeURIComponent(request.url.split('?')[0] ?? '');
      const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
      if (fileMatch) return handleFile(request, reply, fileMatch[1]!, fileMatch[2]!);
      // `/test/` is where grammY's environment: 'test' puts methods.
      const apiMatch = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(path);
      if (apiMatch) return handleApi(request, reply, apiMatch[1]!, apiMatch[2]!);
      const call = record(request, 'unknown', {}, 'none');
      return sendError(reply, call, new BotApiError(404, 'Not Found'));
    },
  });

  const apiRoot = await app.listen({ host: '127.0.0.1', port: 0 });

  const byChat = (chatId: number | string | undefined) => (s: { chatId: number | string }) =>
    chatId === undefined || String(s.chatId) === String(chatId);

  return {
    apiRoot,
    token,
    botInfo,
    calls,
    sentMessages: (chatId) => sent.filter(byChat(chatId)),
    sentTexts: (chatId) =>
      sent.filter(byChat(chatId)).flatMap((s) => {
        const shown = s.text ?? s.caption;
        return shown === undefined ? [] : [shown];
      }),
    edits: (chatId) => edits.filter(byChat(chatId)),
    answeredCallbacks: () => [...answered],
    queueUpdate(...incoming) {
      updates.push(...incoming);
      poller?.wake();
    },
    pendingUpdates: () => [...updates],
    webhook: () => (webhook ? { ...webhook } : undefined),
    setFile(fileId, data, opts = {}) {
      return storeFile(fileId, Buffer.from(data), opts.filePath).filePath;
    },
    blockChat(chatId) {
      blocked.add(String(chatId));
    },
    failNext: (n, kind, opts) => faults.failNext(n, kind, opts),
    setFailureRate: (p, kinds, seed, opts) => faults.setRate(p, kinds, seed, opts),
    reset() {
      calls.length = 0;
      sent.length = 0;
      edits.length = 0;
      answered.length = 0;
      answeredIds.clear();
      current.clear();
      blocked.clear();
      updates = [];
      webhook = undefined;
      faults.clear();
    },
    async close() {
      poller?.finish({ result: [] });
      for (const timer of hanging) clearTimeout(timer);
      hanging.clear();
      await app.close();
    },
  };
}
