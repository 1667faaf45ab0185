/**
 * Photos. The chat runtime fetches a photo once, checks it and, when it can be a slip (an order of the
 * sender awaits payment), reads it, all before the event's transaction (bots/photo-intake.ts); this
 * feature only decides, in the transaction, what the prepared photo means. While a return is under way
 * a photo shows the items (kept with the request, never read); while an order awaits payment it is a
 * slip, verified against the order; otherwise it is kept as a chat photo and the customer hears there
 * is no order to pay.
 */
import { formatMoney } from '#src/lib/money.ts';
import { awaitingPaymentStatuses, awaitsPayment, lockOrder, ordersOfCustomer } from '#src/modules/orders/index.ts';
import type { SlipReading } from '#src/modules/payments/slips/index.ts';
import type { SlipCheckReason } from '#src/modules/payments/index.ts';
import { verifySlip } from '#src/workflows/payments/verify-slip.ts';
import type { Messages } from '#templates/messages/index.ts';
import type { OutMessage } from '../messages.ts';
import { menuButton, text, type Ctx, type FeatureDeps } from '../context.ts';
import type { createReturnChat } from './returns.ts';

/** A photo as a channel hands it over; `file` when it is already kept on this server (the web chat's uploads). */
export interface InboundImage {
  kind: 'image';
  reference: string;
  fetch: () => Promise<Buffer>;
  file?: string | undefined;
}

/** Why a photo was not taken, as the customer is told (templates/messages imageRefused). */
export type ImageRefusal = keyof Messages['imageRefused'];

/** What the runtime made of a photo before the transaction. */
export type PreparedPhoto =
  | { kind: 'refused'; code: ImageRefusal }
  /** Kept without reading: a return photo, or a chat photo sent with no order awaiting payment. */
  | { kind: 'kept'; file: string }
  /** Read as a slip; `bank` is the remote verifier's answer when one is switched on. */
  | { kind: 'read'; file: string; reading: SlipReading; bank?: { answer: SlipCheckReason[] | undefined } | undefined };

/** A photo as the engine sees it. */
export interface ImageEvent {
  kind: 'image';
  reference: string;
  photo: PreparedPhoto;
}

/** Thrown when an order came to await payment after the photo was prepared: the event is prepared (read) again. */
export class PhotoNotRead extends Error {}

export function createSlips(deps: FeatureDeps & { returns: ReturnType<typeof createReturnChat> }) {
  const { config } = deps;

  async function slip(ctx: Ctx, photo: Extract<PreparedPhoto, { kind: 'read' }>, orderNumber: string): Promise<OutMessage[]> {
    const { m } = ctx;
    if (!photo.reading.isSlip) return [text(m.notASlip)];
    const order = await lockOrder(ctx.tx, orderNumber);
    if (!awaitsPayment(order)) return [text(m.imageWithoutOrder)];
    const outcome = await verifySlip(ctx.tx, { order, reading: photo.reading, imagePath: photo.file, config, now: new Date(), bank: photo.bank });
    const money = (n: number) => formatMoney(n, order.currency, ctx.locale);
    if (outcome.verdict === 'review') {
      deps.logger.info({ order: order.number, reasons: outcome.reasons }, 'slip needs review');
      return [text(m.slipInReview(order.number))];
    }
    if (outcome.remaining > 0) {
      const qr = deps.paymentQr?.(order.number, outcome.remaining, ctx.locale);
      return [text(m.slipPartial(order.number, money(outcome.paid), money(outcome.remaining))), ...(qr ? [qr] : [])];
    }
    return [text(m.slipAccepted(order.number, money(outcome.paid)), [{ label: m.button.status, command: 'status' }])];
  }

  return {
    async image(ctx: Ctx, image: ImageEvent): Promise<OutMessage[]> {
      const { photo } = image;
      if (ctx.state.step === 'return' && ctx.state.ret) return deps.returns.photo(ctx, photo);
      const [order] = await ordersOfCustomer(ctx.tx, ctx.customer.id, { statuses: awaitingPaymentStatuses, limit: 1 });
      if (!order) return [text(ctx.m.imageWithoutOrder, [menuButton(ctx.m)])];
      if (photo.kind === 'refused') return [text(ctx.m.imageRefused[photo.code])];
      if (photo.kind === 'kept') throw new PhotoNotRead(`order ${order.number} awaits payment since the photo was prepared: read it again`);
      return slip(ctx, photo, order.number);
    },
  };
}
