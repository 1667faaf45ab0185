import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import { moveHandover, takeReplyToken, type HandoverChange, type HandoverEvent } from '#src/modules/conversations/index.ts';
import { tellCustomer, type ChatAddress, type CustomerNotice } from '#src/modules/notify/index.ts';

export interface StaffReplyInput {
  conversationId: number;
  /** The conversation's chat, in the customer's language. */
  to: ChatAddress;
  /** What to send: messages already written, or notices about an order (payment request, tracking). */
  notices: CustomerNotice[];
  staffUserId: number;
  /** Names this reply: the same form sent twice (a double click, a resent form) is queued once. */
  messageId: string;
  handoverMinutes: number;
}

export type StaffReplyResult =
  | { queued: true; change: HandoverChange; delivery: 'reply' | 'push' | 'channel' }
  | { queued: false; reason: 'duplicate' };

/**
 * A staff member's answer in the inbox, in one transaction: queued through the outbox like every
 * other message (sent once, retried), answering a waiting customer hands the conversation to that
 * person (the bot stays quiet), and on LINE the reply token the bot left unused is spent while it is
 * valid, else it goes as a push (counted against the shop's monthly quota).
 */
export async function replyAsStaff(db: Db, input: StaffReplyInput, within?: (tx: Tx, result: StaffReplyResult) => Promise<void>): Promise<StaffReplyResult> {
  return withTransaction(db, async (tx) => {
    const token = input.to.channel === 'line' ? await takeReplyToken(tx, input.conversationId) : undefined;
    let queued = false;
    for (const [i, notice] of input.notices.entries()) {
      const told = await tellCustomer(tx, input.to, notice, {
        key: `staff:${input.conversationId}:${input.messageId}:${i}`,
        replyToken: i === 0 ? token?.token : undefined,
        replyTokenExpiresAt: i === 0 ? token?.expiresAt : undefined,
        staffUserId: input.staffUserId,
      });
      queued ||= told.queued;
    }
    if (!queued) return { queued: false, reason: 'duplicate' } as const;
    const change = (await moveHandover(tx, { conversationId: input.conversationId }, { type: 'staff_replied', userId: input.staffUserId }, input.handoverMinutes))!;
    const result: StaffReplyResult = { queued: true, change, delivery: input.to.channel !== 'line' ? 'channel' : token ? 'reply' : 'push' };
    if (within) await within(tx, result);
    return result;
  });
}

/** Take over, hand back, assign: the conversation's hand-over moved, with the caller's audit in the same transaction. */
export async function moveConversation(
  db: Db,
  conversationId: number,
  event: HandoverEvent,
  handoverMinutes: number,
  within?: (tx: Tx, change: HandoverChange) => Promise<void>,
): Promise<HandoverChange | undefined> {
  return withTransaction(db, async (tx) => {
    const change = await moveHandover(tx, { conversationId }, event, handoverMinutes);
    if (change && within) await within(tx, change);
    return change;
  });
}
