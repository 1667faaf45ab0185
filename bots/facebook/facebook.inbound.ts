/**
 * Messenger and Instagram webhook items: their shape (validated with zod), how each is stored (once, by
 * its message id) and what it means to the engine. A Page's and an Instagram account's messages have the
 * same shape; the webhook's `object` tells them apart and becomes the chat channel.
 */
import { z } from 'zod';
import type { Logger } from '#src/logger.ts';
import type { InboundRecord } from '#src/modules/conversations/index.ts';
import type { ChatEvent } from '../engine/engine.ts';
import type { InboundDecoder } from '../inbox-processor.ts';
import type { GraphClient } from './graph.client.ts';

const id = z.string().min(1).max(128);

const attachment = z.looseObject({
  type: z.string(),
  payload: z.looseObject({ url: z.string().max(4000).optional(), sticker_id: z.number().optional() }).nullish(),
});

export const messagingItem = z.looseObject({
  sender: z.looseObject({ id }),
  recipient: z.looseObject({ id }),
  // Milliseconds since the epoch, within what a Date can hold.
  timestamp: z.number().int().min(0).max(8.64e15),
  message: z
    .looseObject({
      mid: id.max(1024),
      text: z.string().optional(),
      is_echo: z.boolean().optional(),
      is_deleted: z.boolean().optional(),
      sticker_id: z.number().optional(),
      quick_reply: z.looseObject({ payload: z.string() }).optional(),
      attachments: z.array(attachment).max(20).optional(),
    })
    .optional(),
  postback: z.looseObject({ title: z.string().optional(), payload: z.string(), mid: id.max(1024).optional() }).optional(),
});
export type MessagingItem = z.infer<typeof messagingItem>;

export const facebookWebhookBody = z.object({
  object: z.string(),
  entry: z.array(z.looseObject({ id: z.string(), time: z.number().optional(), messaging: z.array(z.unknown()).optional() })),
});

export type FacebookChannel = 'facebook' | 'instagram';

/** The webhook's objects this adapter serves, and the chat channel each one is. */
export const channelOf = (object: string): FacebookChannel | undefined => (object === 'page' ? 'facebook' : object === 'instagram' ? 'instagram' : undefined);

/** What is kept of one item: the item itself, with the object it came under and the page it was sent to. */
export interface StoredItem extends MessagingItem {
  object: 'page' | 'instagram';
  pageId: string;
}

/**
 * The record to store for one messaging item, or null for what is not a conversation (read and
 * delivery receipts, reactions, referrals). Messages are keyed by their mid, so a redelivery adds
 * nothing; a postback by its mid, or by who pressed it when, when Meta sends none. An echo (the page's
 * own message) is kept with its person, the recipient, for the transcript; it is never answered.
 */
export function recordOf(object: 'page' | 'instagram', pageId: string, item: MessagingItem): InboundRecord | null {
  const channel = channelOf(object)!;
  let eventId: string;
  if (item.message) eventId = item.message.mid;
  else if (item.postback) eventId = item.postback.mid ?? `postback:${item.sender.id}:${item.timestamp}`;
  else return null;
  const person = item.message?.is_echo ? item.recipient.id : item.sender.id;
  const payload: StoredItem = { ...item, object, pageId };
  return { channel, eventId, userKey: `${channel}:${person}`, payload: payload as unknown as Record<string, unknown> };
}

export const storedItem = messagingItem.extend({ object: z.enum(['page', 'instagram']), pageId: z.string() });

const isSticker = (a: z.infer<typeof attachment>) => a.payload?.sticker_id !== undefined || a.type === 'like_heart';

/** The URL of the photo a message carries (its first image; a sticker is not a photo). */
export function imageUrlOf(item: MessagingItem): string | undefined {
  const m = item.message;
  if (!m || m.is_echo || m.is_deleted || m.sticker_id !== undefined) return undefined;
  return m.attachments?.find((a) => a.type === 'image' && !isSticker(a) && a.payload?.url)?.payload?.url;
}

/** Reads a photo by its message's key (`<channel>:<mid>`) and CDN URL (facebook.media.ts keeps it). */
export type FetchImage = (key: string, url: string) => Promise<Buffer>;

function toChatEvent(item: MessagingItem, key: string, fetchImage: FetchImage): ChatEvent | null {
  if (item.postback) return { kind: 'postback', data: item.postback.payload };
  const m = item.message;
  if (!m || m.is_deleted) return null;
  // A quick reply carries the command its button stands for; the text is only the button's title.
  if (m.quick_reply) return { kind: 'postback', data: m.quick_reply.payload };
  // Messenger's thumbs-up "like" is a sticker too; Instagram sends a heart.
  if (m.sticker_id !== undefined || (m.attachments ?? []).some(isSticker)) return { kind: 'sticker' };
  const url = imageUrlOf(item);
  if (url) return { kind: 'image', reference: key, fetch: () => fetchImage(key, url) };
  if (m.text !== undefined) return { kind: 'text', text: m.text };
  return { kind: 'text', text: '' };
}

/** `fetchImage` reads a photo kept on receipt (facebook.media.ts); by default it downloads from the URL. */
export function createFacebookDecoder(graph: GraphClient, logger: Logger, fetchImage: FetchImage = (_key, url) => graph.download(url)): InboundDecoder {
  // One profile look-up per person per process: the name the customer record starts with.
  const names = new Map<string, string | undefined>();

  async function nameOf(channel: FacebookChannel, personId: string): Promise<string | undefined> {
    const key = `${channel}:${personId}`;
    if (names.has(key)) return names.get(key);
    try {
      const { name } = await graph.profile(personId);
      if (names.size > 10_000) names.clear();
      names.set(key, name);
      return name;
    } catch (err) {
      // Not kept: the next message asks again, once Meta answers.
      logger.warn({ err, channel }, 'Facebook profile unavailable');
      return undefined;
    }
  }

  return {
    async decode(payload) {
      const parsed = storedItem.safeParse(payload);
      if (!parsed.success) return null;
      const item = parsed.data;
      // The page's own messages (the bot's, or a person's in Meta's inbox) are transcript, not conversation.
      if (item.message?.is_echo) return null;
      const channel = channelOf(item.object)!;
      const personId = item.sender.id;
      const event = toChatEvent(item, `${channel}:${item.message?.mid ?? item.postback?.mid ?? `${personId}:${item.timestamp}`}`, fetchImage);
      if (!event) return null;
      return { person: { channel, userId: personId, displayName: await nameOf(channel, personId) }, event, sentAt: new Date(item.timestamp) };
    },
  };
}
