/**
 * The customer's side of the inbox transcript: each processed event stored once as a message of its
 * conversation (before the engine answers it, so the answer follows it), photos linked to the slip
 * they became, and LINE reply tokens the bot left unused (a hand-over) kept for staff's reply.
 */
import type { ChatInboxRow } from '#src/db/schema/index.ts';
import { keepReplyTokens, linkSlips, recordInboundMessages, type InboundMessage } from '#src/modules/conversations/index.ts';
import type { ChatBatch } from './engine/batch.ts';
import type { ChatEvent } from './engine/engine.ts';
import type { DecodedEvent } from './inbox-processor.ts';

type Content = Pick<InboundMessage, 'kind' | 'text' | 'mediaPath' | 'sticker'>;

function contentOf(event: ChatEvent): Content {
  switch (event.kind) {
    case 'text':
      return { kind: 'text', text: event.text };
    case 'postback':
      return { kind: 'postback', text: event.data };
    case 'image':
      return { kind: 'image', mediaPath: event.photo.kind === 'refused' ? undefined : event.photo.file };
    case 'sticker':
      return { kind: 'sticker', sticker: event.label };
    case 'location':
      return { kind: 'location', text: event.address };
    default:
      return { kind: event.kind };
  }
}

export async function transcribeInbound(batch: ChatBatch, rows: ChatInboxRow[], decoded: (DecodedEvent<ChatEvent> | null)[]): Promise<void> {
  const msgs: InboundMessage[] = [];
  for (const [i, row] of rows.entries()) {
    const d = decoded[i];
    if (!d) continue;
    const { identityId } = await batch.conversation(d.person);
    msgs.push({ inboxId: row.id, eventId: row.eventId, channel: row.channel, identityId, ...contentOf(d.event) });
  }
  await recordInboundMessages(batch.tx, msgs);
}

/** After the engine: slips linked to their photos, and the reply tokens nobody used. */
export async function afterAnswers(
  batch: ChatBatch,
  rows: ChatInboxRow[],
  decoded: (DecodedEvent<ChatEvent> | null)[],
  answered: boolean[],
): Promise<void> {
  const images = rows.filter((_, i) => decoded[i]?.event.kind === 'image').map((r) => r.id);
  await linkSlips(batch.tx, images);
  const unused: { identityId: number; token: string; expiresAt: Date }[] = [];
  for (const [i, d] of decoded.entries()) {
    if (!d?.replyToken || !d.replyTokenExpiresAt || answered[i]) continue;
    unused.push({ identityId: (await batch.conversation(d.person)).identityId, token: d.replyToken, expiresAt: d.replyTokenExpiresAt });
  }
  await keepReplyTokens(batch.tx, unused);
}
