/**
 * The parts of chat that run without HTTP: the engine, a decoder and a sender per switched-on
 * channel, the inbox processor and the outbox dispatcher. The web app and `npm run worker` both build
 * it; several of them can share one database (claims use SKIP LOCKED and per-person advisory locks).
 */
import path from 'node:path';
import type { Bot } from 'grammy';
import { storableText } from '#src/http/error-handler.ts';
import { payQrUrl } from '#src/modules/payments/pay-qr.ts';
import { formatMoney } from '#src/lib/money.ts';
import { createEasySlipVerifier } from '#src/modules/payments/remote-verifier.ts';
import type { SlipReader } from '#src/modules/payments/slips/index.ts';
import type { OutMessage } from '#src/ports/messages.ts';
import { messages, renderNotice } from '#templates/messages/index.ts';
import { createPhotoIntake } from './photo-intake.ts';
import type { Config } from '#src/config.ts';
import type { Database } from '#src/db/client.ts';
import { urgently } from '#src/db/priority.ts';
import { createGrouper } from '#src/lib/grouper.ts';
import { createOutboxDispatcher } from '#src/jobs/outbox-dispatcher.ts';
import type { Logger } from '#src/logger.ts';
import { recordInbound, type InboundRecord } from '#src/modules/conversations/index.ts';
import type { ChannelSender } from '#src/ports/channel.ts';
import { linkMerchantChat } from '#src/workflows/notify/link-merchant-chat.ts';
import { createChatEngine, type ChatEngineDeps } from './engine/engine.ts';
import { createInboxProcessor, type InboundDecoder } from './inbox-processor.ts';
import { createLineDecoder } from './line/line.inbound.ts';
import { createLineClients, createLineSender } from './line/line.sender.ts';
import { userKeyOf } from './telegram/telegram.update.ts';
import { createWebchatDecoder, createWebchatSender } from './webchat/webchat.plugin.ts';
import { createFacebookDecoder } from './facebook/facebook.inbound.ts';
import { createFacebookMedia, type FacebookMedia } from './facebook/facebook.media.ts';
import { createFacebookSender } from './facebook/facebook.sender.ts';
import { createGraphClient } from './facebook/graph.client.ts';

export interface ChatRuntimeOptions {
  config: Config;
  database: Database;
  logger: Logger;
  /** Signs the payment QR links. */
  secret: string;
  engine?: Partial<Pick<ChatEngineDeps, 'paymentQr'>>;
  slipReader?: () => SlipReader;
}

