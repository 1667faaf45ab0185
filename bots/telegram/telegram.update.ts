import type { Update } from 'grammy/types';
import { z } from 'zod';

// What the app needs of a Telegram update before the bot's library is loaded (telegram.bot.ts, only
// when Telegram is connected): the webhook's check of its shape and the chat it belongs to.

const user = z.looseObject({ id: z.number(), first_name: z.string().optional(), last_name: z.string().optional(), language_code: z.string().optional() });
const chat = z.looseObject({ id: z.number(), type: z.string() });
export const telegramUpdate = z.looseObject({
  update_id: z.number().int(),
  message: z
    .looseObject({
      message_id: z.number(),
      chat,
      from: user.optional(),
      text: z.string().optional(),
      caption: z.string().optional(),
      photo: z.array(z.looseObject({ file_id: z.string(), width: z.number(), height: z.number(), file_size: z.number().optional() })).optional(),
      document: z.looseObject({ file_id: z.string(), mime_type: z.string().optional() }).optional(),
    })
    .optional(),
  callback_query: z.looseObject({ id: z.string(), from: user, data: z.string().optional(), message: z.looseObject({ chat }).optional() }).optional(),
  my_chat_member: z.looseObject({ chat, new_chat_member: z.looseObject({ status: z.string() }) }).optional(),
});

export function userKeyOf(update: Update): string {
  const chatId = update.message?.chat.id ?? update.callback_query?.message?.chat.id ?? update.callback_query?.from.id ?? update.my_chat_member?.chat.id;
  return `telegram:${chatId ?? 'unknown'}`;
}
