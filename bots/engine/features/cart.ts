/** The cart: adding what the customer typed ("ชาไทย 2", "TEA-1 x3"), showing, removing and clearing. */
import { findSellablesByVariantId, type Sellable } from '#src/modules/catalog/index.ts';
import type { CartLineText } from '#templates/messages/types.ts';
import { MAX_QUICK_REPLIES, type Button, type OutMessage } from '../messages.ts';
import { choiceButtons } from '../understanding/index.ts';
import { cartButtons, menuButton, nameOf, shortLabel, text, type Command, type CommandHandlers, type Ctx } from '../context.ts';

/** The cart's lines with what is sold under them now (a variant gone from the catalog drops out). */
export async function cartLines(ctx: Ctx): Promise<{ item: Sellable; qty: number }[]> {
  const items = ctx.cart.lines();
  const sellables = await findSellablesByVariantId(ctx.tx, items.map((i) => i.variantId));
  return items.flatMap((i) => {
    const s = sellables.get(i.variantId);
    return s ? [{ item: s, qty: i.qty }] : [];
  });
}

export function cartTexts(ctx: Ctx, lines: { item: Sellable; qty: number }[]): { texts: CartLineText[]; subtotal: number } {
  const texts = lines.map((l) => ({ name: nameOf(l.item, ctx.locale), qty: l.qty, total: ctx.money(l.item.price * l.qty) }));
  return { texts, subtotal: lines.reduce((n, l) => n + l.item.price * l.qty, 0) };
}

export async function showCart(ctx: Ctx): Promise<OutMessage[]> {
  const { m } = ctx;
  const lines = await cartLines(ctx);
  if (lines.length === 0) return [text(m.cartEmpty, [menuButton(m)])];
  const { texts, subtotal } = cartTexts(ctx, lines);
  return [
    text(m.cart(texts, ctx.money(subtotal)), [
      { label: m.button.checkout, command: 'checkout' },
      menuButton(m),
      { label: m.button.clearCart, command: 'clear cart' },
    ]),
  ];
}

/** Quick-reply labels: LINE and Messenger show 20 characters, Telegram and the web chat more. */
const labelLimit = (ctx: Ctx) => (ctx.channel === 'telegram' || ctx.channel === 'webchat' ? 64 : 20);

/** "Which one?" and suggestion buttons: short name, size and price, never cut where they differ, the typed quantity kept. */
async function choices(ctx: Ctx, skus: readonly string[], qty: number): Promise<Button[]> {
  const { bySku } = await ctx.batch.catalog();
  const items = skus.flatMap((sku) => bySku.get(sku) ?? []).slice(0, MAX_QUICK_REPLIES - 3);
  return choiceButtons(items, { locale: ctx.locale, limit: labelLimit(ctx), qty, money: ctx.money });
}

const names = async (ctx: Ctx, skus: readonly string[]) => {
  const { bySku } = await ctx.batch.catalog();
  return skus.flatMap((sku) => bySku.get(sku) ?? []).map((i) => nameOf(i, ctx.locale));
};

/** The customer named products and quantities: into the cart, as far as stock allows; the rest asked about. */
async function addItems(ctx: Ctx, command: Extract<Command, { intent: 'add' }>): Promise<OutMessage[]> {
  const { m, locale, cart } = ctx;
  const { bySku } = await ctx.batch.catalog();
  const wanted = command.items.flatMap((i) => {
    const item = bySku.get(i.sku);
    return item ? [{ item, qty: i.qty }] : [];
  });
  const available = await ctx.batch.available(wanted.map((w) => w.item.variantId));
  const added: string[] = [];
  const replies: OutMessage[] = [];
  let buttons: Button[] = [];
  for (const { item, qty } of wanted) {
    const name = nameOf(item, locale);
    const current = cart.qty(item.variantId);
    if (qty === 0) {
      cart.set(item.variantId, 0);
      replies.push(text(m.removed(name)));
      continue;
    }
    const left = (available.get(item.variantId) ?? 0) - current;
    if (qty > left) {
      replies.push(text(m.notEnough(name, Math.max(0, left))));
      if (left > 0) buttons = await choices(ctx, [item.sku], left);
      continue;
    }
    cart.set(item.variantId, current + qty);
    added.push(`${name} x${qty}`);
  }
  for (const u of command.unresolved ?? []) {
    if (u.kind === 'choose') {
      replies.push(text(m.ambiguous(u.query)));
      buttons = await choices(ctx, u.candidates, u.qty);
    } else {
      replies.push(text(m.unknownProduct(u.query, await names(ctx, u.suggestions))));
      buttons = await choices(ctx, u.suggestions, u.qty);
    }
  }
  const out: OutMessage[] = [];
  if (added.length > 0) out.push(text(m.added(added)));
  out.push(...replies);
  if (out.length === 0) return [text(m.notUnderstood, [menuButton(m), { label: m.button.help, command: 'help' }])];
  const last = out.at(-1)!;
  if (last.type === 'text') last.buttons = [...buttons, ...cartButtons(m)].slice(0, MAX_QUICK_REPLIES);
  return out;
}

async function removeItems(ctx: Ctx, command: Extract<Command, { intent: 'remove' }>): Promise<OutMessage[]> {
  const skus = new Set(command.items.map((i) => i.sku));
  const inCart = (await cartLines(ctx)).filter((l) => skus.has(l.item.sku));
  // Several products fit the words and more than one is in the cart: which one goes is asked, not guessed.
  if (inCart.length !== 1) {
    if (inCart.length > 1) return [text(ctx.m.ambiguous(command.query), inCart.map((l) => ({ label: shortLabel(nameOf(l.item, ctx.locale)), command: `${l.item.sku} x0` })))];
    return [text(ctx.m.notInCart(command.query))];
  }
  const [line] = inCart as [(typeof inCart)[number]];
  ctx.cart.set(line.item.variantId, 0);
  return [text(ctx.m.removed(nameOf(line.item, ctx.locale))), ...(await showCart(ctx))];
}

export function createCart() {
  return {
    commands: {
      cart: showCart,
      clear_cart: (ctx) => {
        ctx.cart.clear();
        ctx.state.step = 'idle';
        return [text(ctx.m.cartCleared, [menuButton(ctx.m)])];
      },
      remove: removeItems,
      add: addItems,
      choose: async (ctx, cmd) => [text(ctx.m.ambiguous(cmd.query), [...(await choices(ctx, cmd.candidates, cmd.qty)), ...cartButtons(ctx.m)].slice(0, MAX_QUICK_REPLIES))],
      not_found: async (ctx, cmd) => [
        text(ctx.m.unknownProduct(cmd.query, await names(ctx, cmd.suggestions)), [...(await choices(ctx, cmd.suggestions, cmd.qty ?? 1)), menuButton(ctx.m)]),
      ],
    } satisfies CommandHandlers,
  };
}
