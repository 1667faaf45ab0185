/**
 * From cart to order: asking for the delivery details (or offering the saved ones), the summary with
 * the shipping fee, and the confirmation, which the customer-orders workflow turns into an order.
 */
import { formatThaiPhone, normalizeThaiPhone } from '#src/lib/phone.ts';
import { lastAddress } from '#src/modules/customers/index.ts';
import { cartShippingFee, checkoutCart, type CheckoutResult } from '#src/workflows/orders/customer-orders.ts';
import type { Messages } from '#templates/messages/index.ts';
import type { Button, OutMessage } from '../messages.ts';
import type { AddressFields } from '../understanding/index.ts';
import { menuButton, nameOf, text, type CommandHandlers, type Ctx, type DeliveryDetails, type FeatureDeps, type SessionState } from '../context.ts';
import { cartLines, cartTexts, showCart } from './cart.ts';

/** Name / phone / address / province, labelled, as the customer reads back what the shop understood. */
const addressText = (m: Messages, d: Partial<DeliveryDetails>) => m.deliveryEcho({ ...d, phone: d.phone ? formatThaiPhone(d.phone) : undefined });

/** The ways out of a checkout step: back to the cart, leave checkout, a person. */
export const checkoutWayOut = (m: Messages): Button[] => [
  { label: m.button.editCart, command: 'back' },
  { label: m.button.cancel, command: 'ยกเลิก' },
  { label: m.button.human, command: 'คุยกับแอดมิน' },
];

type Needed = 'name' | 'phone' | 'address' | 'postcode';

/** What the order cannot go without: a name, a phone, an address and its postcode. */
function stillMissing(d: Partial<DeliveryDetails>): Needed[] {
  const missing: Needed[] = [];
  if (!d.name || [...d.name].length < 2) missing.push('name');
  if (!d.phone) missing.push('phone');
  if (!d.address || [...d.address].length < 8) missing.push('address');
  else if (!d.postcode) missing.push('postcode');
  return missing;
}

/** 0812223333 → 081-222-3333 as customers know it; tax ids stay as they are. */
function formatPromptPayId(id: string): string {
  const phone = /^(?:\+?66|0)(\d{9})$/.exec(id);
  return phone ? formatThaiPhone(`66${phone[1]}`) : id;
}

/** Where to pay: PromptPay when set, else the shop's bank accounts from Settings, else that the shop will send the details. */
export function payHow(ctx: Pick<Ctx, 'm'>, config: FeatureDeps['config'], total: string): string {
  return config.promptPayId ? ctx.m.payByPromptPay(total, formatPromptPayId(config.promptPayId)) : ctx.m.payByTransfer(total, config.receivers.payTo);
}

