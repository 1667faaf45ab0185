/**
 * The conversation, once for every channel: an inbound event and the person who sent it go in,
 * domain calls are made in the caller's transaction, and abstract messages come out. Adapters turn
 * wire formats into events and messages into wire formats; they never see the database.
 */
import type { Config } from '#src/config.ts';
import type { Tx } from '#src/db/client.ts';
import type { ChatChannel, Customer, Order } from '#src/db/schema/index.ts';
import { AppError, isAppError } from '#src/errors.ts';
import { formatThaiPhone } from '#src/lib/phone.ts';
import { formatMoney } from '#src/lib/money.ts';
import type { Logger } from '#src/logger.ts';
import {
  findSellablesByVariantId,
  listCategoriesInUse,
  variantName,
  type CatalogCard,
  type Sellable,
} from '#src/modules/catalog/index.ts';
import { lastAddress, saveAddress, updateCustomerContact } from '#src/modules/customers/index.ts';
import { awaitingPaymentStatuses, customerMayCancel, linesOf, lockOrder, openStatuses, ordersOfCustomer, unpaidStatuses } from '#src/modules/orders/index.ts';
import { shippingFeeOf } from '#src/modules/shipping/index.ts';
import { transitionLockedOrder } from '#src/workflows/orders/transition-order.ts';
import { notifyMerchant } from '#src/modules/notify/index.ts';
import { placeOrderInTx } from '#src/workflows/orders/place-order.ts';
import { messages as allMessages, type Messages } from '#templates/messages/index.ts';
import type { CartLineText } from '#templates/messages/types.ts';
import { createChatBatch, type Cart, type ChatBatch } from './batch.ts';
import { createMatcher } from './matcher.ts';
import { createReturnChat, type ReturnChatState } from './returns.ts';
import { MAX_CARDS, MAX_MESSAGES_PER_REPLY, MAX_QUICK_REPLIES, type Button, type OutMessage, type ProductCard } from './messages.ts';
import { parseCommand, parseDeliveryDetails, parseItemLines, type Command, type DeliveryDetails } from './text.ts';

export interface ChatPerson {
  channel: ChatChannel;
  userId: string;
  displayName?: string | undefined;
  /** From the channel (LINE profile language, Telegram language_code); used until the person picks one. */
  language?: 'th' | 'en' | undefined;
}

export type ChatEvent =
  | { kind: 'text'; text: string }
  | { kind: 'postback'; data: string }
  | { kind: 'image'; reference: string; fetch: () => Promise<Buffer> }
  | { kind: 'sticker' }
  | { kind: 'location'; address?: string | undefined }
  | { kind: 'follow' }
  | { kind: 'unfollow' };

export interface EngineReply {
  locale: 'th' | 'en';
  messages: OutMessage[];
  customerId: number;
}

/** What happens to a photo sent while an order waits for payment (the payments module plugs in here). */
export type SlipHandler = (
  tx: Tx,
  ctx: { customer: Customer; order: Order; reference: string; fetch: () => Promise<Buffer>; locale: 'th' | 'en' },
) => Promise<OutMessage[]>;

interface SessionState extends Record<string, unknown> {
  step: 'idle' | 'await_address' | 'await_confirm' | 'return';
  delivery?: DeliveryDetails;
  ret?: ReturnChatState;
}

const PAGE_SIZE = 10;

export interface ChatEngineDeps {
  config: Config;
  logger: Logger;
  onSlip?: SlipHandler;
  /** The PromptPay QR for an amount owed on an order, as an image message; absent = text instructions only. */
  paymentQr?: (orderNumber: string, amount: number, locale: 'th' | 'en') => OutMessage | undefined;
}

