/**
 * From cart to order: asking for the delivery details (or offering the saved ones), the summary with
 * the shipping fee, and the confirmation, which the customer-orders workflow turns into an order.
 */
import { formatThaiPhone } from '#src/lib/phone.ts';
import { lastAddress } from '#src/modules/customers/index.ts';
import { cartShippingFee, checkoutCart, type CheckoutResult } from '#src/workflows/orders/customer-orders.ts';
import type { OutMessage } from '../messages.ts';
import { parseDeliveryDetails, type DeliveryDetails } from '../text.ts';
import { menuButton, nameOf, text, type CommandHandlers, type Ctx, type FeatureDeps } from '../context.ts';
import { cartLines, cartTexts, showCart } from './cart.ts';

const addressText = (d: DeliveryDetails) => `${d.name}\n${formatThaiPhone(d.phone)}\n${d.address}`;

/** 0812223333 → 081-222-3333 as customers know it; tax ids stay as they are. */
function formatPromptPayId(id: string): string {
  const phone = /^(?:\+?66|0)(\d{9})$/.exec(id);
  return phone ? formatThaiPhone(`66${phone[1]}`) : id;
}

export function createCheckout(deps: FeatureDeps) {
  const { config } = deps;

  async function checkout(ctx: Ctx): Promise<OutMessage[]> {
    const { m } = ctx;
    const lines = await cartLines(ctx);
    if (lines.length === 0) return [text(m.cartEmpty, [menuButton(m)])];
    ctx.state.step = 'await_address';
    const saved = await lastAddress(ctx.tx, ctx.customer.id);
    return [
      text(
        m.askAddress(saved ? addressText({ ...saved, postcode: saved.postcode ?? undefined }) : undefined),
        saved ? [{ label: m.button.useSavedAddress, command: 'use saved address' }] : undefined,
      ),
    ];
  }

  async function summarize(ctx: Ctx, delivery: DeliveryDetails): Promise<OutMessage[]> {
    const { m } = ctx;
    const lines = await cartLines(ctx);
    if (lines.length === 0) {
      ctx.state.step = 'idle';
      return [text(m.cartEmpty, [menuButton(m)])];
    }
    const { texts, subtotal } = cartTexts(ctx, lines);
    const fee = await cartShippingFee(ctx.tx, lines, config);
    ctx.state.step = 'await_confirm';
    ctx.state.delivery = delivery;
    return [
      text(
        m.summary({ lines: texts, subtotal: ctx.money(subtotal), shipping: ctx.money(fee), total: ctx.money(subtotal + fee), address: addressText(delivery) }),
        [
          { label: m.button.confirm, command: 'confirm' },
          { label: m.button.edit, command: 'back' },
        ],
      ),
    ];
  }

  async function confirm(ctx: Ctx): Promise<OutMessage[]> {
    const { m } = ctx;
    const delivery = ctx.state.delivery;
    const lines = await cartLines(ctx);
    if (ctx.state.step !== 'await_confirm' || !delivery || lines.length === 0) {
      return [text(m.nothingToConfirm, [{ label: m.button.cart, command: 'cart' }])];
    }
    const result = await checkoutCart(ctx.tx, { channel: ctx.channel, customer: ctx.customer, lines, delivery, language: ctx.locale, config });
    ctx.state.step = 'idle';
    if (result.kind === 'stock_changed') return [text(m.stockChanged(shortages(ctx, result, lines)), [{ label: m.button.cart, command: 'cart' }])];
    const { order } = result;
    ctx.cart.clear();
    ctx.batch.stockMoved();
    delete ctx.state.delivery;
    const total = ctx.money(order.total);
    const reply: OutMessage[] = [text(m.orderPlaced(order.number, total))];
    const qr = deps.paymentQr?.(order.number, order.total, ctx.locale);
    if (qr) reply.push(qr);
    reply.push(
      text(config.promptPayId ? m.payByPromptPay(total, formatPromptPayId(config.promptPayId)) : m.payByTransfer(total), [
        { label: m.button.status, command: 'status' },
        menuButton(m),
      ]),
    );
    return reply;
  }

  function shortages(ctx: Ctx, result: Extract<CheckoutResult, { kind: 'stock_changed' }>, lines: Awaited<ReturnType<typeof cartLines>>): string[] {
    if (result.shortages.length === 0) return [result.message];
    return result.shortages.map((s) => {
      const line = lines.find((l) => l.item.sku.toLowerCase() === s.sku.toLowerCase());
      return ctx.m.notEnough(line ? nameOf(line.item, ctx.locale) : s.sku, s.available);
    });
  }

  return {
    commands: {
      checkout,
      use_saved_address: async (ctx) => {
        const saved = await lastAddress(ctx.tx, ctx.customer.id);
        if (!saved || ctx.state.step === 'idle') return checkout(ctx);
        return summarize(ctx, { name: saved.name, phone: saved.phone, address: saved.address, postcode: saved.postcode ?? undefined });
      },
      back: (ctx) => {
        ctx.state.step = 'idle';
        delete ctx.state.delivery;
        return showCart(ctx);
      },
      confirm,
    } satisfies CommandHandlers,
    /** Free text while waiting for the delivery details. */
    async delivery(ctx: Ctx, input: string): Promise<OutMessage[]> {
      const parsed = parseDeliveryDetails(input);
      if (!parsed.ok) return [text(ctx.m.addressMissing(parsed.missing))];
      return summarize(ctx, parsed.details);
    },
  };
}
