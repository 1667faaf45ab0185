/** The cart: adding what the customer typed ("ชาไทย 2", "TEA-1 x3"), showing, removing and clearing. */
import { findSellablesByVariantId, type Sellable } from '#src/modules/catalog/index.ts';
import type { CartLineText } from '#templates/messages/types.ts';
import { createMatcher } from '../matcher.ts';
import { MAX_QUICK_REPLIES, type Button, type OutMessage } from '../messages.ts';
import { parseItemLines } from '../text.ts';
import { cartButtons, menuButton, nameOf, shortLabel, text, type CommandHandlers, type Ctx } from '../context.ts';

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

const suggestionButtons = (items: Sellable[], qty: number): Button[] =>
  items.map((i) => ({ label: shortLabel(i.sku), command: `${i.sku} x${Math.max(1, qty)}` }));

/** Free text outside any step: lines of products and quantities, matched against the catalog. */
export async function addItems(ctx: Ctx, input: string): Promise<OutMessage[]> {
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
    return [text(m.notUnderstood, [menuButton(m), { label: m.button.help, command: 'help' }])];
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
  const out: OutMessage[] = [];
  if (added.length > 0) out.push(text(m.added(added)));
  out.push(...replies);
  const last = out.at(-1)!;
  if (last.type === 'text') last.buttons = [...buttons, ...cartButtons(m)].slice(0, MAX_QUICK_REPLIES);
  return out;
}

async function removeItem(ctx: Ctx, query: string): Promise<OutMessage[]> {
  const lines = await cartLines(ctx);
  const result = createMatcher(lines.map((l) => l.item))(query);
  if (result.kind !== 'one') return [text(ctx.m.notInCart(query))];
  ctx.cart.set(result.item.variantId, 0);
  return [text(ctx.m.removed(nameOf(result.item, ctx.locale))), ...(await showCart(ctx))];
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
      remove: (ctx, cmd) => removeItem(ctx, cmd.query),
    } satisfies CommandHandlers,
    /** Free text outside any step. */
    text: addItems,
  };
}
