/**
 * The web chat on the shop's own site: a page at /chat and a small JSON API it talks to. The visitor
 * is known by a signed cookie; their messages go through the same inbox and engine as LINE and
 * Telegram, and the bot's answers come back through the outbox into the visitor's transcript.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '#src/db/client.ts';
import { escapeHtml } from '#src/lib/html.ts';
import { safeEqual } from '#src/modules/accounts/index.ts';
import { appendWebchat, createUploadQuota, webchatAfter, webchatUploadsDir, type InboundRecord } from '#src/modules/conversations/index.ts';
import { chatIdentityLanguage } from '#src/modules/customers/index.ts';
import { inspectImage } from '#src/lib/image-guard.ts';
import { createFairQueue } from '#src/lib/fair-queue.ts';
import type { ChannelSender } from '#src/ports/channel.ts';
import { messages } from '#templates/messages/index.ts';
import { createForgeryGuard as createWindowCounter } from '#src/http/forgery-guard.ts';
import type { InboundDecoder } from '../inbox-processor.ts';
import { sameOriginParts } from './same-origin.ts';

const templatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates/webchat');
const COOKIE = 'talad_chat';
const LONG_POLL_MS = 25_000;

/**
 * Web-chat photos received at once; the others wait with their bytes unread (their connections hold
 * them). A burst of large uploads would otherwise fill the main thread with their parsing and hashing,
 * and the cores with their decoding, while signed webhooks wait to be acknowledged (the abuse drill on
 * PostgreSQL: ack p99 340-500 ms with every upload at once, 50-100 ms with two).
 */
const UPLOADS_AT_ONCE = 2;

/** Wakes the visitor's open long-poll when the bot writes to their transcript (same process). */
export const webchatEvents = new EventEmitter().setMaxListeners(0);

export function createWebchatSender(db: Db): ChannelSender {
  return {
    async send(delivery) {
      // Keyed by the outbox row: a retried delivery finds its transcript entry already written.
      await appendWebchat(db, { visitorId: delivery.recipient, sender: 'bot', clientId: `outbox:${delivery.id}`, parts: delivery.messages });
      webchatEvents.emit(delivery.recipient);
    },
  };
}

const inbound = z.object({
  visitorId: z.string(),
  id: z.string(),
  lang: z.enum(['th', 'en']),
  text: z.string().optional(),
  imagePath: z.string().optional(),
});

export function createWebchatDecoder(): InboundDecoder {
  return {
    async decode(payload) {
      const p = inbound.parse(payload);
      const person = { channel: 'webchat' as const, userId: p.visitorId, language: p.lang };
      if (p.imagePath) {
        const file = p.imagePath;
        return { person, event: { kind: 'image', reference: `webchat:${p.id}`, fetch: () => readFile(file), file } };
      }
      return { person, event: { kind: 'text', text: p.text ?? '' } };
    },
  };
}

export interface WebchatOptions {
  secret: string;
  dataDir: string;
  secureCookies: boolean;
  /** Hands verified records to the chat runtime, which stores each once and processes them. */
  receive: (records: InboundRecord[]) => Promise<number>;
}

