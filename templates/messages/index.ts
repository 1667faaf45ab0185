import type { OutMessage } from '#src/ports/messages.ts';
import { formatMoney } from '#src/lib/money.ts';
import { en } from './en.ts';
import { th } from './th.ts';
import type { Messages } from './types.ts';

export type { Messages };
export const messages: Record<'th' | 'en', Messages> = { th, en };

/**
 * Renders an outbox template (queued by a workflow) in the recipient's language. Unknown templates
 * throw, so a typo is a failed delivery the back office shows, not a silent empty message.
 */
export function renderTemplate(template: string, locale: 'th' | 'en', params: Record<string, unknown>): OutMessage[] {
  const m = messages[locale];
  const str = (k: string) => (typeof params[k] === 'string' ? (params[k] as string) : undefined);
  const number = str('orderNumber') ?? '';
  const money = (k: string) => formatMoney(Number(params[k] ?? 0), str('currency') ?? 'THB', locale);
  const text = (t: string): OutMessage[] => [{ type: 'text', text: t }];
  switch (template) {
    case 'order.paid':
      return text(m.notify.paid(number, money('total')));
    case 'order.confirmed':
      return text(m.notify.confirmed(number));
    case 'order.shipped':
      return text(m.notify.shipped(number, str('carrier'), str('trackingNumber'), str('trackingUrl')));
    case 'order.delivered':
      return text(m.notify.delivered(number));
    case 'order.cancelled':
      return text(m.notify.cancelled(number, str('note')));
    case 'merchant.new_order':
      return text(
        m.notify.merchantNewOrder(number, money('total'), str('customer') ?? '', str('channel') ?? '', (params.lines as string[]) ?? []),
      );
    case 'order.payment_reminder':
      return text(m.notify.paymentReminder(number, money('total'), str('promptPayId')));
    case 'order.expired':
      return text(m.notify.expired(number));
    case 'reminder.reorder':
      return [
        {
          type: 'text',
          text: m.notify.reorderReminder(str('product') ?? '', Number(params.days ?? 0)),
          buttons: [
            { label: m.button.reorder, command: `${str('sku')} x${Number(params.qty ?? 1)}` },
            { label: m.button.menu, command: 'menu' },
          ],
        },
      ];
    case 'merchant.low_stock':
      return text(m.notify.merchantLowStock((params.items as Parameters<Messages['notify']['merchantLowStock']>[0]) ?? []));
    case 'merchant.daily_summary':
      return text(m.notify.merchantDailySummary(params as unknown as Parameters<Messages['notify']['merchantDailySummary']>[0]));
    case 'order.edited':
      return text(m.notify.orderEdited(number, money('total'), params.due ? money('due') : undefined, params.refund ? money('refund') : undefined));
    case 'order.merged':
      return text(m.notify.ordersMerged(number, str('absorbed') ?? '', money('total')));
    case 'order.slip_rejected':
      return text(m.notify.slipRejected(number, str('note')));
    case 'merchant.slip_review':
      return text(m.notify.merchantSlipReview(number, (params.reasons as string[]) ?? []));
    default:
      throw new Error(`unknown message template ${template}`);
  }
}