export function createCheckout(deps: FeatureDeps) {
  const { config } = deps;

  async function checkout(ctx: Ctx): Promise<OutMessage[]> {
    const { m } = ctx;
    const lines = await cartLines(ctx);
    if (lines.length === 0) return [text(m.cartEmpty, [menuButton(m)])];
    ctx.state.step = 'await_address';
    return [await askAddress(ctx)];
  }

  /** The delivery question, with what was already given echoed, and the ways out. */
  async function askAddress(ctx: Ctx): Promise<OutMessage> {
    const { m } = ctx;
    const draft = ctx.state.draft;
    if (draft && Object.values(draft).some(Boolean)) return text(m.deliveryAsk(addressText(m, draft), stillMissing(draft)), checkoutWayOut(m));
    const saved = await lastAddress(ctx.tx, ctx.customer.id);
    return text(m.askAddress(saved ? addressText(m, { ...saved, postcode: saved.postcode ?? undefined }) : undefined), [
      ...(saved ? [{ label: m.button.useSavedAddress, command: 'use saved address' }] : []),
      ...checkoutWayOut(m),
    ]);
  }

  /** Delivery details, whole or in parts over several messages: kept, echoed, and only what is missing asked. */
  async function delivery(ctx: Ctx, got: Omit<AddressFields, 'missing'> & { problems?: AddressFields['problems'] }): Promise<OutMessage[]> {
    const { m } = ctx;
    if (ctx.state.step === 'idle') {
      const lines = await cartLines(ctx);
      if (lines.length === 0) return [text(m.cartEmpty, [menuButton(m)])];
      ctx.state.step = 'await_address';
    }
    // At the summary, a new address changes the one shown; the rest stays.
    const draft: NonNullable<SessionState['draft']> = { ...(ctx.state.step === 'await_confirm' ? ctx.state.delivery : undefined), ...ctx.state.draft };
    ctx.state.step = 'await_address';
    if (got.name) draft.name = got.name;
    // Kept as the shop keeps every phone: 66 and the national number (0812345678 → 66812345678).
    const phone = got.phone ? normalizeThaiPhone(got.phone) : null;
    if (phone) draft.phone = phone;
    if (got.address) {
      draft.address = got.address;
      draft.postcode = got.postcode;
      draft.province = got.province;
    } else if (got.postcode) draft.postcode = got.postcode;
    ctx.state.draft = draft;
    const problem = got.problems?.find((p) => p.code === 'postcode_unknown' || p.code === 'postcode_province_mismatch');
    // A postcode that does not exist or contradicts the province is asked about once; sent again, it stands.
    if (problem && draft.checked !== draft.postcode) {
      draft.checked = draft.postcode;
      const echo = addressText(m, draft);
      return [text(problem.code === 'postcode_unknown' ? m.postcodeUnknown(echo, problem.postcode) : m.postcodeMismatch(echo, problem.postcode, problem.province), checkoutWayOut(m))];
    }
    const missing = stillMissing(draft);
    if (missing.length > 0) return [text(m.deliveryAsk(addressText(m, draft), missing), checkoutWayOut(m))];
    delete ctx.state.draft;
    return summarize(ctx, { name: draft.name!, phone: draft.phone!, address: draft.address!, postcode: draft.postcode, province: draft.province });
  }

  /** Leaves checkout; the cart stays as it was. */
  function leave(ctx: Ctx): OutMessage[] {
    ctx.state.step = 'idle';
    delete ctx.state.delivery;
    delete ctx.state.draft;
    return [text(ctx.m.checkoutCancelled, [{ label: ctx.m.button.checkout, command: 'checkout' }, { label: ctx.m.button.cart, command: 'cart' }, menuButton(ctx.m)])];
  }

  /** Back to where checkout stood, after a product was added or a question answered on the way. */
  async function resume(ctx: Ctx): Promise<OutMessage[]> {
    if (ctx.state.step === 'await_address') return [await askAddress(ctx)];
    if (ctx.state.step === 'await_confirm' && ctx.state.delivery) return summarize(ctx, ctx.state.delivery);
    return [];
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
        m.summary({ lines: texts, subtotal: ctx.money(subtotal), shipping: ctx.money(fee), total: ctx.money(subtotal + fee), address: addressText(m, delivery) }),
        [{ label: m.button.confirm, command: 'confirm' }, { label: m.button.editAddress, command: 'แก้ที่อยู่' }, ...checkoutWayOut(m)],
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
    if (result.kind === 'limit') return [text(m.unpaidLimit[result.reason](result.max), [{ label: m.button.status, command: 'status' }, { label: m.button.cart, command: 'cart' }])];
    const { order } = result;
    ctx.cart.clear();
    ctx.batch.stockMoved();
    delete ctx.state.delivery;
    const total = ctx.money(order.total);
    const reply: OutMessage[] = [text(m.orderPlaced(order.number, total))];
    const qr = deps.paymentQr?.(order.number, order.total, ctx.locale);
    if (qr) reply.push(qr);
    reply.push(
      text(payHow(ctx, config, total), [
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
        delete ctx.state.draft;
        return showCart(ctx);
      },
      confirm,
      cancel_checkout: leave,
      edit_address: async (ctx) => {
        if (ctx.state.step === 'idle') return checkout(ctx);
        ctx.state.step = 'await_address';
        delete ctx.state.delivery;
        delete ctx.state.draft;
        return [await askAddress(ctx)];
      },
      address: (ctx, fields) => delivery(ctx, fields),
    } satisfies CommandHandlers,
    /** A place shared from the map at the address step: its address, kept with the rest. */
    location: (ctx: Ctx, address: string | undefined) => delivery(ctx, { address, problems: [] }),
    resume,
  };
}
