/**
 * Photos: while a return is under way a photo shows the items (kept with the request); while an order
 * awaits payment it is a slip, handed to the slip handler; otherwise the customer hears there is no
 * order to pay.
 */
import type { Tx } from '#src/db/client.ts';
import type { Customer, Order } from '#src/db/schema/index.ts';
import { awaitingPaymentStatuses, ordersOfCustomer } from '#src/modules/orders/index.ts';
import type { OutMessage } from '../messages.ts';
import { menuButton, text, type Ctx } from '../context.ts';
import type { createReturnChat } from './returns.ts';

export interface ImageEvent {
  kind: 'image';
  reference: string;
  fetch: () => Promise<Buffer>;
}

/** What happens to a photo sent while an order waits for payment (the payments module plugs in here). */
export type SlipHandler = (
  tx: Tx,
  ctx: { customer: Customer; order: Order; reference: string; fetch: () => Promise<Buffer>; locale: 'th' | 'en' },
) => Promise<OutMessage[]>;

export function createSlips(deps: { onSlip?: SlipHandler | undefined; returns: ReturnType<typeof createReturnChat> }) {
  return {
    async image(ctx: Ctx, image: ImageEvent): Promise<OutMessage[]> {
      // While a return is under way, a photo shows the items: it is kept with the request, never read as a slip.
      if (ctx.state.step === 'return' && ctx.state.ret) return deps.returns.photo(ctx, image);
      const [order] = await ordersOfCustomer(ctx.tx, ctx.customer.id, { statuses: awaitingPaymentStatuses, limit: 1 });
      if (!order) return [text(ctx.m.imageWithoutOrder, [menuButton(ctx.m)])];
      if (deps.onSlip) return deps.onSlip(ctx.tx, { customer: ctx.customer, order, reference: image.reference, fetch: image.fetch, locale: ctx.locale });
      return [text(ctx.m.slipReceived(order.number))];
    },
  };
}
