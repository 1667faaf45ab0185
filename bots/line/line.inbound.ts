/** LINE webhook events: their shape (validated with zod) and what each means to the engine. */
import { z } from 'zod';
import type { Logger } from '#src/logger.ts';
import { linkCodeIn } from '#src/modules/notify/index.ts';
import type { InboundEvent as ChatEvent } from '../engine/engine.ts';
import type { DecodedEvent, InboundDecoder } from '../inbox-processor.ts';
import { withLineTimeout, type LineClients } from './line.sender.ts';

const source = z.looseObject({ type: z.string(), userId: z.string().optional(), groupId: z.string().optional(), roomId: z.string().optional() });

export const lineEvent = z.looseObject({
  type: z.string(),
  webhookEventId: z.string().min(1),
  // Milliseconds since the epoch, within what a Date can hold (a forged 1e21 broke the decoder).
  timestamp: z.number().int().min(0).max(8.64e15),
  source: source.optional(),
  replyToken: z.string().optional(),
  mode: z.string().optional(),
  message: z
    .looseObject({ type: z.string(), id: z.string().optional(), text: z.string().optional(), address: z.string().optional(), keywords: z.array(z.string().max(100)).max(20).optional() })
    .optional(),
  postback: z.looseObject({ data: z.string() }).optional(),
  deliveryContext: z.looseObject({ isRedelivery: z.boolean() }).optional(),
});
export type LineEvent = z.infer<typeof lineEvent>;

export const lineWebhookBody = z.object({ destination: z.string(), events: z.array(z.unknown()) });

// LINE documents a reply token as usable for a short while after the event; stay well inside it.
const REPLY_TOKEN_TTL_MS = 50_000;

export function createLineDecoder(clients: LineClients, logger: Logger): InboundDecoder {
  // One profile look-up per person per process: their name and language for the greeting.
  const profiles = new Map<string, { displayName?: string; language?: 'th' | 'en' }>();

  async function profileOf(userId: string) {
    const cached = profiles.get(userId);
    if (cached) return cached;
    try {
      const p = await withLineTimeout(clients.api.getProfile(userId), 2_000, 'profile');
      const profile = { displayName: p.displayName, language: p.language?.startsWith('th') ? 'th' as const : p.language ? 'en' as const : undefined };
      if (profiles.size > 10_000) profiles.clear();
      profiles.set(userId, profile);
      return profile;
    } catch (err) {
      logger.warn({ err, userId }, 'LINE profile unavailable');
      return {};
    }
  }

  return {
    async decode(payload) {
      const parsed = lineEvent.safeParse(payload);
      if (!parsed.success) return null;
      const e = parsed.data;
      // Group chats (such as the merchant's own) are not conversations with a customer: only the
      // merchant's one-time link code is read from them.
      const place = e.source?.type === 'group' ? e.source.groupId : e.source?.type === 'room' ? e.source.roomId : undefined;
      if (place && e.mode !== 'standby' && e.type === 'message' && e.message?.type === 'text' && e.message.text && linkCodeIn(e.message.text)) {
        return { person: { channel: 'line', userId: place }, event: { kind: 'text', text: e.message.text }, group: true, replyToken: e.replyToken, replyTokenExpiresAt: e.replyToken ? new Date(e.timestamp + REPLY_TOKEN_TTL_MS) : undefined };
      }
      if (e.source?.type !== 'user' || !e.source.userId || e.mode === 'standby') return null;
      const userId = e.source.userId;
      const event = toChatEvent(e, clients);
      if (!event) return null;
      const profile = await profileOf(userId);
      const decoded: DecodedEvent = {
        person: { channel: 'line', userId, displayName: profile.displayName, language: profile.language },
        event,
        replyToken: e.replyToken,
        replyTokenExpiresAt: e.replyToken ? new Date(e.timestamp + REPLY_TOKEN_TTL_MS) : undefined,
      };
      return decoded;
    },
  };
}

function toChatEvent(e: LineEvent, clients: LineClients): ChatEvent | null {
  switch (e.type) {
    case 'follow':
      return { kind: 'follow' };
    case 'unfollow':
      return { kind: 'unfollow' };
    case 'postback':
      return e.postback ? { kind: 'postback', data: e.postback.data } : null;
    case 'message': {
      const m = e.message;
      if (!m) return null;
      if (m.type === 'text' && m.text !== undefined) return { kind: 'text', text: m.text };
      if (m.type === 'sticker') return { kind: 'sticker', label: m.keywords?.[0] };
      if (m.type === 'location') return { kind: 'location', address: m.address };
      if (m.type === 'image' && m.id) {
        const id = m.id;
        return { kind: 'image', reference: `line:${id}`, fetch: () => fetchContent(clients, id) };
      }
      return { kind: 'text', text: '' };
    }
    default:
      return null;
  }
}

async function fetchContent(clients: LineClients, messageId: string): Promise<Buffer> {
  const stream = await withLineTimeout(clients.blob.getMessageContent(messageId), 10_000, 'content');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    // Slips are photos; anything far bigger is refused before it fills memory.
    if (size > 20 * 1024 * 1024) throw new Error('image larger than 20 MB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
