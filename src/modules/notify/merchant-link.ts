/**
 * One-time codes that link the merchant's own chat as a notification target: made in the back office,
 * sent by the merchant to the shop's bot, read before anything else the bot understands. A code is six
 * digits (easy to type on a phone), stored as a SHA-256 only, good for LINK_CODE_TTL_MS and once; it is
 * burnt after MAX_WRONG wrong six-digit messages while it is open, and a person may make only
 * MAX_CODES_PER_HOUR an hour, so guessing one is out of reach.
 */
import { createHash, randomInt } from 'node:crypto';
import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { merchantLinkCodes } from '../../db/schema/index.ts';

export const LINK_CODE_TTL_MS = 15 * 60_000;
export const MAX_CODES_PER_HOUR = 5;
const MAX_WRONG = 20;

const hashOf = (code: string) => createHash('sha256').update(`talad-link:${code}`).digest('hex');

/** The code in a chat message ("482913", "482 913", "482-913"), or undefined when the message is something else. */
export function linkCodeIn(text: string): string | undefined {
  const m = /^\s*(\d{3})[\s-]?(\d{3})\s*$/.exec(text);
  return m ? `${m[1]}${m[2]}` : undefined;
}

/** As the merchant reads it: "482 913". */
export const showLinkCode = (code: string) => `${code.slice(0, 3)} ${code.slice(3)}`;

/** A new code for `createdBy` (a user's email), or 'too_many' past the hourly limit. Old rows are swept. */
export async function createLinkCode(db: DbOrTx, createdBy: string, now = new Date()): Promise<{ code: string; expiresAt: Date } | 'too_many'> {
  await db.delete(merchantLinkCodes).where(lt(merchantLinkCodes.expiresAt, new Date(now.getTime() - 24 * 3_600_000)));
  const [recent] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(merchantLinkCodes)
    .where(and(eq(merchantLinkCodes.createdBy, createdBy), gt(merchantLinkCodes.createdAt, new Date(now.getTime() - 3_600_000))));
  if ((recent?.n ?? 0) >= MAX_CODES_PER_HOUR) return 'too_many';
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await db.insert(merchantLinkCodes).values({ codeHash: hashOf(code), createdBy, expiresAt, createdAt: now });
  return { code, expiresAt };
}

export type LinkCodeResult = { kind: 'linked'; createdBy: string } | { kind: 'wrong' } | { kind: 'none' };

/**
 * Reads a six-digit message against the open codes: 'linked' uses the code up (recording which chat sent
 * it), 'wrong' counts against every open code, 'none' when no code is open (the message is the
 * customer's, for the conversation to understand).
 */
export async function redeemLinkCode(tx: Tx, input: { code: string; channel: string; recipient: string }, now = new Date()): Promise<LinkCodeResult> {
  const open = and(isNull(merchantLinkCodes.usedAt), gt(merchantLinkCodes.expiresAt, now), lt(merchantLinkCodes.failures, MAX_WRONG));
  const [match] = await tx
    .select({ id: merchantLinkCodes.id, createdBy: merchantLinkCodes.createdBy })
    .from(merchantLinkCodes)
    .where(and(open, eq(merchantLinkCodes.codeHash, hashOf(input.code))))
    .orderBy(desc(merchantLinkCodes.id))
    .limit(1)
    .for('update');
  if (match) {
    await tx
      .update(merchantLinkCodes)
      .set({ usedAt: now, usedChannel: input.channel, usedRecipient: input.recipient })
      .where(eq(merchantLinkCodes.id, match.id));
    return { kind: 'linked', createdBy: match.createdBy };
  }
  const counted = await tx
    .update(merchantLinkCodes)
    .set({ failures: sql`${merchantLinkCodes.failures} + 1` })
    .where(open)
    .returning({ id: merchantLinkCodes.id });
  return counted.length > 0 ? { kind: 'wrong' } : { kind: 'none' };
}