export const webchatPlugin: FastifyPluginAsync<WebchatOptions> = async (app, opts) => {
  const { db, config } = app.deps;
  await app.register(cookie, { secret: opts.secret });
  await app.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 1, fields: 4 } });
  await app.register(rateLimit, { max: 120, timeWindow: '1 minute', keyGenerator: (req) => visitorOf(req) ?? req.ip });
  // A visitor cookie is free to mint: the client's address is limited as well, and so is minting.
  app.addHook('onRequest', app.rateLimit({ max: 300, timeWindow: '1 minute', keyGenerator: (req) => `ip:${req.ip}` }));
  const mints = createWindowCounter({ limit: 100, windowMs: 10 * 60_000 });
  const quota = createUploadQuota(opts.dataDir, { perVisitor: config.webchatUploads.perVisitorBytes, total: config.webchatUploads.totalBytes });
  const receiving = createFairQueue(UPLOADS_AT_ONCE);
  // Framed only by the shop's own sites (WEBCHAT_FRAME_ORIGINS); nothing served here is content-sniffed.
  const frameAncestors = ["'self'", ...config.webchatFrameOrigins].join(' ');
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    const csp = reply.getHeader('content-security-policy');
    reply.header('content-security-policy', `${typeof csp === 'string' ? csp : "default-src 'none'"}; frame-ancestors ${frameAncestors}`);
    if (config.webchatFrameOrigins.length === 0) reply.header('x-frame-options', 'SAMEORIGIN');
    return payload;
  });
  await app.register(fastifyStatic, { root: templatesDir, prefix: '/chat/assets/', decorateReply: false, allowedPath: (p) => /\.(css|js)$/.test(p) });
  const page = await readFile(path.join(templatesDir, 'chat.html'), 'utf8');
  const csrfFor = (visitorId: string) => createHmac('sha256', opts.secret).update(`csrf:${visitorId}`).digest('base64url');

  function visitorOf(request: FastifyRequest): string | undefined {
    const raw = request.cookies[COOKIE];
    if (!raw) return undefined;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value && /^[0-9a-f-]{36}$/.test(unsigned.value) ? unsigned.value : undefined;
  }

  function langOf(request: FastifyRequest): 'th' | 'en' {
    const header = request.headers['accept-language'] ?? '';
    if (/^\s*th/i.test(header)) return 'th';
    if (/^\s*en/i.test(header)) return 'en';
    return config.shop.locale;
  }

  /** The conversation's language: the one the customer is answered in, else the browser's until they write. */
  async function conversationLang(request: FastifyRequest, visitorId: string | undefined): Promise<'th' | 'en'> {
    return (visitorId ? await chatIdentityLanguage(db, 'webchat', visitorId) : undefined) ?? langOf(request);
  }

  /** The page's own texts, as a JSON block (not run as script, so the CSP allows it); chat.js reads them. */
  const pageTexts = (lang: 'th' | 'en') => JSON.stringify(messages[lang].webchat.page).replace(/</g, '\\u003c');

  /** Every API call needs the visitor's cookie and the page's CSRF token, bound to that visitor. */
  function requireVisitor(request: FastifyRequest, reply: FastifyReply, csrf: boolean): string | undefined {
    const visitorId = visitorOf(request);
    const token = request.headers['x-csrf-token'];
    if (!visitorId || (csrf && (typeof token !== 'string' || !safeEqual(token, csrfFor(visitorId))))) {
      void reply.status(403).send({ error: { code: 'BAD_TOKEN', message: messages[langOf(request)].webchat.refused.BAD_TOKEN } });
      return undefined;
    }
    return visitorId;
  }

  app.get('/chat', { schema: { hide: true } }, async (request, reply) => {
    let visitorId = visitorOf(request);
    if (!visitorId) {
      if (mints.refuse(request.ip)) {
        return reply.status(429).type('text/plain; charset=utf-8').send(messages[langOf(request)].webchat.refused.RATE_LIMITED);
      }
      visitorId = randomUUID();
      reply.setCookie(COOKIE, visitorId, {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: opts.secureCookies,
        path: '/chat',
        maxAge: 60 * 60 * 24 * 365,
      });
    }
    const lang = await conversationLang(request, visitorId);
    const texts = pageTexts(lang);
    const html = page
      .replaceAll('{{SHOP_NAME}}', () => escapeHtml(config.shop.name))
      .replaceAll('{{LANG}}', lang)
      .replaceAll('{{CSRF}}', csrfFor(visitorId))
      .replaceAll('{{TEXTS}}', () => texts);
    return reply
      .header('content-security-policy', "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self'; script-src 'self'; connect-src 'self'")
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  const messageBody = z.object({ id: z.uuid(), text: z.string().trim().min(1).max(2000) });

  app.post('/chat/api/messages', { schema: { hide: true } }, async (request, reply) => {
    const visitorId = requireVisitor(request, reply, true);
    if (!visitorId) return reply;
    const body = messageBody.parse(request.body);
    await appendWebchat(db, { visitorId, sender: 'me', clientId: body.id, parts: [{ type: 'text', text: body.text }] });
    const record = {
      channel: 'webchat',
      eventId: `${visitorId}:${body.id}`,
      userKey: `webchat:${visitorId}`,
      payload: { visitorId, id: body.id, lang: langOf(request), text: body.text },
    };
    await opts.receive([record]);
    webchatEvents.emit(visitorId);
    return reply.status(202).send({ ok: true });
  });

  app.post('/chat/api/images', { schema: { hide: true } }, async (request, reply) => {
    const visitorId = requireVisitor(request, reply, true);
    if (!visitorId) return reply;
    // Turns by the client's address: an address sending many photos waits behind itself, not in front of others.
    return receiving.run(request.ip, () => receiveImage(request, reply, visitorId));
  });

  async function receiveImage(request: FastifyRequest, reply: FastifyReply, visitorId: string) {
    const lang = await conversationLang(request, visitorId);
    let id: string | undefined;
    let bytes: Buffer | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field' && part.fieldname === 'id') id = String(part.value);
        else if (part.type === 'file' && part.fieldname === 'image') bytes = await part.toBuffer();
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        return reply.status(413).send({ error: { code: 'TOO_LARGE', message: messages[lang].webchat.refused.TOO_LARGE } });
      }
      throw err;
    }
    if (!id || !z.uuid().safeParse(id).success || !bytes) {
      return reply.status(400).send({ error: { code: 'NO_FILE', message: messages[lang].webchat.refused.NO_FILE } });
    }
    const checked = await inspectImage(bytes);
    if (!checked.ok) {
      request.log.info({ code: checked.code }, 'web chat upload refused');
      const status = checked.code === 'TOO_LARGE' || checked.code === 'TOO_MANY_PIXELS' ? 413 : checked.code === 'UNSUPPORTED_FORMAT' ? 415 : 400;
      return reply.status(status).send({ error: { code: checked.code, message: messages[lang].webchat.refused[checked.code] } });
    }
    // The disk is the embedded database's too: each visitor, and all of them together, have a quota.
    const over = await quota.admit(visitorId, bytes.length);
    if (over) {
      request.log.warn({ over, bytes: bytes.length }, 'web chat upload over quota');
      return reply.status(over === 'visitor' ? 429 : 507).send({ error: { code: 'QUOTA', message: messages[lang].webchat.refused.QUOTA } });
    }
    const dir = path.join(webchatUploadsDir(opts.dataDir), visitorId);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${id}.${checked.format}`);
    await writeFile(file, bytes);
    await appendWebchat(db, { visitorId, sender: 'me', clientId: id, parts: [{ type: 'image', url: `/chat/api/uploads/${id}.${checked.format}`, altText: '' }] });
    const record = { channel: 'webchat', eventId: `${visitorId}:${id}`, userKey: `webchat:${visitorId}`, payload: { visitorId, id, lang, imagePath: file } };
    await opts.receive([record]);
    webchatEvents.emit(visitorId);
    return reply.status(202).send({ ok: true });
  }

  app.get('/chat/api/uploads/:file', { schema: { hide: true } }, async (request, reply) => {
    const visitorId = requireVisitor(request, reply, false);
    if (!visitorId) return reply;
    const { file } = z.object({ file: z.string().regex(/^[0-9a-f-]{36}\.(jpeg|png|webp)$/) }).parse(request.params);
    try {
      const bytes = await readFile(path.join(webchatUploadsDir(opts.dataDir), visitorId, file));
      return reply.type(`image/${file.split('.').pop()}`).header('cache-control', 'private, max-age=86400').send(bytes);
    } catch {
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: messages[await conversationLang(request, visitorId)].webchat.refused.NOT_FOUND } });
    }
  });

  app.get('/chat/api/messages', { schema: { hide: true } }, async (request, reply) => {
    const visitorId = requireVisitor(request, reply, false);
    if (!visitorId) return reply;
    const query = z.object({ after: z.coerce.number().int().min(0).optional(), lang: z.enum(['th', 'en']).optional() }).parse(request.query);
    const after = query.after;
    const read = async () => {
      const rows = await webchatAfter(db, visitorId, after ?? 0);
      return rows.map((r) => ({
        id: r.sender === 'me' && r.clientId ? r.clientId : String(r.id),
        seq: r.id,
        from: r.sender,
        at: r.createdAt.toISOString(),
        parts: sameOriginParts(r.parts, config.publicUrl),
      }));
    };
    let batch = await read();
    if (batch.length === 0 && after !== undefined) {
      // Long poll: wake on this visitor's event, and look again now and then for writes by other instances.
      const deadline = Date.now() + LONG_POLL_MS;
      while (batch.length === 0 && Date.now() < deadline && !request.raw.destroyed) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            webchatEvents.off(visitorId, done);
            resolve();
          };
          const timer = setTimeout(done, Math.min(3_000, deadline - Date.now()));
          webchatEvents.on(visitorId, done);
        });
        batch = await read();
      }
    }
    const cursor = String(batch.at(-1)?.seq ?? after ?? 0);
    // The page follows the conversation's language: when the customer changed it, its own texts come along.
    const lang = await conversationLang(request, visitorId);
    const texts = query.lang !== undefined && query.lang !== lang ? messages[lang].webchat.page : undefined;
    return reply.header('cache-control', 'no-store').send({ messages: batch.map(({ seq: _seq, ...m }) => m), cursor, lang, ...(texts ? { texts } : {}) });
  });
};
