import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, GrammyError, HttpError, InlineKeyboard, InputFile } from 'grammy';
import type { Update } from 'grammy/types';
import { telegramUpdate } from './telegram.update.ts';
import type { Logger } from '#src/logger.ts';
import { linkCodeIn } from '#src/modules/notify/index.ts';
import { createRateLimiter, type RateLimiter } from '#src/lib/rate-limiter.ts';
import { SendError, type ChannelSender } from '#src/ports/channel.ts';
import type { Button, OutMessage } from '../engine/messages.ts';
import type { InboundEvent as ChatEvent } from '../engine/engine.ts';
import type { DecodedEvent, InboundDecoder } from '../inbox-processor.ts';

export interface TelegramOptions {
  botToken: string;
  apiRoot: string;
  logger: Logger;
  /** Stores an update (once per update_id) for processing after the webhook is answered. */
  store: (update: Update) => Promise<void>;
}

/** The grammY bot: it does not start on import; its only middleware stores updates, the engine does the rest. */
export function createTelegramBot(opts: TelegramOptions) {
  const bot = new Bot(opts.botToken, { client: { apiRoot: opts.apiRoot, timeoutSeconds: 10 } });
  // A short 429 is waited out in place; server and network errors go back to the outbox, whose backoff
  // retries them without holding up messages to everyone else.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 2, maxDelaySeconds: 5, rethrowInternalServerErrors: true, rethrowHttpErrors: true }));
  bot.use(async (ctx) => {
    const parsed = telegramUpdate.safeParse(ctx.update);
    if (!parsed.success) {
      opts.logger.warn({ updateId: ctx.update.update_id }, 'Telegram update skipped: unexpected shape');
      return;
    }
    await opts.store(ctx.update);
  });
  bot.catch((err) => opts.logger.error({ err: err.error, updateId: err.ctx.update.update_id }, 'Telegram update failed'));
  return bot;
}

const language = (code: string | undefined) => (code === undefined ? undefined : code.startsWith('th') ? 'th' : 'en');

export function createTelegramDecoder(bot: Bot, logger: Logger): InboundDecoder {
  return {
    async decode(payload) {
      // Stored updates were checked on arrival; checked again here, as rows stored before a rule existed may not be.
      if (!telegramUpdate.safeParse(payload).success) return null;
      const update = payload as unknown as Update;
      if (update.callback_query) {
        const q = update.callback_query;
        // Always answered, so the button stops spinning; a repeat answer is harmless.
        await bot.api.answerCallbackQuery(q.id).catch((err) => logger.warn({ err }, 'answerCallbackQuery failed'));
        const chatId = q.message?.chat.id ?? q.from.id;
        if (q.message && q.message.chat.type !== 'private') return null;
        return decoded(chatId, q.from, typeof q.data === 'string' ? { kind: 'postback', data: q.data } : null);
      }
      if (update.my_chat_member) {
        const m = update.my_chat_member;
        if (m.chat.type !== 'private') return null;
        const status = m.new_chat_member.status;
        return decoded(m.chat.id, m.from, status === 'kicked' ? { kind: 'unfollow' } : status === 'member' ? { kind: 'follow' } : null);
      }
      const msg = update.message;
      // A group's messages are not a conversation: only the merchant's one-time link code is read from it.
      if (msg && msg.chat.type !== 'private' && typeof msg.text === 'string' && linkCodeIn(msg.text)) {
        return { person: { channel: 'telegram', userId: String(msg.chat.id) }, event: { kind: 'text', text: msg.text }, group: true };
      }
      if (!msg || msg.chat.type !== 'private') return null;
      let event: ChatEvent | null = null;
      if (typeof msg.text === 'string') event = { kind: 'text', text: /^\/start(\s|$)/.test(msg.text) ? '/start' : msg.text };
      else if (msg.photo?.length) {
        const largest = msg.photo.reduce((a, b) => ((b.file_size ?? b.width * b.height) > (a.file_size ?? a.width * a.height) ? b : a));
        event = { kind: 'image', reference: `telegram:${largest.file_id}`, fetch: () => download(bot, largest.file_id) };
      } else if (msg.document && msg.document.mime_type?.startsWith('image/')) {
        const fileId = msg.document.file_id;
        event = { kind: 'image', reference: `telegram:${fileId}`, fetch: () => download(bot, fileId) };
      } else if (msg.sticker) event = { kind: 'sticker', label: msg.sticker.emoji };
      else if (msg.location) event = { kind: 'location' };
      else event = { kind: 'text', text: typeof msg.caption === 'string' ? msg.caption : '' };
      return decoded(msg.chat.id, msg.from, event);
    },
  };
}

