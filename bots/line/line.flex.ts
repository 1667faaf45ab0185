/** Small typed builders from the engine's messages to LINE's wire format (text, quick reply, Flex carousel). */
import type { messagingApi } from '@line/bot-sdk';
import type { Button, OutMessage, ProductCard } from '../engine/messages.ts';

const LABEL_MAX = 20;
const label = (s: string) => ([...s].length <= LABEL_MAX ? s : `${[...s].slice(0, LABEL_MAX - 1).join('')}…`);
const TEXT_MAX = 5000;

/** A button sends its command as if typed; postback data keeps the chat tidy while carrying the same text. */
function action(b: Button): messagingApi.Action {
  return { type: 'postback', label: label(b.label), data: b.command, displayText: b.label };
}

export function buildQuickReply(buttons: Button[] | undefined): messagingApi.QuickReply | undefined {
  if (!buttons?.length) return undefined;
  return { items: buttons.slice(0, 13).map((b) => ({ type: 'action', action: action(b) })) };
}

/** LINE fetches images itself, over HTTPS only; anything else would make it refuse the whole reply. */
const isHttps = (url: string | undefined): url is string => url !== undefined && /^https:\/\/\S+$/.test(url) && url.length <= 2000;

export function buildProductBubble(card: ProductCard): messagingApi.FlexBubble {
  return {
    type: 'bubble',
    size: 'kilo',
    ...(isHttps(card.imageUrl)
      ? { hero: { type: 'image', url: card.imageUrl, size: 'full', aspectRatio: '1:1', aspectMode: 'cover' } as messagingApi.FlexImage }
      : {}),
    body: {
      type: 'box',
      layout: 'vertical',
      spacing: 'sm',
      contents: [
        { type: 'text', text: card.title, weight: 'bold', wrap: true, size: 'md' },
        ...(card.subtitle ? [{ type: 'text', text: card.subtitle, wrap: true, size: 'xs', color: '#888888', maxLines: 3 } as messagingApi.FlexText] : []),
        {
          type: 'box',
          layout: 'baseline',
          contents: [
            { type: 'text', text: card.price, weight: 'bold', size: 'lg', color: '#06C755', flex: 0 },
            { type: 'text', text: card.stockLabel, size: 'xs', color: card.inStock ? '#06C755' : '#FF5551', align: 'end' },
          ],
        },
        { type: 'text', text: card.sku, size: 'xxs', color: '#AAAAAA' },
      ],
    },
    ...(card.buttons.length
      ? {
          footer: {
            type: 'box',
            layout: 'vertical',
            spacing: 'sm',
            contents: card.buttons.map((b) => ({ type: 'button', style: 'primary', color: '#06C755', height: 'sm', action: action(b) }) as messagingApi.FlexButton),
          },
        }
      : {}),
  };
}

export function buildProductCarouselFlex(cards: ProductCard[], altText: string): messagingApi.FlexMessage {
  return {
    type: 'flex',
    altText,
    contents: { type: 'carousel', contents: cards.slice(0, 12).map(buildProductBubble) },
  };
}

export function toLineMessages(messages: OutMessage[]): messagingApi.Message[] {
  return messages.flatMap((m): messagingApi.Message[] => (m.type === 'image' && !isHttps(m.url) ? [] : [toLineMessage(m)]));
}

function toLineMessage(m: OutMessage): messagingApi.Message {
  switch (m.type) {
    case 'text':
      return { type: 'text', text: m.text.slice(0, TEXT_MAX), quickReply: buildQuickReply(m.buttons) } as messagingApi.TextMessage;
    case 'products':
      return { ...buildProductCarouselFlex(m.cards, m.altText), quickReply: buildQuickReply(m.buttons) };
    case 'image':
      return { type: 'image', originalContentUrl: m.url, previewImageUrl: m.url } as messagingApi.ImageMessage;
  }
}
