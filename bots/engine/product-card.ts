import type { CatalogCard } from '#src/modules/catalog/index.ts';
import type { Messages } from '#templates/messages/index.ts';
import type { ProductCard } from './messages.ts';
import { nameOf } from './context.ts';

/**
 * A product as a card in the customer's language: the bot's menu and a product staff send from the
 * inbox look the same, with the same "add to cart" button (a command the bot understands).
 */
export function buildProductCard(
  item: CatalogCard,
  available: number,
  words: { m: Messages; locale: 'th' | 'en'; money: (amount: number) => string; publicUrl: string },
): ProductCard {
  const { m, locale } = words;
  const image = item.images[0];
  const description = locale === 'th' ? item.descriptionTh : item.descriptionEn;
  return {
    sku: item.sku,
    title: nameOf(item, locale),
    subtitle: description || undefined,
    price: words.money(item.price),
    imageUrl: image ? (/^https?:\/\//.test(image) ? image : `${words.publicUrl}${image.startsWith('/') ? '' : '/'}${image}`) : undefined,
    inStock: available > 0,
    stockLabel: available > 0 ? m.inStock : m.outOfStock,
    buttons: available > 0 ? [{ label: m.button.add, command: `${item.sku} x1` }] : [],
  };
}
