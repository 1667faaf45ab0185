/** Looking around the shop: the greeting, help, and the menu by category, page and search. */
import type { CatalogCard } from '#src/modules/catalog/index.ts';
import { listCategoriesInUse } from '#src/modules/catalog/index.ts';
import { createMatcher } from '../matcher.ts';
import { MAX_CARDS, MAX_QUICK_REPLIES, type Button, type OutMessage, type ProductCard } from '../messages.ts';
import type { Command } from '../text.ts';
import { menuButton, nameOf, text, type CommandHandlers, type Ctx, type FeatureDeps } from '../context.ts';

const PAGE_SIZE = 10;

export function createBrowse({ config }: FeatureDeps) {
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
      const found = createMatcher(items)(cmd.search);
      items = found.kind === 'one' ? [found.item] : found.kind === 'many' ? found.items : found.suggestions;
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

  return {
    commands: {
      greeting: ({ m }) => [text(m.greeting(config.shop.name), [menuButton(m), { label: m.button.help, command: 'help' }])],
      help: ({ m }) => [text(m.help, [menuButton(m)])],
      menu: showMenu,
    } satisfies CommandHandlers,
  };
}
