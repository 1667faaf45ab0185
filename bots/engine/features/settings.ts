/** The person's own settings: the language they are answered in, and payment reminders on or off. */
import { updateCustomerContact } from '#src/modules/customers/index.ts';
import { mainButtons, text, type CommandHandlers } from '../context.ts';

export function createSettings() {
  return {
    commands: {
      lang: async (ctx, cmd) => {
        ctx.setLocale(cmd.lang);
        await updateCustomerContact(ctx.tx, ctx.customer.id, { language: cmd.lang });
        return [text(ctx.m.languageSet, mainButtons(ctx.m))];
      },
      stop: async (ctx) => {
        await updateCustomerContact(ctx.tx, ctx.customer.id, { reminderOptOut: true });
        return [text(ctx.m.remindersOff)];
      },
      start: async (ctx) => {
        await updateCustomerContact(ctx.tx, ctx.customer.id, { reminderOptOut: false });
        return [text(ctx.m.remindersOn)];
      },
    } satisfies CommandHandlers,
  };
}
