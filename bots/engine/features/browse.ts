/** Looking around the shop: the greeting, help, and the menu by category, page and search. */
import type { CatalogCard } from '#src/modules/catalog/index.ts';
import { listCategoriesInUse } from '#src/modules/catalog/index.ts';
import { MAX_CARDS, MAX_QUICK_REPLIES, type Button, type OutMessage, type ProductCard } from '../messages.ts';
import { understand } from '../understanding/index.ts';
import { buildProductCard } from '../product-card.ts';
import { mainButtons, menuButton, nameOf, text, type Command, type CommandHandlers, type Ctx, type FeatureDeps } from '../context.ts';

const PAGE_SIZE = 10;

/** The products a reading of a search names. */
function found(meant: Command): string[] {
  switch (meant.intent) {
    case 'add':
      return [...meant.items.map((i) => i.sku), ...(meant.unresolved ?? []).flatMap((u) => (u.kind === 'choose' ? u.candidates : u.suggestions))];
    case 'choose':
      return meant.candidates;
    case 'not_found':
      return meant.suggestions;
    case 'price':
    case 'stock':
      return meant.sku ? [meant.sku] : (meant.candidates ?? []);
    default:
      return [];
  }
}

export function createBrowse({ config }: FeatureDeps) {
  async function showMenu(ctx: Ctx, command: Extract<Command, { intent: 'menu' }>): Promise<OutMessage[]> {
    const { m, locale } = ctx;
    const cmd = { categoryId: command.category, page: command.page ?? 1, search: command.search };
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
    const catalog = await ctx.batch.catalog();
    let items = catalog.cards.filter((i) => cmd.categoryId === undefined || i.categoryId === cmd.categoryId);
    if (cmd.search) {
      const skus = new Set(found(understand(cmd.search, { catalog: catalog.index })));
      items = items.filter((i) => skus.has(i.sku));
    }
    if (items.length === 0) return [text(m.noProducts, [menuButton(m)])];
    const start = (cmd.page - 1) * PAGE_SIZE;
    const page = items.slice(start, start + PAGE_SIZE);
    // A page past the end (an old "more" button): channels refuse an empty carousel.
    if (page.length === 0) return [text(m.noProducts, [menuButton(m)])];
    const available = await ctx.batch.available(page.map((i) => i.variantId));
    const cards = page.slice(0, MAX_CARDS).map((item) => productCard(ctx, item, available.get(item.variantId) ?? 0));
    const buttons: Button[] = [];
    if (start + PAGE_SIZE < items.length) {
      const parts = ['menu', cmd.categoryId === undefined ? '' : `c${cmd.categoryId}`, `p${cmd.page + 1}`, cmd.search ?? ''];
      buttons.push({ label: m.button.more, command: parts.filter(Boolean).join(' ') });
    }
    buttons.push({ label: m.button.cart, command: 'cart' });
    if (categories.length > 1) buttons.push(menuButton(m));
    return [{ type: 'products', altText: m.productsAlt, cards, buttons }];
  }

  function productCard(ctx: Ctx, item: CatalogCard, available: number): ProductCard {
    return buildProductCard(item, available, { m: ctx.m, locale: ctx.locale, money: ctx.money, publicUrl: config.publicUrl });
  }

  /** "ชาเขียวราคาเท่าไหร่", "กาแฟหมดยัง": the price and what is left, from the catalog. */
  async function aboutProducts(ctx: Ctx, skus: string[], ask: 'price' | 'stock'): Promise<OutMessage[]> {
    const { m, locale } = ctx;
    if (skus.length === 0) return ask === 'price' ? showMenu(ctx, { intent: 'menu' }) : [text(m.askWhichProduct, [menuButton(m)])];
    const { bySku } = await ctx.batch.catalog();
    const items = skus.flatMap((sku) => bySku.get(sku) ?? []).slice(0, MAX_CARDS);
    const available = await ctx.batch.available(items.map((i) => i.variantId));
    const lines = items.map((i) => m.productFacts(nameOf(i, locale), ctx.money(i.price), available.get(i.variantId) ?? 0));
    const buttons: Button[] = items
      .filter((i) => (available.get(i.variantId) ?? 0) > 0)
      .slice(0, MAX_QUICK_REPLIES - 2)
      .map((i) => ({ label: m.button.addNamed(nameOf(i, locale)), command: `${i.sku} x1` }));
    return [text(lines.join('\n'), [...buttons, menuButton(m), { label: m.button.cart, command: 'cart' }])];
  }

  return {
    commands: {
      price: (ctx, cmd) => aboutProducts(ctx, cmd.sku ? [cmd.sku] : (cmd.candidates ?? []), 'price'),
      stock: (ctx, cmd) => aboutProducts(ctx, cmd.sku ? [cmd.sku] : (cmd.candidates ?? []), 'stock'),
      smalltalk: ({ m }) => [text(m.smalltalk, mainButtons(m))],
      unknown: ({ m }) => [text(m.notUnderstood, [menuButton(m), { label: m.button.help, command: 'help' }])],
      greeting: ({ m }) => [text(m.greeting(config.shop.name), [menuButton(m), { label: m.button.help, command: 'help' }])],
      help: ({ m }) => [text(m.help, [menuButton(m)])],
      menu: showMenu,
    } satisfies CommandHandlers,
  };
}
