import type { Db } from '../db/client.ts';
import { pruneInbound } from '../modules/conversations/index.ts';

/** Handled chat events are kept this long (for support questions), then removed every hour. */
export const INBOX_RETENTION_DAYS = 30;

/** Forgets handled chat events older than the retention; failed ones stay for a look. */
export function pruneChatInbox(db: Db, now: Date) {
  return pruneInbound(db, new Date(now.getTime() - INBOX_RETENTION_DAYS * 86_400_000));
}
