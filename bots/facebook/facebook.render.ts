/**
 * The engine's messages in the Send API's `message` shape (Messenger and Instagram alike): text with
 * quick replies, product carousels as generic templates, images by URL. Every limit Meta enforces is
 * kept here, so a message is never refused for its shape: at most 2,000 characters of text, 13 quick
 * replies with titles of 20 characters, 10 cards of 3 buttons with titles and subtitles of 80.
 */
import type { Button, OutMessage, ProductCard } from '#src/ports/messages.ts';

export const MESSENGER_LIMITS = {
  text: 2000,
  quickReplies: 13,
  quickReplyTitle: 20,
  payload: 1000,
  cards: 10,
  cardTitle: 80,
  cardSubtitle: 80,
  cardButtons: 3,
  buttonTitle: 20,
} as const;

export interface MessengerQuickReply {
  content_type: 'text';
  title: string;
  payload: string;
}

export interface MessengerTemplateElement {
  title: string;
  subtitle?: string;
  image_url?: string;
  buttons?: { type: 'postback'; title: string; payload: string }[];
}

export type MessengerMessage =
  | { text: string; quick_replies?: MessengerQuickReply[] }
  | { attachment: { type: 'image'; payload: { url: string; is_reusable: true } }; quick_replies?: MessengerQuickReply[] }
  | { attachment: { type: 'template'; payload: { template_type: 'generic'; elements: MessengerTemplateElement[] } }; quick_replies?: MessengerQuickReply[] };

const graphemeSegmenter = new Intl.Segmenter('th', { granularity: 'grapheme' });
const graphemes = (s: string): string[] => [...graphemeSegmenter.segment(s)].map((g) => g.segment);

/**
 * At most `max` UTF-16 units (what String#length counts, the stricter of the ways to count), cut
 * between whole characters, so a Thai vowel or tone mark is never left without its consonant.
 */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${wholeWithin(s, max - 1).trimEnd()}…`;
}

/** The longest start of `s` made of whole characters and at most `max` UTF-16 units long. */
function wholeWithin(s: string, max: number): string {
  let out = '';
  for (const g of graphemes(s)) {
    if (out.length + g.length > max) break;
    out += g;
  }
  return out;
}

const HEAD = 6;

/**
 * Shortens a set of labels shown side by side. A label cut where it looks like another is cut again to
 * show where they differ: its start, "…", then the part from the first difference
 * ("ชาไทยตรามือ สูตรดั้งเดิม ถุงเล็ก" and "... ถุงใหญ่" become "ชาไทยต…ถุงเล็ก" and "ชาไทยต…ถุงใหญ่").
 */
export function fitLabels(labels: string[], max: number): string[] {
  const short = labels.map((l) => clip(l, max));
  return short.map((s, i) => {
    const label = labels[i]!;
    if (s === label) return s;
    const rivals = labels.filter((other, j) => j !== i && other !== label && short[j] === s);
    if (rivals.length === 0) return s;
    const mine = graphemes(label);
    const differsAt = Math.max(
      ...rivals.map((r) => {
        const theirs = graphemes(r);
        let n = 0;
        while (n < mine.length && n < theirs.length && mine[n] === theirs[n]) n++;
        return n;
      }),
    );
    const head = mine.slice(0, Math.min(HEAD, differsAt)).join('');
    // From the start of the word that differs when it fits, else from the difference itself.
    const wordStart = mine.lastIndexOf(' ', differsAt) + 1;
    const whole = `${head}…${mine.slice(Math.max(wordStart, HEAD)).join('')}`;
    return whole.length <= max ? whole : clip(`${head}…${mine.slice(differsAt).join('')}`, max);
  });
}

/** Only buttons whose command fits a payload; the rest could not be pressed anyway. */
const pressable = (buttons: Button[] | undefined): Button[] => (buttons ?? []).filter((b) => b.command.length > 0 && b.command.length <= MESSENGER_LIMITS.payload);

export function buildQuickReplies(buttons: Button[] | undefined): MessengerQuickReply[] | undefined {
  const usable = pressable(buttons).slice(0, MESSENGER_LIMITS.quickReplies);
  if (usable.length === 0) return undefined;
  const titles = fitLabels(usable.map((b) => b.label), MESSENGER_LIMITS.quickReplyTitle);
  return usable.map((b, i) => ({ content_type: 'text', title: titles[i]!, payload: b.command }));
}

const isWebUrl = (url: string | undefined): url is string => url !== undefined && /^https?:\/\/\S+$/.test(url) && url.length <= 2000;

export function buildCardElement(card: ProductCard): MessengerTemplateElement {
  const buttons = pressable(card.buttons).slice(0, MESSENGER_LIMITS.cardButtons);
  const titles = fitLabels(buttons.map((b) => b.label), MESSENGER_LIMITS.buttonTitle);
  const subtitle = [`${card.price} · ${card.stockLabel}`, card.subtitle].filter(Boolean).join('\n');
  return {
    title: clip(card.title, MESSENGER_LIMITS.cardTitle),
    subtitle: clip(subtitle, MESSENGER_LIMITS.cardSubtitle),
    ...(isWebUrl(card.imageUrl) ? { image_url: card.imageUrl } : {}),
    ...(buttons.length ? { buttons: buttons.map((b, i) => ({ type: 'postback' as const, title: titles[i]!, payload: b.command })) } : {}),
  };
}

/** Long text in pieces of at most 2,000 characters, cut at a line break (else a space) when there is one. */
export function splitText(text: string, max: number = MESSENGER_LIMITS.text): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = Math.max(1, wholeWithin(rest, max).length);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  pieces.push(rest);
  // Meta refuses an empty text.
  return pieces.filter((p) => p.trim() !== '');
}

/**
 * One engine message may become several Send API messages (long text, more than 10 cards, an image
 * with a caption); a message's buttons ride on its last piece, as quick replies.
 */
export function toMessengerMessages(messages: OutMessage[]): MessengerMessage[] {
  return messages.flatMap((m): MessengerMessage[] => {
    const pieces: MessengerMessage[] = [];
    switch (m.type) {
      case 'text':
        pieces.push(...splitText(m.text).map((text) => ({ text })));
        break;
      case 'products':
        for (let i = 0; i < m.cards.length; i += MESSENGER_LIMITS.cards) {
          const elements = m.cards.slice(i, i + MESSENGER_LIMITS.cards).map(buildCardElement);
          pieces.push({ attachment: { type: 'template', payload: { template_type: 'generic', elements } } });
        }
        if (pieces.length === 0) pieces.push({ text: clip(m.altText, MESSENGER_LIMITS.text) });
        break;
      case 'image':
        // Meta fetches the image itself: a data: URL (or anything not on the web) cannot be sent.
        if (isWebUrl(m.url)) pieces.push({ attachment: { type: 'image', payload: { url: m.url, is_reusable: true } } });
        if (m.caption) pieces.push(...splitText(m.caption).map((text) => ({ text })));
        break;
    }
    const quick = m.type === 'image' ? undefined : buildQuickReplies(m.buttons);
    const last = pieces.at(-1);
    if (last && quick) last.quick_replies = quick;
    return pieces;
  });
}
