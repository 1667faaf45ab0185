/** The customer's orders: their status, cancelling an unpaid one, and ordering the last one again. */
import { dateFormats } from '#src/lib/dates.ts';
import { customerMayCancel, openStatuses, ordersOfCustomer, unpaidStatuses } from '#src/modules/orders/index.ts';
import { cancelByCustomer, reorderLast } from '#src/workflows/orders/customer-orders.ts';
import type { OutMessage } from '../messages.ts';
import { payHow } from './checkout.ts';
import { cartButtons, menuButton, nameOf, text, type CommandHandlers, type Ctx, type FeatureDeps } from '../context.ts';

export function createOrders({ config }: FeatureDeps) {
  async function showStatus(ctx: Ctx): Promise<OutMessage[]> {
    const { m } = ctx;
    const orders = await ordersOfCustomer(ctx.tx, ctx.customer.id, { statuses: openStatuses, limit: 10 });
    if (orders.length === 0) return [text(m.noOrders, [menuButton(m), { label: m.button.reorder, command: 'reorder' }])];
    const { dayMonth } = dateFormats(ctx.locale, config.shop.timeZone);
    const buttons = orders
      .filter(customerMayCancel)
      .slice(0, 3)
      .map((o) => ({ label: m.button.cancelOrder(o.number), command: `cancel ${o.number}` }));
    const list = m.orders(orders.map((o) => ({ number: o.number, status: o.status, total: ctx.money(o.total), date: dayMonth(o.createdAt) })));
    // An order still to pay: where to pay it, every time the customer looks.
    const unpaid = orders.find((o) => (unpaidStatuses as readonly string[]).includes(o.status));
    return [text(unpaid ? `${list}\n\n${payHow(ctx, config, ctx.money(unpaid.total))}` : list, [...buttons, menuButton(m)])];
  }

  async function reorder(ctx: Ctx): Promise<OutMessage[]> {
    const { m, locale } = ctx;
    const result = await reorderLast(ctx.tx, { customerId: ctx.customer.id, cart: ctx.cart, available: (ids) => ctx.batch.available(ids) });
    if (result.kind === 'nothing_to_reorder') return [text(m.nothingToReorder, [menuButton(m)])];
    const added = result.added.map((l) => `${nameOf(l.item, locale)} x${l.qty}`);
    const skipped = result.skipped.map((s) => (s.kind === 'gone' ? s.name : nameOf(s.item, locale)));
    return [text(m.reordered(added, skipped), added.length ? cartButtons(m) : [menuButton(m)])];
  }

  async function cancel(ctx: Ctx, number: string | undefined): Promise<OutMessage[]> {
    const { m } = ctx;
    if (!number) {
      const pending = await ordersOfCustomer(ctx.tx, ctx.customer.id, { statuses: unpaidStatuses, limit: 5 });
      return [text(m.cancelWhich, pending.map((o) => ({ label: m.button.cancelOrder(o.number), command: `cancel ${o.number}` })))];
    }
    const result = await cancelByCustomer(ctx.tx, { customerId: ctx.customer.id, number, channel: ctx.channel });
    switch (result.kind) {
      case 'not_found':
        return [text(m.orderNotFound(number))];
      case 'not_cancellable':
        return [text(m.cannotCancel(result.order.number, m.statusName[result.order.status]))];
      case 'cancelled':
        ctx.batch.stockMoved();
        return [text(m.cancelled(result.order.number), [menuButton(m)])];
    }
  }

  return {
    commands: {
      status: showStatus,
      reorder,
      cancel: (ctx, cmd) => cancel(ctx, cmd.order),
    } satisfies CommandHandlers,
  };
}