export async function createChatRuntime({ config, database, logger, secret, engine: engineOpts, slipReader }: ChatRuntimeOptions) {
  const db = database.db;
  const decoders: Partial<Record<string, InboundDecoder>> = { webchat: createWebchatDecoder() };
  const senders: Partial<Record<string, ChannelSender>> = { webchat: createWebchatSender(db) };
  const paymentQr = (number: string, amount: number, locale: 'th' | 'en'): OutMessage | undefined =>
    config.promptPayId
      ? { type: 'image', url: payQrUrl(config.publicUrl, secret, number), altText: messages[locale].payQrAlt(formatMoney(amount, config.shop.currency, locale)) }
      : undefined;
  const remote = config.slipVerifier ? createEasySlipVerifier({ baseUrl: config.slipVerifier.url, apiKey: config.slipVerifier.apiKey }) : undefined;
  const photos = createPhotoIntake({ db, config, logger: logger.child({ part: 'photos' }), reader: slipReader, remote });
  const engine = createChatEngine({ config, logger: logger.child({ part: 'chat' }), paymentQr, ...engineOpts });
  const dispatcher = createOutboxDispatcher({ db, logger: logger.child({ part: 'outbox' }), senders, render: renderNotice });
  const processor = createInboxProcessor({
    db,
    logger: logger.child({ part: 'inbox' }),
    engine,
    decoders,
    preparePhoto: photos.prepare,
    // The merchant's one-time code from Settings → notifications, read before the conversation.
    linkMerchant: async (tx, person, text) => {
      const result = await linkMerchantChat(tx, config, { channel: person.channel, recipient: person.userId, text });
      if (result.kind !== 'linked') return undefined;
      const locale = config.shop.locale;
      return {
        locale,
        messages: [{ type: 'text', text: messages[locale].merchantLinked(config.shop.name) }],
        // This process tells the new target at once; the others load the saved setting on their next poll.
        afterCommit: () => Object.assign(config.merchant, result.merchant),
      };
    },
    onQueued: () => void dispatcher.kick(),
    // One connection serves the embedded database: more workers would only queue for it. Batches of up
    // to 50 people: since a batch's rows travel as one parameter (src/db/json-rows.ts) a batch of 50 no
    // longer holds that connection long enough to delay a webhook's acknowledgement (served first,
    // src/db/priority.ts): the abuse drill's ack p99 was 165 ms with 50, 160-163 ms with 10, while chat
    // intake went from 0.24-0.30 to 0.60-0.62 of the baseline (npm run bench -- --only=chat). On a
    // server, a few workers with batches of up to 50 people beat many small ones: fewer transactions,
    // and the webhooks keep the event loop (measured with npm run bench: 4 × 50 over 8 × 20).
    concurrency: database.kind === 'embedded' ? 1 : 4,
    batchSize: 50,
  });

  if (config.line) {
    const clients = createLineClients(config.line);
    decoders.line = createLineDecoder(clients, logger);
    senders.line = createLineSender(clients);
  }

  let facebookMedia: FacebookMedia | undefined;
  // Always ready, since Messenger can be connected in Settings while running: each call reads the live
  // config.facebook (the environment's values, or those saved in Settings).
  {
    // A Page's Messenger and its Instagram account share the Graph API, the decoder and the sender.
    const graph = createGraphClient(() => config.facebook);
    const media = createFacebookMedia({ dir: path.join(config.dataDir, 'chat-media'), download: (url) => graph.download(url), logger });
    facebookMedia = media;
    decoders.facebook = decoders.instagram = createFacebookDecoder(graph, logger, media.fetch);
    senders.facebook = senders.instagram = createFacebookSender(graph);
  }

  let telegramBot: Bot | undefined;
  if (config.telegram) {
    // grammY (about 19 MB on its own) only for a shop that connected Telegram.
    const { createTelegramBot, createTelegramDecoder, createTelegramSender, rememberApiRoot } = await import('./telegram/telegram.bot.ts');
    telegramBot = createTelegramBot({
      botToken: config.telegram.botToken,
      apiRoot: config.telegram.apiRoot,
      logger,
      store: async (update) => {
        await receive([{ channel: 'telegram', eventId: String(update.update_id), userKey: userKeyOf(update), payload: storableText(update) as unknown as Record<string, unknown> }]);
      },
    });
    rememberApiRoot(telegramBot, config.telegram.apiRoot);
    decoders.telegram = createTelegramDecoder(telegramBot, logger);
    senders.telegram = createTelegramSender(telegramBot);
  }

  /**
   * The one way in for every channel: verified records are stored once each (a redelivery adds
   * nothing) and, unless this is a web-only instance leaving them to the workers, processed at once
   * (photos are fetched and read then, before each event's transaction). Resolves to how many were new.
   */
  async function receive(records: InboundRecord[], opts: { process?: boolean } = {}): Promise<number> {
    const stored = await receipts.submit(records);
    if (stored > 0 && opts.process !== false) processor.kick();
    return stored;
  }

  /**
   * Webhooks that arrive together are stored together: one statement and one commit (one flush of the
   * write-ahead log) for all of them, each answered once its events are durable. The channel waits for
   * this answer, so the statement goes ahead of background work. A lone webhook waits for nothing.
   */
  const receipts = createGrouper<InboundRecord[], number>({
    maxSize: 64,
    concurrency: 2,
    run: async (calls) => {
      const store = async (group: InboundRecord[][]) => {
        const fresh = new Set((await urgently(() => recordInbound(db, group.flat()))).map((r) => `${r.channel}\n${r.eventId}`));
        // A record counts as new for the first call that brought it.
        return group.map((records) => records.filter((r) => fresh.delete(`${r.channel}\n${r.eventId}`)).length);
      };
      try {
        return (await store(calls)).map((value) => ({ status: 'fulfilled' as const, value }));
      } catch (err) {
        if (calls.length === 1) throw err;
        // One webhook's records that cannot be stored fail that webhook alone.
        return Promise.allSettled(calls.map(async (records) => (await store([records]))[0]!));
      }
    },
  });

  let polling = false;
  return {
    engine,
    receive,
    processor,
    dispatcher,
    telegramBot,
    /** Messenger and Instagram photos, downloaded when their webhook arrives. */
    facebookMedia,
    /** Runs the workers: processing stored events, sending the outbox, and Telegram long polling when chosen. */
    start() {
      processor.start();
      dispatcher.start();
      if (telegramBot && config.telegram?.mode === 'polling') {
        polling = true;
        void telegramBot
          .start({ onStart: () => logger.info('Telegram long polling started') })
          .catch((err) => logger.error({ err }, 'Telegram polling stopped'));
      }
    },
    async stop() {
      if (polling && telegramBot) await telegramBot.stop();
      await processor.stop();
      await dispatcher.stop();
      await facebookMedia?.settled();
      await photos.close();
    },
  };
}

export type ChatRuntime = Awaited<ReturnType<typeof createChatRuntime>>;
