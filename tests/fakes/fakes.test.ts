import { HTTPFetchError, messagingApi, validateSignature } from '@line/bot-sdk';
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, GrammyError, HttpError, InlineKeyboard, InputFile } from 'grammy';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  asLineRedelivery,
  lineFollowEvent,
  lineImageEvent,
  linePostbackEvent,
  lineStickerEvent,
  lineTextEvent,
  lineUserId,
  lineWebhookBody,
  lineWebhookRequest,
  signLineBody,
  startFakeLineApi,
  type FakeLineApi,
} from './line-api.ts';
import {
  startFakeTelegramApi,
  tgCallbackUpdate,
  tgPhotoUpdate,
  tgStartUpdate,
  tgTextUpdate,
  type FakeTelegramApi,
} from './telegram-api.ts';

/** The error a promise rejects with, so a test can look inside it. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function lineHttpError(promise: Promise<unknown>): Promise<HTTPFetchError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(HTTPFetchError);
  return error as HTTPFetchError;
}

const text = (t: string): messagingApi.TextMessage => ({ type: 'text', text: t });

describe('fake LINE API driven by @line/bot-sdk', () => {
  const alice = lineUserId('alice');
  let fake: FakeLineApi;
  let client: messagingApi.MessagingApiClient;

  beforeEach(async () => {
    fake = await startFakeLineApi({ profiles: { [alice]: { displayName: 'อลิซ', language: 'th' } } });
    client = new messagingApi.MessagingApiClient({ channelAccessToken: fake.channelAccessToken, baseURL: fake.baseUrl });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('delivers a reply once and refuses the same reply token a second time', async () => {
    const replyToken = fake.issueReplyToken(alice);

    const response = await client.replyMessage({ replyToken, messages: [text('สวัสดีค่ะ'), text('รับอะไรดีคะ')] });

    expect(response.sentMessages).toHaveLength(2);
    expect(response.sentMessages[0]?.quoteToken).toEqual(expect.any(String));
    expect(fake.sentTexts(alice)).toEqual(['สวัสดีค่ะ', 'รับอะไรดีคะ']);
    expect(fake.replies()).toMatchObject([{ replyToken, userId: alice }]);

    const again = await lineHttpError(client.replyMessage({ replyToken, messages: [text('again')] }));
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body)).toEqual({ message: 'Invalid reply token' });
    expect(fake.replies()).toHaveLength(1);
  });

  it('refuses an expired reply token', async () => {
    const replyToken = fake.issueReplyToken(alice);
    fake.expireReplyToken(replyToken);

    const error = await lineHttpError(client.replyMessage({ replyToken, messages: [text('late')] }));

    expect(error.status).toBe(400);
    expect(fake.sentTexts()).toEqual([]);
  });

  it('knows whose reply it is when the token came from a webhook builder', async () => {
    const event = lineTextEvent({ userId: alice, text: 'เสื้อ x2' });

    await client.replyMessage({ replyToken: event.replyToken!, messages: [text('เพิ่มลงตะกร้าแล้ว')] });

    expect(fake.sentTexts(alice)).toEqual(['เพิ่มลงตะกร้าแล้ว']);
  });

  it('sends a push once however often it is retried with the same X-Line-Retry-Key', async () => {
    const retryKey = crypto.randomUUID();

    const first = await client.pushMessageWithHttpInfo({ to: alice, messages: [text('ออเดอร์ #1001 ได้รับแล้ว')] }, retryKey);
    const second = await lineHttpError(client.pushMessage({ to: alice, messages: [text('ออเดอร์ #1001 ได้รับแล้ว')] }, retryKey));

    expect(second.status).toBe(409);
    expect(second.headers.get('x-line-accepted-request-id')).toBe(first.httpResponse.headers.get('x-line-request-id'));
    expect(JSON.parse(second.body)).toMatchObject({ message: 'The retry key is already accepted', sentMessages: first.body.sentMessages });
    expect(fake.pushes()).toHaveLength(1);
    expect(fake.pushes()[0]).toMatchObject({ to: alice, retryKey });
    expect(fake.sentTexts(alice)).toEqual(['ออเดอร์ #1001 ได้รับแล้ว']);
  });

  it('fetches a configured profile and answers 404 for a stranger', async () => {
    const profile = await client.getProfile(alice);
    expect(profile).toMatchObject({ userId: alice, displayName: 'อลิซ', language: 'th' });

    const stranger = await lineHttpError(client.getProfile(lineUserId('stranger')));
    expect(stranger.status).toBe(404);
  });

  it('serves message content on the data host to MessagingApiBlobClient', async () => {
    const event = lineImageEvent({ userId: alice });
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    fake.setContent(event.message.id, bytes, 'image/jpeg');
    const blob = new messagingApi.MessagingApiBlobClient({ channelAccessToken: fake.channelAccessToken, baseURL: fake.dataBaseUrl });

    const { httpResponse, body } = await blob.getMessageContentWithHttpInfo(event.message.id);
    const downloaded = Buffer.concat(await body.toArray());

    expect(downloaded.equals(bytes)).toBe(true);
    expect(httpResponse.headers.get('content-type')).toBe('image/jpeg');
    expect(fake.calls.at(-1)).toMatchObject({ host: 'data', path: `/v2/bot/message/${event.message.id}/content`, ok: true });
  });

  it('signs webhook bodies the way validateSignature checks them', () => {
    const body = JSON.stringify(lineWebhookBody([lineTextEvent({ userId: alice, text: 'hi' })]));

    expect(validateSignature(body, fake.channelSecret, signLineBody(body, fake.channelSecret))).toBe(true);
    expect(validateSignature(`${body} `, fake.channelSecret, signLineBody(body, fake.channelSecret))).toBe(false);
    const request = lineWebhookRequest([lineFollowEvent({ userId: alice })], fake.channelSecret);
    expect(validateSignature(request.body, fake.channelSecret, request.headers['x-line-signature'])).toBe(true);
  });

  it('builds webhook events in the shape LINE sends', () => {
    const event = lineTextEvent({ userId: alice, text: 'สั่งซ้ำ', timestamp: 1_700_000_000_000 });
    const body = lineWebhookBody([
      event,
      lineStickerEvent({ userId: alice }),
      linePostbackEvent({ userId: alice, data: 'action=confirm&order=1001' }),
      lineFollowEvent({ userId: alice }),
    ]);

    expect(body.destination).toMatch(/^U[0-9a-f]{32}$/);
    expect(event).toMatchObject({
      type: 'message',
      mode: 'active',
      timestamp: 1_700_000_000_000,
      source: { type: 'user', userId: alice },
      deliveryContext: { isRedelivery: false },
      replyToken: expect.stringMatching(/^[0-9a-f]{32}$/),
      message: { type: 'text', text: 'สั่งซ้ำ', id: expect.stringMatching(/^\d{18}$/), quoteToken: expect.any(String) },
    });
    expect(event.webhookEventId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(body.events.map((e) => e.type)).toEqual(['message', 'message', 'postback', 'follow']);
    const redelivered = asLineRedelivery(event);
    expect(redelivered.webhookEventId).toBe(event.webhookEventId);
    expect(redelivered.deliveryContext.isRedelivery).toBe(true);
  });

  it('multicasts, shows the loading animation and describes the bot', async () => {
    const bob = lineUserId('bob');

    await client.multicast({ to: [alice, bob], messages: [text('ร้านเปิดแล้ว')] });
    await client.showLoadingAnimation({ chatId: alice, loadingSeconds: 5 });
    const info = await client.getBotInfo();

    expect(fake.sentTexts(bob)).toEqual(['ร้านเปิดแล้ว']);
    expect(fake.multicasts()).toMatchObject([{ to: [alice, bob] }]);
    expect(fake.calls.find((c) => c.path === '/v2/bot/chat/loading/start')?.status).toBe(202);
    expect(info.displayName).toBe('Talad Test Shop');
  });

  it('answers 401 to a wrong channel access token', async () => {
    const stranger = new messagingApi.MessagingApiClient({ channelAccessToken: 'not-the-token', baseURL: fake.baseUrl });

    const error = await lineHttpError(stranger.pushMessage({ to: alice, messages: [text('hi')] }));

    expect(error.status).toBe(401);
    expect(fake.pushes()).toEqual([]);
  });

  it('rejects message bodies LINE would reject, with LINE error details', async () => {
    const tooMany = await lineHttpError(client.pushMessage({ to: alice, messages: Array.from({ length: 6 }, () => text('x')) }));
    expect(tooMany.status).toBe(400);
    expect(JSON.parse(tooMany.body)).toEqual({
      message: 'The request body has 1 error(s)',
      details: [{ message: 'Size must be between 1 and 5', property: 'messages' }],
    });

    const tooLong = await lineHttpError(client.pushMessage({ to: alice, messages: [text('ก'.repeat(5001))] }));
    expect(JSON.parse(tooLong.body).details).toEqual([{ message: 'Length must be between 0 and 5000', property: 'messages[0].text' }]);

    const quickReply: messagingApi.TextMessage = {
      ...text('เลือกสินค้า'),
      quickReply: { items: Array.from({ length: 14 }, (_, i) => ({ type: 'action', action: { type: 'message', label: `${i}`, text: `${i}` } })) },
    };
    const tooManyChoices = await lineHttpError(client.pushMessage({ to: alice, messages: [quickReply] }));
    expect(JSON.parse(tooManyChoices.body).details[0].property).toBe('messages[0].quickReply.items');

    const bubble: messagingApi.FlexBubble = { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: 'x' }] } };
    const carousel: messagingApi.FlexMessage = { type: 'flex', altText: 'catalog', contents: { type: 'carousel', contents: Array.from({ length: 13 }, () => bubble) } };
    const tooManyBubbles = await lineHttpError(client.pushMessage({ to: alice, messages: [carousel] }));
    expect(JSON.parse(tooManyBubbles.body).details[0].property).toBe('messages[0].contents.contents');

    expect(fake.pushes()).toEqual([]);
  });

  describe('failure injection', () => {
    it('fails with 500 without delivering, and the same retry key then goes through once', async () => {
      const retryKey = crypto.randomUUID();
      fake.failNext(1, 500, { only: '/v2/bot/message/push' });

      const error = await lineHttpError(client.pushMessage({ to: alice, messages: [text('ชำระเงินแล้ว')] }, retryKey));
      expect(error.status).toBe(500);
      expect(fake.pushes()).toEqual([]);
      expect(fake.calls[0]).toMatchObject({ ok: false, status: 500, failure: 500 });

      await client.pushMessage({ to: alice, messages: [text('ชำระเงินแล้ว')] }, retryKey);
      expect(fake.sentTexts(alice)).toEqual(['ชำระเงินแล้ว']);
    });

    it('answers 429 with Retry-After', async () => {
      fake.failNext(1, 429, { retryAfterSeconds: 1 });

      const error = await lineHttpError(client.pushMessage({ to: alice, messages: [text('hi')] }));

      expect(error.status).toBe(429);
      expect(error.headers.get('retry-after')).toBe('1');
      expect(fake.pushes()).toEqual([]);
    });

    it('hangs on a timeout, then drops the connection without delivering', async () => {
      fake.failNext(1, 'timeout', { hangMs: 50 });

      const error = await rejectionOf(client.pushMessage({ to: alice, messages: [text('hi')] }));

      expect(error).toBeInstanceOf(TypeError);
      expect(fake.pushes()).toEqual([]);
      expect(fake.calls[0]).toMatchObject({ ok: false, status: undefined, failure: 'timeout' });
    });

    it('lets a client that gives up first walk away from a hanging call', async () => {
      fake.failNext(1, 'timeout');

      const error = await rejectionOf(
        fetch(`${fake.baseUrl}/v2/bot/info`, { headers: { authorization: `Bearer ${fake.channelAccessToken}` }, signal: AbortSignal.timeout(50) }),
      );

      expect((error as Error).name).toBe('TimeoutError');
    });

    it('resets the connection without delivering', async () => {
      fake.failNext(1, 'reset');

      await expect(client.pushMessage({ to: alice, messages: [text('hi')] })).rejects.toBeInstanceOf(TypeError);
      expect(fake.pushes()).toEqual([]);
    });

    it('delivers but loses the answer, so a retry with the same key gets 409 and nothing is sent twice', async () => {
      const retryKey = crypto.randomUUID();
      fake.failNext(1, 'lost-response');

      await expect(client.pushMessage({ to: alice, messages: [text('จัดส่งแล้ว')] }, retryKey)).rejects.toBeInstanceOf(TypeError);
      const retry = await lineHttpError(client.pushMessage({ to: alice, messages: [text('จัดส่งแล้ว')] }, retryKey));

      expect(retry.status).toBe(409);
      expect(fake.sentTexts(alice)).toEqual(['จัดส่งแล้ว']);
    });

    it('fails the same calls again for the same seed', async () => {
      async function pattern(seed: number): Promise<string[]> {
        const other = await startFakeLineApi();
        try {
          other.setFailureRate(0.5, [500, 429], seed);
          const c = new messagingApi.MessagingApiClient({ channelAccessToken: other.channelAccessToken, baseURL: other.baseUrl });
          for (let i = 0; i < 20; i++) await c.pushMessage({ to: alice, messages: [text(`${i}`)] }).catch(() => undefined);
          expect(other.pushes()).toHaveLength(other.calls.filter((call) => call.ok).length);
          return other.calls.map((call) => String(call.failure ?? 'ok'));
        } finally {
          await other.close();
        }
      }

      const first = await pattern(42);

      expect(await pattern(42)).toEqual(first);
      expect(first).toContain('ok');
      expect(first.some((outcome) => outcome !== 'ok')).toBe(true);
    });

    it('closes while a call is still hanging', async () => {
      fake.failNext(1, 'timeout');
      const pending = client.pushMessage({ to: alice, messages: [text('hi')] });

      await vi.waitFor(() => expect(fake.calls).toHaveLength(1));
      await fake.close();

      await expect(pending).rejects.toBeInstanceOf(TypeError);
    });
  });
});

describe('fake Telegram Bot API driven by grammY', () => {
  const chatId = 55501234;
  let fake: FakeTelegramApi;
  let bot: Bot;

  beforeEach(async () => {
    fake = await startFakeTelegramApi();
    bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
  });

  afterEach(async () => {
    await fake.close();
  });

  it('answers getMe for bot.init()', async () => {
    await bot.init();

    expect(bot.botInfo).toMatchObject({ id: fake.botInfo.id, is_bot: true, username: 'talad_test_bot' });
    expect(fake.calls.map((c) => c.method)).toEqual(['getMe']);
  });

  it('records sendMessage and shows HTML as the customer sees it', async () => {
    const message = await bot.api.sendMessage(chatId, 'ยอดรวม <b>฿1,250</b> &amp; ส่งฟรี', { parse_mode: 'HTML' });

    expect(message).toMatchObject({ chat: { id: chatId, type: 'private' }, text: 'ยอดรวม ฿1,250 & ส่งฟรี' });
    expect(fake.sentTexts(chatId)).toEqual(['ยอดรวม ฿1,250 & ส่งฟรี']);
    expect(fake.sentMessages(chatId)[0]?.params.text).toBe('ยอดรวม <b>฿1,250</b> &amp; ส่งฟรี');
  });

  it('receives an uploaded photo as multipart, with its caption and keyboard', async () => {
    const bytes = Buffer.from('\x89PNG\r\n\x1a\n fake qr code');
    const keyboard = new InlineKeyboard().text('ชำระแล้ว', 'paid:1001');

    const message = await bot.api.sendPhoto(chatId, new InputFile(bytes, 'promptpay.png'), { caption: 'สแกนจ่าย ฿1,250', reply_markup: keyboard });

    const [sent] = fake.sentMessages(chatId);
    expect(fake.calls.at(-1)?.encoding).toBe('multipart');
    expect(sent?.photo?.upload?.data.equals(bytes)).toBe(true);
    expect(sent?.photo?.upload?.filename).toBe('promptpay.png');
    expect(sent?.caption).toBe('สแกนจ่าย ฿1,250');
    expect(sent?.replyMarkup).toEqual({ inline_keyboard: [[{ text: 'ชำระแล้ว', callback_data: 'paid:1001' }]] });
    expect(sent?.params.chat_id).toBe(chatId);

    // The uploaded photo can be fetched back like any Telegram file.
    const file = await bot.api.getFile(message.photo.at(-1)!.file_id);
    const downloaded = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.file_path}`);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('serves a customer photo through getFile and the file download path', async () => {
    const update = tgPhotoUpdate({ chatId, caption: 'สลิปค่ะ' });
    const largest = update.message!.photo!.at(-1)!;
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9, 9]);
    fake.setFile(largest.file_id, bytes);

    const file = await bot.api.getFile(largest.file_id);
    const response = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.file_path}`);

    expect(file).toMatchObject({ file_id: largest.file_id, file_size: bytes.length });
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    await expect(bot.api.getFile('no-such-file')).rejects.toMatchObject({ error_code: 400, description: 'Bad Request: invalid file_id' });
  });

  it('answers 429 with retry_after, which @grammyjs/auto-retry waits out', async () => {
    bot.api.config.use(autoRetry({ maxRetryAttempts: 2 }));
    fake.failNext(1, 429, { only: 'sendMessage', retryAfterSeconds: 1 });

    await bot.api.sendMessage(chatId, 'ขอบคุณค่ะ');

    const attempts = fake.calls.filter((c) => c.method === 'sendMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(attempts[0]?.response).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    expect(fake.sentTexts(chatId)).toEqual(['ขอบคุณค่ะ']);
  });

  it('fails with 500 without delivering', async () => {
    fake.failNext(1, 500);

    const error = await rejectionOf(bot.api.sendMessage(chatId, 'hi'));

    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(500);
    expect(fake.sentMessages()).toEqual([]);
    expect(fake.calls[0]).toMatchObject({ ok: false, failure: 500 });
  });

  it('hangs past the client timeout without delivering', async () => {
    const impatient = new Bot(fake.token, { client: { apiRoot: fake.apiRoot, timeoutSeconds: 0.2 } });
    fake.failNext(1, 'timeout');

    const error = await rejectionOf(impatient.api.sendMessage(chatId, 'hi'));

    expect(error).toBeInstanceOf(HttpError);
    expect(fake.sentMessages()).toEqual([]);
    expect(fake.calls[0]).toMatchObject({ ok: false, failure: 'timeout', status: undefined });
  });

  it('resets the connection without delivering', async () => {
    fake.failNext(1, 'reset');

    await expect(bot.api.sendMessage(chatId, 'hi')).rejects.toBeInstanceOf(HttpError);
    expect(fake.sentMessages()).toEqual([]);
  });

  it('can deliver and lose the answer, which is how a blind retry double-sends', async () => {
    fake.failNext(1, 'lost-response');

    await expect(bot.api.sendMessage(chatId, 'จัดส่งแล้ว')).rejects.toBeInstanceOf(HttpError);

    expect(fake.sentTexts(chatId)).toEqual(['จัดส่งแล้ว']);
  });

  it('rejects what Telegram rejects', async () => {
    await expect(bot.api.sendMessage(chatId, 'ก'.repeat(4097))).rejects.toMatchObject({ error_code: 400, description: 'Bad Request: message is too long' });
    await expect(bot.api.sendMessage(chatId, '  ')).rejects.toMatchObject({ description: 'Bad Request: message text is empty' });
    await expect(
      bot.api.sendMessage(chatId, 'เลือก', { reply_markup: new InlineKeyboard().text('ยาวไป', 'x'.repeat(65)) }),
    ).rejects.toMatchObject({ description: 'Bad Request: BUTTON_DATA_INVALID' });
    await expect(
      bot.api.sendMessage(chatId, 'เลือก', { reply_markup: { inline_keyboard: [[{ text: 'no action' } as never]] } }),
    ).rejects.toMatchObject({ description: expect.stringContaining("can't parse inline keyboard button") });
    await expect(bot.api.sendMessage(chatId, 'ราคา 120.00 บาท', { parse_mode: 'MarkdownV2' })).rejects.toMatchObject({
      description: expect.stringContaining("Character '.' is reserved"),
    });
    await expect(bot.api.sendMessage(chatId, 'a <br> b', { parse_mode: 'HTML' })).rejects.toMatchObject({
      description: expect.stringContaining('Unsupported start tag "br"'),
    });
    // 22 Thai characters are 66 bytes: the limit is bytes, not characters.
    await expect(
      bot.api.sendMessage(chatId, 'เลือก', { reply_markup: new InlineKeyboard().text('ไทย', 'ก'.repeat(22)) }),
    ).rejects.toMatchObject({ description: 'Bad Request: BUTTON_DATA_INVALID' });

    expect(fake.sentMessages()).toEqual([]);
  });

  it('answers 401 to a wrong token and 403 for a chat that blocked the bot', async () => {
    const stranger = new Bot('123:wrong', { client: { apiRoot: fake.apiRoot } });
    await expect(stranger.api.getMe()).rejects.toMatchObject({ error_code: 401, description: 'Unauthorized' });

    fake.blockChat(chatId);
    await expect(bot.api.sendMessage(chatId, 'hi')).rejects.toMatchObject({ error_code: 403, description: 'Forbidden: bot was blocked by the user' });
  });

  it('says "message is not modified" when an edit changes nothing', async () => {
    const message = await bot.api.sendMessage(chatId, 'ตะกร้า: เสื้อ x1');

    await bot.api.editMessageText(chatId, message.message_id, 'ตะกร้า: เสื้อ x2');
    await expect(bot.api.editMessageText(chatId, message.message_id, 'ตะกร้า: เสื้อ x2')).rejects.toMatchObject({
      description: expect.stringContaining('message is not modified'),
    });

    expect(fake.edits(chatId).map((e) => e.text)).toEqual(['ตะกร้า: เสื้อ x2']);
  });

  it('feeds queued updates to a long-polling bot', async () => {
    bot.command('start', (ctx) => ctx.reply(`ยินดีต้อนรับ ${ctx.match}`.trim()));
    bot.on('message:text', (ctx) => ctx.reply(`ได้รับ: ${ctx.message.text}`));
    bot.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'ยืนยันแล้ว' });
      await ctx.editMessageText(`สถานะ: ${ctx.callbackQuery.data}`);
    });
    bot.on('message:photo', (ctx) => ctx.replyWithChatAction('typing'));
    const prompt = await bot.api.sendMessage(chatId, 'ยืนยันออเดอร์?', { reply_markup: new InlineKeyboard().text('ยืนยัน', 'confirm:1001') });

    fake.queueUpdate(tgStartUpdate({ chatId, payload: 'shop42' }), tgTextUpdate({ chatId, text: 'เสื้อ x2', languageCode: 'th' }));
    const polling = bot.start({ timeout: 1 });
    await vi.waitFor(() => expect(fake.sentTexts(chatId)).toHaveLength(3));
    fake.queueUpdate(tgCallbackUpdate({ chatId, data: 'confirm:1001', messageId: prompt.message_id }), tgPhotoUpdate({ chatId }));
    await vi.waitFor(() => expect(fake.calls.some((c) => c.method === 'sendChatAction')).toBe(true));
    await bot.stop();
    await polling;

    expect(fake.sentTexts(chatId)).toEqual(['ยืนยันออเดอร์?', 'ยินดีต้อนรับ shop42', 'ได้รับ: เสื้อ x2']);
    expect(fake.answeredCallbacks()).toMatchObject([{ text: 'ยืนยันแล้ว' }]);
    expect(fake.edits(chatId)).toMatchObject([{ messageId: prompt.message_id, text: 'สถานะ: confirm:1001' }]);
    expect(fake.pendingUpdates()).toEqual([]);
  });

  it('refuses getUpdates while a webhook is set, as Telegram does', async () => {
    await bot.api.setWebhook('http://127.0.0.1:3000/webhooks/telegram', { secret_token: 'hook-secret' });

    expect(fake.webhook()).toEqual({ url: 'http://127.0.0.1:3000/webhooks/telegram', secretToken: 'hook-secret', allowedUpdates: undefined });
    await expect(bot.api.getUpdates()).rejects.toMatchObject({ error_code: 409 });
  });
});
