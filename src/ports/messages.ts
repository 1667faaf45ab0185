/**
 * What the engine says, independent of any channel. Each adapter renders these in its own wire format
 * (LINE text + quick reply / Flex carousel, Telegram text + inline keyboard, web-chat bubbles and buttons).
 * Every button carries a plain-text command, the same a customer could type, so all channels work alike.
 */

export interface Button {
  /** What the customer sees on the button (LINE: at most 20 characters). */
  label: string;
  /** The text command the button sends, e.g. "COF-250 x1", "checkout", "confirm". */
  command: string;
}

export interface ProductCard {
  sku: string;
  title: string;
  subtitle?: string | undefined;
  /** Already formatted in the customer's locale, e.g. "฿320.00". */
  price: string;
  imageUrl?: string | undefined;
  inStock: boolean;
  /** e.g. "in stock" / "มีสินค้า", "out of stock" / "สินค้าหมด". */
  stockLabel: string;
  buttons: Button[];
}

export type OutMessage =
  | { type: 'text'; text: string; buttons?: Button[] | undefined }
  | { type: 'products'; altText: string; cards: ProductCard[]; buttons?: Button[] | undefined }
  | { type: 'image'; url: string; altText: string; caption?: string | undefined };

/** The last message's buttons are what a channel shows as quick replies. */
export const MAX_QUICK_REPLIES = 13;
/** LINE allows at most 12 bubbles in one carousel; other channels follow for one look. */
export const MAX_CARDS = 12;
/** LINE accepts at most 5 messages per reply. */
export const MAX_MESSAGES_PER_REPLY = 5;