function decoded(chatId: number, from: { first_name?: string; last_name?: string; language_code?: string } | undefined, event: ChatEvent | null): DecodedEvent | null {
  if (!event) return null;
  const name = [from?.first_name, from?.last_name].filter(Boolean).join(' ') || undefined;
  return { person: { channel: 'telegram', userId: String(chatId), displayName: name, language: language(from?.language_code) }, event };
}

async function download(bot: Bot, fileId: string): Promise<Buffer> {
  const file = await bot.api.getFile(fileId);
  if (!file.file_path) throw new Error('Telegram returned no file path');
  if ((file.file_size ?? 0) > 20 * 1024 * 1024) throw new Error('image larger than 20 MB');
  const res = await fetch(fileUrl(bot, file.file_path), { signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`file download answered ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

const apiRoots = new WeakMap<Bot, string>();
export function rememberApiRoot(bot: Bot, apiRoot: string) {
  apiRoots.set(bot, apiRoot.replace(/\/+$/, ''));
}
function fileUrl(bot: Bot, path: string) {
  return `${apiRoots.get(bot) ?? 'https://api.telegram.org'}/file/bot${bot.token}/${path}`;
}

// ---- sending ------------------------------------------------------------------------------------

const CALLBACK_MAX_BYTES = 64;

function keyboard(buttons: Button[] | undefined, perRow = 2): InlineKeyboard | undefined {
  const usable = (buttons ?? []).filter((b) => Buffer.byteLength(b.command, 'utf8') <= CALLBACK_MAX_BYTES);
  if (usable.length === 0) return undefined;
  const kb = new InlineKeyboard();
  usable.forEach((b, i) => {
    kb.text(b.label, b.command);
    if ((i + 1) % perRow === 0) kb.row();
  });
  return kb;
}

/** Telegram has no carousel: products become one list with an "add" button per product. */
function productsAsText(m: Extract<OutMessage, { type: 'products' }>): { text: string; keyboard: InlineKeyboard | undefined } {
  const text = m.cards.map((c) => `• ${c.title}\n   ${c.price} · ${c.stockLabel} · ${c.sku}`).join('\n');
  const buttons = [...m.cards.flatMap((c) => c.buttons.map((b) => ({ label: `${b.label}: ${c.title}`.slice(0, 60), command: b.command }))), ...(m.buttons ?? [])];
  return { text: `${m.altText}\n\n${text}`, keyboard: keyboard(buttons, 1) };
}

function asSendError(err: unknown): SendError {
  if (err instanceof GrammyError) {
    const retryAfter = err.parameters.retry_after;
    return new SendError(`Telegram ${err.method}: ${err.error_code} ${err.description}`, {
      retryable: err.error_code === 429 || err.error_code >= 500,
      retryAfterMs: retryAfter ? retryAfter * 1000 : undefined,
    });
  }
  if (err instanceof HttpError) return new SendError(`Telegram network error: ${err.message}`, { retryable: true });
  return new SendError(err instanceof Error ? err.message : String(err), { retryable: true });
}

/** Telegram's published limits: about 30 messages a second overall and one a second to one chat. */
export const TELEGRAM_LIMITS = { overall: { perSecond: 30, burst: 30 }, perKey: { perSecond: 1, burst: 3 } };

export function createTelegramSender(bot: Bot, limiter: RateLimiter = createRateLimiter(TELEGRAM_LIMITS)): ChannelSender {
  // Telegram has no idempotency key: when a retry follows a partly sent delivery, this process skips
  // the messages it already sent.
  const progress = new Map<number, number>();
  return {
    async send(delivery) {
      const chatId = delivery.recipient;
      try {
        for (let i = progress.get(delivery.id) ?? 0; i < delivery.messages.length; i++) {
          const m = delivery.messages[i]!;
          await limiter.take(chatId);
          if (m.type === 'text') {
            await bot.api.sendMessage(chatId, m.text.slice(0, 4096), { reply_markup: keyboard(m.buttons) });
          } else if (m.type === 'products') {
            const { text, keyboard: kb } = productsAsText(m);
            await bot.api.sendMessage(chatId, text.slice(0, 4096), { reply_markup: kb });
          } else {
            const photo = m.url.startsWith('data:') ? new InputFile(Buffer.from(m.url.split(',')[1] ?? '', 'base64'), 'image.png') : m.url;
            await bot.api.sendPhoto(chatId, photo, { caption: m.caption?.slice(0, 1024) });
          }
          progress.set(delivery.id, i + 1);
        }
        progress.delete(delivery.id);
      } catch (err) {
        if (progress.size > 10_000) progress.clear();
        throw asSendError(err);
      }
    },
  };
}
