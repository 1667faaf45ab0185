/**
 * A person instead of the bot: asked for ("ขอคุยกับแอดมิน"), the bot says a person will answer, the
 * merchant is told, and the bot stays quiet in that conversation until the customer asks for it back
 * or HANDOVER_MINUTES pass. Questions are answered from the shop's FAQ (Settings → FAQ) when it has
 * the answer; the others go to the merchant the same way, without the silence, and the conversation
 * stays where it was.
 */
import { notifyMerchant } from '#src/modules/notify/index.ts';
import { messages as allMessages } from '#templates/messages/index.ts';
import { mainButtons, text, type Command, type CommandHandlers, type Ctx, type FeatureDeps } from '../context.ts';
import { answerFromFaq } from '../understanding/index.ts';

/** How long the bot keeps quiet after a hand-over when nobody hands the conversation back. */
export const HANDOVER_MINUTES = 60;

export function createHandover({ config }: FeatureDeps) {
  const shopWords = allMessages[config.shop.locale];
  const who = (ctx: Ctx) => `${ctx.customer.name} (${ctx.channel})`;

  return {
    commands: {
      human: async (ctx) => {
        ctx.state.handover = new Date(Date.now() + HANDOVER_MINUTES * 60_000).toISOString();
        await notifyMerchant(
          ctx.tx,
          config,
          { kind: 'chat.messages', messages: [text(shopWords.merchantHandover(who(ctx), ctx.said ?? '', HANDOVER_MINUTES))] },
          `handover:${ctx.identityId}:${ctx.state.handover}`,
        );
        return [text(ctx.m.handedOver(HANDOVER_MINUTES), [{ label: ctx.m.button.backToBot, command: 'คุยกับบอท' }])];
      },
      resume_bot: (ctx) => {
        delete ctx.state.handover;
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

    /** While a person answers, the bot says nothing; the hand-over ends when its time is up or the customer asks for the bot. */
    quiet(ctx: Ctx, command: Command): boolean {
      const until = ctx.state.handover;
      if (!until) return false;
      if (Date.parse(until) <= Date.now() || command.intent === 'resume_bot') {
        if (command.intent !== 'resume_bot') delete ctx.state.handover;
        return false;
      }
      return true;
    },
  };
}