export function createChatEngine(deps: ChatEngineDeps) {
  const { config } = deps;
  const currency = config.shop.currency;
  const returns = createReturnChat({ config, logger: deps.logger });

  /**
   * One event of one person. In a batch (the inbox processor's), the conversation was loaded with the
   * others' and the writes go out with theirs; on its own, the event is its own batch.
   */
  async function handle(tx: Tx, person: ChatPerson, event: ChatEvent, batch?: ChatBatch<SessionState>): Promise<EngineReply> {
    const own = batch ?? createChatBatch<SessionState>(tx);
    const reply = await converse(own, person, event);
    if (!batch) await own.flush();
    return reply;
  }

  async function converse(batch: ChatBatch<SessionState>, person: ChatPerson, event: ChatEvent): Promise<EngineReply> {
    const { tx } = batch;
    // No row lock on the session: the inbox processor already serves one person's events one at a time.
    const { customer, identityId, created, state: stored } = await batch.conversation(person);
    let locale: 'th' | 'en' = customer.language ?? person.language ?? config.shop.locale;
    const state: SessionState = stored ?? { step: 'idle' };
    const before = JSON.stringify(state);
    const out: OutMessage[] = [];
    const ctx = {
      tx,
      batch,
      cart: batch.cart(identityId),
      channel: person.channel,
      customer,
      identityId,
      get m(): Messages {
        return allMessages[locale];
      },
      get locale() {
        return locale;
      },
      state,
      money: (amount: number) => formatMoney(amount, currency, locale),
    };
    const say = (text: string, buttons?: Button[]) => out.push({ type: 'text', text, buttons: buttons?.slice(0, MAX_QUICK_REPLIES) });
    const mainButtons = (): Button[] => [
      { label: ctx.m.button.menu, command: 'menu' },
      { label: ctx.m.button.cart, command: 'cart' },
      { label: ctx.m.button.status, command: 'status' },
    ];

    if (created && event.kind !== 'follow' && event.kind !== 'unfollow') say(ctx.m.greeting(config.shop.name));

    switch (event.kind) {
      case 'follow':
        say(ctx.m.greeting(config.shop.name), mainButtons());
        break;
      case 'unfollow':
        // Nobody to answer: a blocked LINE account cannot receive messages.
        break;
      case 'sticker':
        say(ctx.m.sticker, mainButtons());
        break;
      case 'location':
        if (state.step === 'await_address') say(ctx.m.addressMissing(['name', 'phone']));
        else say(ctx.m.notUnderstood, mainButtons());
        break;
      case 'image':
        out.push(...(await handleImage(ctx, event)));
        break;
      case 'text':
      case 'postback': {
        const text = event.kind === 'text' ? event.text : event.data;
        const command = parseCommand(text);
        if (command?.kind === 'lang') {
          locale = command.lang;
          await updateCustomerContact(tx, customer.id, { language: locale });
          say(ctx.m.languageSet, mainButtons());
        } else if (!command && state.step === 'return') {
          out.push(...(await returns.reply(ctx, text)));
        } else if (!command && state.step === 'await_address') {
          out.push(...(await receiveDelivery(ctx, text)));
        } else if (command) {
          out.push(...(await runCommand(ctx, command)));
        } else {
          out.push(...(await addItems(ctx, text)));
        }
        break;
      }
    }
    if (!stored || JSON.stringify(state) !== before) batch.saveState(identityId, state);
    return { locale, messages: fitReply(out), customerId: customer.id };
  }

  type Ctx = {
    tx: Tx;
    batch: ChatBatch<SessionState>;
    cart: Cart;
    channel: ChatChannel;
    customer: Customer;
    identityId: number;
    readonly m: Messages;
    readonly locale: 'th' | 'en';
    state: SessionState;
    money: (amount: number) => string;
  };

  const text = (t: string, buttons?: Button[]): OutMessage => ({ type: 'text', text: t, buttons: buttons?.slice(0, MAX_QUICK_REPLIES) });
  const nameOf = (item: Pick<Sellable, 'nameTh' | 'nameEn' | 'options'>, locale: 'th' | 'en') => variantName(item, locale);
  const cartButtons = (m: Messages): Button[] => [
    { label: m.button.checkout, command: 'checkout' },
    { label: m.button.cart, command: 'cart' },
    { label: m.button.menu, command: 'menu' },
  ];

  async function runCommand(ctx: Ctx, command: Command): Promise<OutMessage[]> {
    const { m } = ctx;
    switch (command.kind) {
      case 'greeting':
        return [text(m.greeting(config.shop.name), [{ label: m.button.menu, command: 'menu' }, { label: m.button.help, command: 'help' }])];
      case 'help':
        return [text(m.help, [{ label: m.button.menu, command: 'menu' }])];
      case 'menu':
        return showMenu(ctx, command);
      case 'cart':
        return showCart(ctx);
      case 'clear_cart':
        ctx.cart.clear();
        ctx.state.step = 'idle';
        return [text(m.cartCleared, [{ label: m.button.menu, command: 'menu' }])];
      case 'remove':
        return removeItem(ctx, command.query);
      case 'checkout':
        return checkout(ctx);
      case 'use_saved_address': {
        const saved = await lastAddress(ctx.tx, ctx.customer.id);
        if (!saved || ctx.state.step === 'idle') return checkout(ctx);
        return summarize(ctx, { name: saved.name, phone: saved.phone, address: saved.address, postcode: saved.postcode ?? undefined });
      }
      case 'back':
        ctx.state.step = 'idle';
        delete ctx.state.delivery;
        return showCart(ctx);
      case 'confirm':
        return confirm(ctx);
      case 'status':
        return showStatus(ctx);
      case 'reorder':
        return reorder(ctx);
      case 'cancel':
        return cancel(ctx, command.number);
      case 'stop':
        await updateCustomerContact(ctx.tx, ctx.customer.id, { reminderOptOut: true });
        return [text(m.remindersOff)];
      case 'start':
        await updateCustomerContact(ctx.tx, ctx.customer.id, { reminderOptOut: false });
        return [text(m.remindersOn)];
      case 'lang':
        return [];
      case 'return':
        return returns.command(ctx, command);
    }
  }

  // ---- catalog ----------------------------------------------------------------------------------

  async function showMenu(ctx: Ctx, cmd: Extract<Command, { kind: 'menu' }>): Promise<OutMessage[]> {
    const { m, locale } = ctx;
    const categories = await listCategoriesInUse(ctx.tx);
    if (cmd.categoryId === undefined && !cmd.search && categories.length > 1) {
      return [
        text(
          m.chooseCategory,
          categories.slice(0, MAX_QUICK_REPLIES - 1).map((c) => ({
            label: locale === 'th' ? c.nameTh : c.nameEn,
            command: `menu c${c.id}`,
          })),
        ),
      ];
    }
    let items = (await ctx.batch.catalog()).cards.filter((i) => cmd.categoryId === undefined || i.categoryId === cmd.categoryId);
    if (cmd.search) {
      const match = createMatcher(items);
      const found = match(cmd.search);
      items = found.kind === 'one' ? [found.item] : found.kind === 'many' ? found.items : found.suggestions;
    }
    if (items.length === 0) return [text(m.noProducts, [{ label: m.button.menu, command: 'menu' }])];
    const start = (cmd.page - 1) * PAGE_SIZE;
    const page = items.slice(start, start + PAGE_SIZE);
    // A page past the end (an old "more" button): channels refuse an empty carousel.
    if (page.length === 0) return [text(m.noProducts, [{ label: m.button.menu, command: 'menu' }])];
    const available = await ctx.batch.available(page.map((i) => i.variantId));
    const cards = page.slice(0, MAX_CARDS).map((item) => productCard(ctx, item, available.get(item.variantId) ?? 0));
    const buttons: Button[] = [];
    if (start + PAGE_SIZE < items.length) {
      const parts = ['menu', cmd.categoryId === undefined ? '' : `c${cmd.categoryId}`, `p${cmd.page + 1}`, cmd.search ?? ''];
      buttons.push({ label: m.button.more, command: parts.filter(Boolean).join(' ') });
    }
    buttons.push({ label: m.button.cart, command: 'cart' });
    if (categories.length > 1) buttons.push({ label: m.button.menu, command: 'menu' });
    return [{ type: 'products', altText: m.productsAlt, cards, buttons }];
  }

  function productCard(ctx: Ctx, item: CatalogCard, available: number): ProductCard {
    const { m, locale } = ctx;
    const image = item.images[0];
    const description = locale === 'th' ? item.descriptionTh : item.descriptionEn;
    return {
      sku: item.sku,
      title: nameOf(item, locale),
      subtitle: description || undefined,
      price: ctx.money(item.price),
      imageUrl: image ? (/^https?:\/\//.test(image) ? image : `${config.publicUrl}${image.startsWith('/') ? '' : '/'}${image}`) : undefined,
      inStock: available > 0,
      stockLabel: available > 0 ? m.inStock : m.outOfStock,
      buttons: available > 0 ? [{ label: m.button.add, command: `${item.sku} x1` }] : [],
    };
  }

  // ---- cart -------------------------------------------------------------------------------------

  async function cartLines(ctx: Ctx) {
    const items = ctx.cart.lines();
    const sellables = await findSellablesByVariantId(ctx.tx, items.map((i) => i.variantId));
    return items.flatMap((i) => {
      const s = sellables.get(i.variantId);
      return s ? [{ item: s, qty: i.qty }] : [];
    });
  }

  function cartTexts(ctx: Ctx, lines: { item: Sellable; qty: number }[]): { texts: CartLineText[]; subtotal: number } {
    const texts = lines.map((l) => ({ name: nameOf(l.item, ctx.locale), qty: l.qty, total: ctx.money(l.item.price * l.qty) }));
    return { texts, subtotal: lines.reduce((n, l) => n + l.item.price * l.qty, 0) };
  }

  async function showCart(ctx: Ctx): Promise<OutMessage[]> {
    const { m } = ctx;
    const lines = await cartLines(ctx);
    if (lines.length === 0) return [text(m.cartEmpty, [{ label: m.button.menu, command: 'menu' }])];
    const { texts, subtotal } = cartTexts(ctx, lines);
    return [
      text(m.cart(texts, ctx.money(subtotal)), [
        { label: m.button.checkout, command: 'checkout' },
        { label: m.button.menu, command: 'menu' },
        { label: m.button.clearCart, command: 'clear cart' },
      ]),
    ];
  }

  async function addItems(ctx: Ctx, input: string): Promise<OutMessage[]> {
    const { m, locale } = ctx;
    const requests = parseItemLines(input) ?? [];
    const { match } = await ctx.batch.catalog();
    const results = requests.map((r) => ({ request: r, result: match(r.query) }));
    const understood = results.some((r) => r.result.kind !== 'none' || r.request.explicitQty);
    if (!understood) {
      const suggestions = results.flatMap((r) => (r.result.kind === 'none' ? r.result.suggestions : []));
      if (requests.length === 1 && suggestions.length > 0) {
        return [text(m.unknownProduct(requests[0]!.query, suggestions.map((s) => nameOf(s, locale))), suggestionButtons(suggestions, 1))];
      }
      return [text(m.notUnderstood, [{ label: m.button.menu, command: 'menu' }, { label: m.button.help, command: 'help' }])];
    }

    const { cart } = ctx;
    const available = await ctx.batch.available(results.flatMap((r) => (r.result.kind === 'one' ? [r.result.item.variantId] : [])));
    const added: string[] = [];
    const replies: OutMessage[] = [];
    let buttons: Button[] = [];
    for (const { request, result } of results) {
      if (result.kind === 'none') {
        replies.push(text(m.unknownProduct(request.query, result.suggestions.map((s) => nameOf(s, locale)))));
        buttons = suggestionButtons(result.suggestions, request.qty);
        continue;
      }
      if (result.kind === 'many') {
        replies.push(text(m.ambiguous(request.query)));
        buttons = result.items.slice(0, MAX_QUICK_REPLIES).map((i) => ({ label: shortLabel(nameOf(i, locale)), command: `${i.sku} x${request.qty}` }));
        continue;
      }
      const item = result.item;
      const name = nameOf(item, locale);
      const current = cart.qty(item.variantId);
      if (request.qty === 0) {
        cart.set(item.variantId, 0);
        replies.push(text(m.removed(name)));
        continue;
      }
      const left = (available.get(item.variantId) ?? 0) - current;
      if (request.qty > left) {
        replies.push(text(m.notEnough(name, Math.max(0, left))));
        if (left > 0) buttons = [{ label: `${shortLabel(name, 14)} x${left}`, command: `${item.sku} x${left}` }];
        continue;
      }
      cart.set(item.variantId, current + request.qty);
      added.push(`${name} x${request.qty}`);
    }
    const messagesOut: OutMessage[] = [];
    if (added.length > 0) messagesOut.push(text(m.added(added)));
    messagesOut.push(...replies);
    const last = messagesOut.at(-1)!;
    if (last.type === 'text') last.buttons = [...buttons, ...cartButtons(m)].slice(0, MAX_QUICK_REPLIES);
    return messagesOut;
  }

  function suggestionButtons(items: Sellable[], qty: number): Button[] {
    return items.map((i) => ({ label: shortLabel(i.sku), command: `${i.sku} x${Math.max(1, qty)}` }));
  }

  async function removeItem(ctx: Ctx, query: string): Promise<OutMessage[]> {
    const lines = await cartLines(ctx);
    const result = createMatcher(lines.map((l) => l.item))(query);
    if (result.kind !== 'one') return [text(ctx.m.notInCart(query))];
    ctx.cart.set(result.item.variantId, 0);
    return [text(ctx.m.removed(nameOf(result.item, ctx.locale))), ...(await showCart(ctx))];
  }

  // ---- checkout ---------------------------------------------------------------------------------

  /** The shop's rule (config.shop.shipping, live from the settings) over the cart's subtotal, weight and item count. */
  function shippingFee(ctx: Ctx, lines: { item: Sellable; qty: number }[]): Promise<number> {
    return shippingFeeOf(ctx.tx, lines.map((l) => ({ variantId: l.item.variantId, qty: l.qty, unitPrice: l.item.price })), config.shop.shipping);
  }

  const addressText = (d: DeliveryDetails) => `${d.name}\n${formatThaiPhone(d.phone)}\n${d.address}`;

  async function checkout(ctx: Ctx): Promise<OutMessage[]> {
    const { m } = ctx;
    const lines = await cartLines(ctx);
    if (lines.length === 0) return [text(m.cartEmpty, [{ label: m.button.menu, command: 'menu' }])];
    ctx.state.step = 'await_address';
    const saved = await lastAddress(ctx.tx, ctx.customer.id);
    return [
      text(
        m.askAddress(saved ? addressText({ ...saved, postcode: saved.postcode ?? undefined }) : undefined),
        saved ? [{ label: m.button.useSavedAddress, command: 'use saved address' }] : undefined,
      ),
    ];
  }

  async function receiveDelivery(ctx: Ctx, input: string): Promise<OutMessage[]> {
    const parsed = parseDeliveryDetails(input);
    if (!parsed.ok) return [text(ctx.m.addressMissing(parsed.missing))];
    return summarize(ctx, parsed.details);
  }

  async function summarize(ctx: Ctx, delivery: DeliveryDetails): Promise<OutMessage[]> {
    const { m } = ctx;
    const lines = await cartLines(ctx);
    if (lines.length === 0) {
      ctx.state.step = 'idle';
      return [text(m.cartEmpty, [{ label: m.button.menu, command: 'menu' }])];
    }
    const { texts, subtotal } = cartTexts(ctx, lines);
    const fee = await shippingFee(ctx, lines);
    ctx.state.step = 'await_confirm';
    ctx.state.delivery = delivery;
    return [
      text(
        m.summary({
          lines: texts,
          subtotal: ctx.money(subtotal),
          shipping: ctx.money(fee),
          total: ctx.money(subtotal + fee),
          address: addressText(delivery),
        }),
        [
          { label: m.button.confirm, command: 'confirm' },
          { label: m.button.edit, command: 'back' },
        ],
      ),
    ];
  }

  async function confirm(ctx: Ctx): Promise<OutMessage[]> {
    const { m, tx, customer } = ctx;
    const delivery = ctx.state.delivery;
    const lines = await cartLines(ctx);
    if (ctx.state.step !== 'await_confirm' || !delivery || lines.length === 0) {
      return [text(m.nothingToConfirm, [{ label: m.button.cart, command: 'cart' }])];
    }
    const fee = await shippingFee(ctx, lines);
    let order: Order;
    try {
      // A savepoint: when stock ran short since the summary, the half-written order is undone and the
      // conversation (this transaction) carries on with an explanation.
      ({ order } = await tx.transaction((sp) =>
        placeOrderInTx(sp, {
          channel: ctx.channel,
          customer: { id: customer.id, name: delivery.name, phone: delivery.phone },
          lines: lines.map((l) => ({ sku: l.item.sku, qty: l.qty })),
          shippingAddress: delivery,
          paymentMethod: config.promptPayId ? 'promptpay' : 'transfer',
          currency,
          shippingFee: fee,
          actor: `customer:${ctx.channel}`,
          language: ctx.locale,
        }),
      ));
    } catch (err) {
      if (isAppError(err, 'INSUFFICIENT_STOCK') || isAppError(err, 'INACTIVE_PRODUCT') || isAppError(err, 'UNKNOWN_SKU')) {
        ctx.state.step = 'idle';
        return [text(m.stockChanged(describeShortages(ctx, err, lines)), [{ label: m.button.cart, command: 'cart' }])];
      }
      throw err;
    }
    if (!customer.phone || !customer.name) {
      await updateCustomerContact(tx, customer.id, { name: customer.name || delivery.name, phone: customer.phone ?? delivery.phone });
    }
    await saveAddress(tx, customer.id, delivery);
    ctx.cart.clear();
    ctx.batch.stockMoved();
    ctx.state.step = 'idle';
    delete ctx.state.delivery;
    await notifyMerchant(
      tx,
      config,
      {
        kind: 'merchant.new_order',
        orderNumber: order.number,
        total: order.total,
        currency: order.currency,
        customer: order.customerName,
        channel: order.channel,
        lines: lines.map((l) => `${nameOf(l.item, config.shop.locale)} x${l.qty}`),
      },
      `new-order:${order.number}`,
    );

    const total = ctx.money(order.total);
    const reply: OutMessage[] = [text(m.orderPlaced(order.number, total))];
    const qr = deps.paymentQr?.(order.number, order.total, ctx.locale);
    if (qr) reply.push(qr);
    reply.push(
      text(config.promptPayId ? m.payByPromptPay(total, formatPromptPayId(config.promptPayId)) : m.payByTransfer(total), [
        { label: m.button.status, command: 'status' },
        { label: m.button.menu, command: 'menu' },
      ]),
    );
    return reply;
  }


  function describeShortages(ctx: Ctx, err: AppError, lines: { item: Sellable }[]): string[] {
    const shortages = (err.details?.shortages as { sku: string; available: number }[] | undefined) ?? [];
    if (shortages.length === 0) return [err.message];
    return shortages.map((s) => {
      const line = lines.find((l) => l.item.sku.toLowerCase() === s.sku.toLowerCase());
      return ctx.m.notEnough(line ? nameOf(line.item, ctx.locale) : s.sku, s.available);
    });
  }

  // ---- orders -----------------------------------------------------------------------------------

  const dateFormat = (locale: 'th' | 'en') =>
    new Intl.DateTimeFormat(locale === 'th' ? 'th-TH' : 'en-GB', { timeZone: config.shop.timeZone, day: 'numeric', month: 'short' });

  async function showStatus(ctx: Ctx): Promise<OutMessage[]> {
    const { m } = ctx;
    const orders = await ordersOfCustomer(ctx.tx, ctx.customer.id, { statuses: openStatuses, limit: 10 });
    if (orders.length === 0) return [text(m.noOrders, [{ label: m.button.menu, command: 'menu' }, { label: m.button.reorder, command: 'reorder' }])];
    const fmt = dateFormat(ctx.locale);
    const buttons = orders
      .filter(customerMayCancel)
      .slice(0, 3)
      .map((o) => ({ label: m.button.cancelOrder(o.number), command: `cancel ${o.number}` }));
    return [
      text(
        m.orders(orders.map((o) => ({ number: o.number, status: o.status, total: ctx.money(o.total), date: fmt.format(o.createdAt) }))),
        [...buttons, { label: m.button.menu, command: 'menu' }],
      ),
    ];
  }

  async function reorder(ctx: Ctx): Promise<OutMessage[]> {
    const { m, locale } = ctx;
    const [last] = await ordersOfCustomer(ctx.tx, ctx.customer.id, { limit: 1 });
    if (!last) return [text(m.nothingToReorder, [{ label: m.button.menu, command: 'menu' }])];
    const lines = await linesOf(ctx.tx, last.id);
    const sellables = await findSellablesByVariantId(ctx.tx, lines.map((l) => l.variantId));
    const available = await ctx.batch.available(lines.map((l) => l.variantId));
    const { cart } = ctx;
    const added: string[] = [];
    const skipped: string[] = [];
    for (const line of lines) {
      const item = sellables.get(line.variantId);
      if (!item || !item.active) {
        skipped.push(line.name);
        continue;
      }
      const current = cart.qty(item.variantId);
      const qty = Math.min(line.qty, (available.get(item.variantId) ?? 0) - current);
      if (qty <= 0) {
        skipped.push(nameOf(item, locale));
        continue;
      }
      cart.set(item.variantId, current + qty);
      added.push(`${nameOf(item, locale)} x${qty}`);
    }
    return [text(m.reordered(added, skipped), added.length ? cartButtons(m) : [{ label: m.button.menu, command: 'menu' }])];
  }

  async function cancel(ctx: Ctx, number: string | undefined): Promise<OutMessage[]> {
    const { m } = ctx;
    if (!number) {
      const pending = await ordersOfCustomer(ctx.tx, ctx.customer.id, { statuses: unpaidStatuses, limit: 5 });
      return [text(m.cancelWhich, pending.map((o) => ({ label: m.button.cancelOrder(o.number), command: `cancel ${o.number}` })))];
    }
    let order: Order;
    try {
      order = await lockOrder(ctx.tx, number);
    } catch (err) {
      if (isAppError(err, 'ORDER_NOT_FOUND')) return [text(m.orderNotFound(number))];
      throw err;
    }
    if (order.customerId !== ctx.customer.id) return [text(m.orderNotFound(number))];
    if (!customerMayCancel(order)) return [text(m.cannotCancel(order.number, m.statusName[order.status]))];
    await transitionLockedOrder(ctx.tx, order, {
      to: 'cancelled',
      actor: `customer:${ctx.channel}`,
      note: 'cancelled by the customer in chat',
      notify: false,
    });
    ctx.batch.stockMoved();
    return [text(m.cancelled(order.number), [{ label: m.button.menu, command: 'menu' }])];
  }

  async function handleImage(ctx: Ctx, image: Extract<ChatEvent, { kind: 'image' }>): Promise<OutMessage[]> {
    // While a return is under way, a photo shows the items: it is kept with the request, never read as a slip.
    if (ctx.state.step === 'return' && ctx.state.ret) return returns.photo(ctx, image);
    const [order] = await ordersOfCustomer(ctx.tx, ctx.customer.id, { statuses: awaitingPaymentStatuses, limit: 1 });
    if (!order) return [text(ctx.m.imageWithoutOrder, [{ label: ctx.m.button.menu, command: 'menu' }])];
    if (deps.onSlip) {
      return deps.onSlip(ctx.tx, { customer: ctx.customer, order, reference: image.reference, fetch: image.fetch, locale: ctx.locale });
    }
    return [text(ctx.m.slipReceived(order.number))];
  }

  return {
    /** Runs in the caller's transaction; an error rolls it back whole (the inbox processor apologises). */
    handle,
    /** A batch for the inbox processor to pass to `handle` for each event of one transaction, then flush. */
    batch: (tx: Tx) => createChatBatch<SessionState>(tx),
  };
}

function shortLabel(s: string, max = 20): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** 0812223333 → 081-222-3333 as customers know it; tax ids stay as they are. */
function formatPromptPayId(id: string): string {
  const phone = /^(?:\+?66|0)(\d{9})$/.exec(id);
  return phone ? formatThaiPhone(`66${phone[1]}`) : id;
}

/** At most five messages per reply (LINE's limit); extra texts are joined into the last. */
function fitReply(messages: OutMessage[]): OutMessage[] {
  if (messages.length <= MAX_MESSAGES_PER_REPLY) return messages;
  const head = messages.slice(0, MAX_MESSAGES_PER_REPLY - 1);
  const tail = messages.slice(MAX_MESSAGES_PER_REPLY - 1);
  const texts = tail.filter((m): m is Extract<OutMessage, { type: 'text' }> => m.type === 'text');
  const lastButtons = texts.at(-1)?.buttons;
  return [...head, { type: 'text', text: texts.map((t) => t.text).join('\n\n'), buttons: lastButtons }];
}
