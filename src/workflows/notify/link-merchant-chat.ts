/**
 * The merchant sent the one-time code from Settings → notifications to the shop's bot: the chat it came
 * from (their own, or a group the bot is in) becomes where the shop tells them of new orders and slips
 * on that channel, saved as the notifications setting in the same transaction as the code is used up.
 */
import type { Config } from '../../config.ts';
import type { Tx } from '../../db/client.ts';
import { linkCodeIn, redeemLinkCode } from '../../modules/notify/index.ts';
import { notificationsSchema, writeSection } from '../../modules/settings/index.ts';

export type LinkMerchantResult =
  /** Linked: the settings as saved, to put on the live config once committed. */
  | { kind: 'linked'; merchant: Config['merchant'] }
  /** A six-digit message that is no open code (or no code at all): the conversation reads it. */
  | { kind: 'not_a_code' };

export async function linkMerchantChat(
  tx: Tx,
  config: Pick<Config, 'merchant'>,
  input: { channel: string; recipient: string; text: string },
): Promise<LinkMerchantResult> {
  if (input.channel !== 'line' && input.channel !== 'telegram') return { kind: 'not_a_code' };
  const code = linkCodeIn(input.text);
  if (!code) return { kind: 'not_a_code' };
  const next = { ...config.merchant, [input.channel === 'line' ? 'lineTo' : 'telegramChatId']: input.recipient };
  // A chat id that is not a valid target (a LINE room from an unexpected source) never uses up a code.
  const parsed = notificationsSchema.safeParse(next);
  if (!parsed.success) return { kind: 'not_a_code' };
  const result = await redeemLinkCode(tx, { code, channel: input.channel, recipient: input.recipient });
  if (result.kind !== 'linked') return { kind: 'not_a_code' };
  await writeSection(tx, 'notifications', parsed.data, `${input.channel}:${result.createdBy}`);
  return { kind: 'linked', merchant: { lineTo: parsed.data.lineTo, telegramChatId: parsed.data.telegramChatId, handoverMinutes: parsed.data.handoverMinutes } };
}
