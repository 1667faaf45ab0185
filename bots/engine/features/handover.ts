/**
 * A person instead of the bot: asked for ("ขอคุยกับแอดมิน"), the bot says a person will answer, the
 * merchant is told, and the conversation waits for a person in the back office's inbox. While it is a
 * person's (waiting, or taken over by staff) the bot stays quiet — orders, slips and notices still
 * work — until staff hand it back, the customer asks for the bot, or the minutes of silence set in
 * Settings pass (the state machine is src/modules/conversations/handover.ts). Questions are answered
 * from the shop's FAQ (Settings → FAQ) when it has the answer; the others go to the merchant the same
 * way, without the silence, and the conversation stays where it was.
 */
import { botQuiet, moveHandover } from '#src/modules/conversations/index.ts';
import { notifyMerchant } from '#src/modules/notify/index.ts';
import { messages as allMessages } from '#templates/messages/index.ts';
import { mainButtons, text, type CommandHandlers, type Ctx, type FeatureDeps } from '../context.ts';
import { answerFromFaq } from '../understanding/index.ts';

export function createHandover({ config }: FeatureDeps) {
  const shopWords = allMessages[config.shop.locale];
  const who = (ctx: Ctx) => `${ctx.customer.name} (${ctx.channel})`;
  const minutes = () => config.merchant.handoverMinutes;

  return {
    commands: {
      human: async (ctx) => {
        const moved = await moveHandover(ctx.tx, { identityId: ctx.identityId, channel: ctx.channel }, { type: 'customer_asked' }, minutes());
        ctx.batch.setHandover(ctx.identityId, moved!.after);
        await notifyMerchant(
          ctx.tx,
          config,
          { kind: 'chat.messages', messages: [text(shopWords.merchantHandover(who(ctx), ctx.said ?? '', minutes()))] },
          `handover:${ctx.identityId}:${moved!.after.handoverUntil!.toISOString()}`,
        );
        return [text(ctx.m.handedOver(minutes()), [{ label: ctx.m.button.backToBot, command: 'คุยกับบอท' }])];
      },
      resume_bot: async (ctx) => {
        const moved = await moveHandover(ctx.tx, { identityId: ctx.identityId, channel: ctx.channel }, { type: 'customer_resumed' }, minutes());
        ctx.batch.setHandover(ctx.identityId, moved!.after);
        return [text(ctx.m.handedBack, mainButtons(ctx.m))];
      },
      question: async (ctx, command) => {
        // The shop's FAQ (Settings) first; only a question it has no answer for goes to a person.
        const known = answerFromFaq(ctx.said ?? '', config.shop.faq, command.topic);
        if (known) return [text(ctx.locale === 'en' && known.answerEn ? known.answerEn : known.answer, ctx.state.step === 'idle' ? mainButtons(ctx.m) : undefined)];
        await notifyMerchant(
          ctx.tx,
          config,
          { kind: 'chat.messages', messages: [text(shopWords.merchantQuestion(who(ctx), ctx.said ?? ''))] },
          `question:${ctx.identityId}:${Date.now()}`,
        );
        return [text(ctx.m.questionForwarded, ctx.state.step === 'idle' ? mainButtons(ctx.m) : undefined)];
      },
    } satisfies CommandHandlers,

    /** While a person has the conversation, the bot says nothing, unless the customer asks for it back. */
    quiet(ctx: Ctx, intent?: string): boolean {
      if (intent === 'resume_bot') return false;
      const handover = ctx.batch.handover(ctx.identityId);
      return handover !== undefined && botQuiet(handover, new Date());
    },
  };
}
