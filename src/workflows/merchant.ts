import type { Config } from '../config.ts';
import type { Tx } from '../db/client.ts';
import { enqueueMessage } from '../modules/notify/index.ts';

/** Where the merchant hears of things: the LINE group/user and the Telegram chat set in config. */
export function merchantTargets(config: Config): { channel: 'line' | 'telegram'; recipient: string }[] {
  const targets: { channel: 'line' | 'telegram'; recipient: string }[] = [];
  if (config.merchant.lineTo && config.line) targets.push({ channel: 'line', recipient: config.merchant.lineTo });
  if (config.merchant.telegramChatId && config.telegram) targets.push({ channel: 'telegram', recipient: config.merchant.telegramChatId });
  return targets;
}

/** Queues a message to every merchant target, once per dedupe key and target. */
export async function notifyMerchant(tx: Tx, config: Config, template: string, params: Record<string, unknown>, dedupeKey: string) {
  for (const target of merchantTargets(config)) {
    await enqueueMessage(tx, {
      ...target,
      payload: { template, locale: config.shop.locale, params },
      dedupeKey: `merchant:${dedupeKey}:${target.channel}`,
    });
  }
}
