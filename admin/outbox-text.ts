import type { OutboxPayload } from '#src/db/schema/index.ts';
import { noticeOf } from '#src/modules/notify/index.ts';
import { renderNotice } from '#templates/messages/index.ts';

/** A queued message as its customer reads it: the texts of its messages, in their language. */
export function customerText(payload: OutboxPayload, max = 300): string {
  try {
    const { notice, locale } = noticeOf(payload);
    const out = notice.kind === 'chat.messages' ? notice.messages : renderNotice(notice, locale);
    return out
      .map((x) => (x.type === 'text' ? x.text : x.type === 'image' ? (x.caption ?? x.altText) : x.altText))
      .join(' · ')
      .slice(0, max);
  } catch {
    return '';
  }
}
