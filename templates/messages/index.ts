import type { Notice } from '#src/modules/notify/notices.ts';
import type { OutMessage } from '#src/ports/messages.ts';
import { formatMoney } from '#src/lib/money.ts';
import { en } from './en.ts';
import { th } from './th.ts';
import type { Messages } from './types.ts';

export type { Messages };
export const messages: Record<'th' | 'en', Messages> = { th, en };

/**
 * The words of a notice in the recipient's language: what the outbox dispatcher sends (the chat runtime
 * hands it this function). Every kind has its case; an unknown kind (a row from a newer version) throws,
 * so it becomes a failed delivery the back office shows, not a silent empty message.
 */
export function renderNotice(notice: Notice, locale: 'th' | 'en'): OutMessage[] {
  const m = messages[locale];
  const money = (amount: number, currency: string) => formatMoney(amount, currency, locale);
  const text = (t: string): OutMessage[] => [{ type: 'text', text: t }];
  switch (notice.kind) {
    case 'order.paid':
      return text(m.notify.paid(notice.orderNumber, money(notice.total, notice.currency)));
    case 'order.confirmed':
      return text(m.notify.confirmed(notice.orderNumber));
    case 'order.shipped':
      return text(m.notify.shipped(notice.orderNumber, notice.carrier, notice.trackingNumber, notice.trackingUrl ?? undefined));
    case 'order.delivered':
      return text(m.notify.delivered(notice.orderNumber));
    case 'order.out_for_delivery':
      return text(m.notify.outForDelivery(notice.orderNumber, notice.carrier, notice.trackingNumber, notice.trackingUrl ?? undefined));
    case 'order.cancelled':
      return text(m.notify.cancelled(notice.orderNumber, notice.note));
    case 'order.expired':
      return text(m.notify.expired(notice.orderNumber));
    case 'order.payment_reminder':
      return text(m.notify.paymentReminder(notice.orderNumber, money(notice.total, notice.currency), notice.promptPayId));
    case 'order.edited':
      return text(
        m.notify.orderEdited(
          notice.orderNumber,
          money(notice.total, notice.currency),
          notice.due ? money(notice.due, notice.currency) : undefined,
          notice.refund ? money(notice.refund, notice.currency) : undefined,
        ),
      );
    case 'order.merged':
      return text(m.notify.ordersMerged(notice.orderNumber, notice.absorbed, money(notice.total, notice.currency)));
    case 'slip.rejected':
      return text(m.notify.slipRejected(notice.orderNumber, notice.note));
    case 'payment.received': {
      const rest = notice.remaining > 0 ? money(notice.remaining, notice.currency) : undefined;
      const said = text(
        m.notify.paymentReceived(
          notice.orderNumber,
          money(notice.received, notice.currency),
          rest,
          notice.refund > 0 ? money(notice.refund, notice.currency) : undefined,
          notice.promptPayId,
        ),
      );
      return rest && notice.qrUrl ? [...said, { type: 'image', url: notice.qrUrl, altText: m.payQrAlt(rest) }] : said;
    }
    case 'return.approved':
      return text(m.returns.approved(notice.returnNumber, notice.orderNumber, notice.note));
    case 'return.rejected':
      return text(m.returns.rejected(notice.returnNumber, notice.orderNumber, notice.note));
    case 'return.refunded':
      return text(m.returns.refunded(notice.returnNumber, money(notice.amount, notice.currency), notice.later));
    case 'return.exchanged':
      return text(
        m.returns.exchanged(
          notice.returnNumber,
          notice.exchangeNumber,
          notice.toPay > 0 ? money(notice.toPay, notice.currency) : undefined,
          notice.refund > 0 ? money(notice.refund, notice.currency) : undefined,
        ),
      );
    case 'reminder.reorder':
      return [
        {
          type: 'text',
          text: m.notify.reorderReminder(notice.product, notice.days),
          buttons: [
            { label: m.button.reorder, command: `${notice.sku} x${notice.qty}` },
            { label: m.button.menu, command: 'menu' },
          ],
        },
      ];
    case 'chat.messages':
      return notice.messages;
    case 'merchant.new_order':
      return text(m.notify.merchantNewOrder(notice.orderNumber, money(notice.total, notice.currency), notice.customer, notice.channel, notice.lines));
    case 'merchant.slip_review':
      return text(m.notify.merchantSlipReview(notice.orderNumber, notice.reasons));
    case 'merchant.low_stock':
      return text(m.notify.merchantLowStock(notice.items));
    case 'merchant.daily_summary':
      return text(m.notify.merchantDailySummary(notice));
    case 'merchant.parcel_problem':
      return text(m.notify.merchantParcelProblem(notice.orderNumber, notice.carrier, notice.trackingNumber, notice.status, notice.description));
    case 'merchant.return_requested':
      return text(m.returns.merchantRequested(notice.returnNumber, notice.orderNumber, notice.customer, notice.reason, notice.lines));
    default:
      throw new Error(`unknown notice ${(notice as { kind: string }).kind}`);
  }
}
