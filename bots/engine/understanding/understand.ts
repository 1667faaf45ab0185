/**
 * Text + where the conversation stands + the catalog → what the customer means. Pure and
 * synchronous: no database, no I/O. The step changes the reading: at the address step anything
 * that is not a product, a question or a way out is delivery details; at the summary "ok" is a yes.
 */
import { looksLikeAddress, parseAddress } from './address.ts';
import { indexCatalog, suggest, type CatalogIndex } from './catalog.ts';
import { commandOf, returnReply } from './commands.ts';
import * as cue from './cues.ts';
import { COURTESY, parseItems, type ItemLine } from './items.ts';
import { CLASSIFIERS, PARTICLES, REQUEST_WORDS, isParticle, numberOf, respell } from './lexicon.ts';
import { compact, normalize, tokens, withoutTones } from './normalize.ts';
import type { CatalogItem, Interpretation, Step, Unresolved } from './types.ts';

export interface UnderstandOptions {
  step?: Step | undefined;
  /** The shop's products (indexed once per array) or an index from indexCatalog. */
  catalog: readonly CatalogItem[] | CatalogIndex;
}

interface Said {
  /** Normalised, line breaks kept. */
  text: string;
  /** Lower case on one line. */
  flat: string;
  /** Words without particles, Thai run together, greetings at the start left out. */
  core: string;
  greeted: boolean;
}

const QUESTION_WORDS = new Set(['ไหม', 'มั้ย', 'มั๊ย', 'ไม๊', 'หรือ', 'เปล่า', 'ป่าว', 'ป่ะ', 'เหรอ', 'หรอ', 'ยัง', 'บ้าง', 'คะ', 'is', 'are', 'it', 'there', 'any', 'do', 'you']);
const isFiller = (w: string) => PARTICLES.has(w) || REQUEST_WORDS.has(w) || COURTESY.has(w) || QUESTION_WORDS.has(w);

function read(input: string): Said {
  const text = normalize(input);
  const flat = respell(text.replace(/\n/g, ' ').toLowerCase());
  const all = tokens(flat).map((t) => t.lower);
  const content = all.filter((_, i) => !isParticle(all, i));
  let core = compact(content);
  const greeting = cue.GREETING.exec(core);
  let greeted = false;
  if (greeting) {
    const rest = core.slice(greeting[0].length).replace(cue.ADDRESSEE, ' ').trim();
    greeted = true;
    core = rest ? core.slice(greeting[0].length).replace(/^\s*(?:แอดมิน|admin|ร้าน|คุณ|ทุกคน|there|everyone)?\s*/, '').trim() : '';
  }
  return { text, flat, core, greeted };
}

/** What is left of the message once the cue words and filler are taken out. */
function residue(core: string, remove: RegExp): string {
  const words = tokens(core.replace(remove, ' '))
    .map((t) => t.lower)
    .filter((w) => !isFiller(w) && !CLASSIFIERS.has(w) && numberOf(w) === undefined);
  return compact(words);
}

const CLEAR_NAME = 0.5;

const resolved = (lines: ItemLine[]) => lines.filter((l) => l.match.kind !== 'none');

/** A product named in a question ("ชาเขียวหมดหรือยัง"): its SKU, or the SKUs it could be. */
function productOf(index: CatalogIndex, rest: string): { sku?: string; candidates?: string[]; unknown: boolean } {
  if (!rest) return { unknown: false };
  const lines = parseItems(rest, index);
  const hit = resolved(lines)[0];
  if (hit?.match.kind === 'one') return { sku: hit.match.sku, unknown: false };
  if (hit?.match.kind === 'many') return { candidates: hit.match.skus, unknown: false };
  // Unknown only when what is left reads like a name: short, no question in it, not "the goods".
  const words = tokens(rest);
  return { unknown: lines.length > 0 && words.length <= 3 && !cue.QUESTION.test(rest) && !/สินค้า|ของ|product|item/.test(rest) };
}

/** Whether the message also names products or quantities: then a cue word is not the whole story. */
function namesProducts(index: CatalogIndex, said: Said): boolean {
  return resolved(parseItems(said.core, index)).length > 0;
}

function smalltalkOnly(core: string): boolean {
  const rest = core.replace(new RegExp(cue.THANKS.source, 'g'), ' ').replace(cue.ADDRESSEE, ' ').trim();
  if (!rest) return cue.THANKS.test(core);
  return cue.CHATTER.test(rest);
}

function orderNumberOf(flat: string): string | undefined {
  const m = cue.ORDER_NUMBER.exec(flat);
  const digits = m?.[1] ?? m?.[2] ?? m?.[3];
  return digits ? `TL-${Number(digits)}` : undefined;
}

/** Order lines → add, choose or not_found; null when the text names no product at all. */
function order(index: CatalogIndex, lines: ItemLine[], strict: boolean): Interpretation | null {
  if (lines.length === 0) return null;
  // At the address step a bare word may be a name ("มะลิ"): only a quantity or a clear product name makes an order.
  if (strict && !lines.some((l) => l.explicitQty) && !lines.every((l) => l.match.kind !== 'none' && l.match.score >= CLEAR_NAME)) return null;
  const good = lines.filter((l) => l.match.kind === 'one');
  const orderish = lines.some((l) => l.explicitQty || l.counted);
  if (lines.length === 1) {
    const [line] = lines as [ItemLine];
    if (line.match.kind === 'one') return { intent: 'add', items: [{ sku: line.match.sku, qty: line.qty }], approximate: line.approximate || undefined };
    if (line.match.kind === 'many') return { intent: 'choose', query: line.query, candidates: line.match.skus, qty: line.qty };
    if (strict || !orderish) return null;
    return { intent: 'not_found', query: line.query, qty: line.qty, suggestions: suggest(index, line.query) };
  }
  if (good.length === 0 && resolved(lines).length === 0 && (strict || !orderish)) return null;
  const unresolved = lines.flatMap((l): Unresolved[] =>
    l.match.kind === 'many'
      ? [{ kind: 'choose', query: l.query, qty: l.qty, candidates: l.match.skus }]
      : l.match.kind === 'none'
        ? [{ kind: 'not_found', query: l.query, qty: l.qty, suggestions: suggest(index, l.query) }]
        : [],
  );
  if (good.length === 0 && unresolved.every((u) => u.kind === 'not_found')) {
    return { intent: 'not_found', query: lines.map((l) => l.query).join(', '), suggestions: unresolved.flatMap((u) => (u.kind === 'not_found' ? u.suggestions : [])) };
  }
  return {
    intent: 'add',
    items: good.map((l) => ({ sku: (l.match as { sku: string }).sku, qty: l.qty })),
    unresolved: unresolved.length > 0 ? unresolved : undefined,
    approximate: good.some((l) => l.approximate) || undefined,
  };
}

export function understand(input: string, options: UnderstandOptions): Interpretation {
  const step = options.step ?? 'browse';
  const index = 'forms' in options.catalog ? options.catalog : indexCatalog(options.catalog);
  const said = read(input);
  if (!said.flat.trim()) return { intent: 'unknown' };

  const command = commandOf(said.flat, step);
  if (command) return command;
  // A product code the customer types ("QR-1 x1", "PAY2") is never a cue word: cues read the message without them.
  const c = said.core;
  const cueText = withoutSkus(c, index);
  const plain = withoutTones(cueText);
  // Tone marks left out or typed wrong do not hide a cue word ("เลขแทรค" for เลขแทร็ก).
  // Anchored cues ("^สั่งเลย$") also see the message without a leading request or discourse word ("ขอเช็คบิล", "ok สั่งเลย").
  const bare = cueText.replace(LEADING, '').trim();
  const has = (re: RegExp) => re.test(cueText) || toneless(re).test(plain) || (bare !== cueText && bare !== '' && re.test(bare));
  if (step === 'return') {
    if (has(cue.HUMAN)) return { intent: 'human' };
    return returnReply(said.text, c);
  }

  if (!c) return said.greeted ? { intent: 'greeting' } : cue.CHATTER.test(said.flat) ? { intent: 'smalltalk' } : { intent: 'unknown' };
  if (has(cue.HUMAN)) return { intent: 'human' };
  if (has(cue.STOP_REMINDERS)) return { intent: 'stop_reminders' };
  if (has(cue.START_REMINDERS)) return { intent: 'start_reminders' };
  if (has(cue.LANG_EN)) return { intent: 'lang', lang: 'en' };
  if (has(cue.LANG_TH)) return { intent: 'lang', lang: 'th' };

  const number = orderNumberOf(said.flat);
  if (number && !looksLikeAddress(said.text)) {
    if (has(cue.CANCEL)) return { intent: 'cancel', order: number };
    if (has(cue.RETURN)) return { intent: 'return', action: 'start', order: number };
    return { intent: 'status', order: number };
  }

  const checkoutStep = step === 'address' || step === 'summary';
  if (smalltalkOnly(c)) {
    if (step === 'summary' && /(?:ยืนยัน|ตกลง|ok|okay|โอเค|ใช่|ได้|yes|confirm|👍)/u.test(c)) return { intent: 'confirm' };
    return { intent: 'smalltalk' };
  }
  if (step === 'summary' && has(cue.CONFIRM)) return { intent: 'confirm' };
  let named: boolean | undefined;
  const products = () => (named ??= namesProducts(index, said));
  if (checkoutStep && has(cue.CANCEL) && !products()) return { intent: 'cancel_checkout' };
  if (has(cue.SAVED_ADDRESS)) return { intent: 'use_saved_address' };
  if (has(cue.EDIT_ADDRESS)) return { intent: 'edit_address' };
  if (step !== 'browse' && looksLikeAddress(said.text)) return { intent: 'address', ...parseAddress(input) };
  // Delivery details pasted before checkout (a phone and a postcode or province, no product): kept as an address.
  if (step === 'browse' && looksLikeAddress(said.text) && !products()) {
    const details = parseAddress(input);
    if (details.phone && (details.postcode || details.province)) return { intent: 'address', ...details };
  }
  if (step === 'summary' && has(cue.BACK)) return { intent: 'back' };

  if (has(cue.CLEAR_CART)) return { intent: 'clear_cart' };
  if (has(cue.REMOVE) && !has(cue.STATUS)) {
    const rest = residue(c, cue.REMOVE_WORDS);
    const found = productOf(index, rest);
    if (found.sku) return { intent: 'remove', items: [{ sku: found.sku }], query: rest };
    if (found.candidates) return { intent: 'remove', items: found.candidates.map((sku) => ({ sku })), query: rest };
    if (!rest && /ไม่เอา|don'?t want/.test(c)) return { intent: 'clear_cart' };
    // "remove X" / "ลบ X" with X not a product of the shop: still a removal, the cart will say it is not there.
    if (rest && /^(?:remove|delete|ลบ|เอาออก)\s*\S/.test(c)) return { intent: 'remove', items: [], query: rest };
  }
  if (has(cue.CART) && !products()) return { intent: 'cart' };
  if (has(cue.REORDER)) return { intent: 'reorder' };
  if (has(cue.RETURN) && !products() && !cue.TOPICS.some(([, re]) => has(re))) {
    return /ยังไง|อย่างไร|กี่วัน|policy|how/.test(c) ? { intent: 'question', topic: 'returns' } : { intent: 'return', action: 'start' };
  }
  if (has(cue.CANCEL) && !products()) return { intent: 'cancel' };
  if (has(cue.NOTICE) && !products()) return { intent: 'smalltalk' };
  if (has(cue.IF_ORDERED) && has(cue.WHEN)) return { intent: 'question', topic: 'shipping_time' };
  if (has(cue.STATUS) && !products()) return { intent: 'status' };
  for (const [topic, re] of cue.TOPICS) if (has(re)) return { intent: 'question', topic };
  // "มีหน้าร้านไหม", "ลดราคาไหม", "มีโปรอะไรบ้าง": about the shop, not a product it lacks nor the menu.
  const aboutShop = has(cue.SHOP_THINGS);
  if (has(cue.MENU) && !products() && !aboutShop) return { intent: 'menu' };
  if (has(cue.CHECKOUT) && !products()) return { intent: 'checkout' };
  if (has(cue.PRICE)) {
    const found = productOf(index, residue(c, cue.PRICE_WORDS));
    if (found.sku || found.candidates) return { intent: 'price', sku: found.sku, candidates: found.candidates };
    if (aboutShop) return { intent: 'question', topic: 'other' };
    if (found.unknown) return notFound(index, residue(c, cue.PRICE_WORDS));
    return { intent: 'price' };
  }
  if (has(cue.STOCK)) {
    // "ชาเขียวมีไหมคะ 2 ถุง": asks and orders at once; the order wins.
    const hasNumber = tokens(said.flat).some((t) => numberOf(t.lower) !== undefined);
    const counted = hasNumber ? parseItems(said.text, index).filter((l) => l.match.kind === 'one' && l.explicitQty && l.counted) : [];
    if (counted.length > 0) return order(index, counted, false)!;
    const rest = residue(c, cue.STOCK_WORDS);
    const found = productOf(index, rest);
    if (found.sku || found.candidates) return { intent: 'stock', sku: found.sku, candidates: found.candidates };
    if (found.unknown && !aboutShop) return notFound(index, rest);
    return { intent: 'question', topic: 'other' };
  }
  if (has(cue.MENU) || has(cue.LOOK)) {
    const search = residue(c, cue.MENU_WORDS);
    const found = productOf(index, search);
    if (!search || found.sku || found.candidates) return { intent: 'menu', search: search || undefined };
  }
  if (/^(?:ยืนยัน|confirm)/.test(c) && !products()) return { intent: 'confirm' };
  if (has(cue.BACK)) return { intent: 'back' };
  if (has(cue.HELP) || cue.HELP.test(said.flat.trim())) return { intent: 'help' };

  const lines = parseItems(said.text, index);
  const asOrder = order(index, lines, step === 'address');
  if (asOrder) return asOrder;
  if (has(cue.QUESTION) || said.flat.includes('?')) return { intent: 'question', topic: 'other' };
  if (step === 'address') return { intent: 'address', ...parseAddress(input) };
  if (has(cue.THANKS) || has(cue.PRAISE)) return { intent: 'smalltalk' };
  if (aboutShop) return { intent: 'question', topic: 'other' };
  if (step === 'browse' && lines.length === 1 && looksLikeAName(c)) return notFound(index, lines[0]!.query);
  // A quantity with nothing to count ("ขอ 3 ชิ้น"): not chatter, but nothing the shop can act on alone.
  if (tokens(said.flat).some((t) => numberOf(t.lower) !== undefined)) return { intent: 'unknown' };
  return { intent: 'smalltalk' };
}

const skuPatterns = new WeakMap<CatalogIndex, RegExp | null>();

/** The text with every SKU of the catalog taken out, however it is spaced or dashed ("qr-1", "qr 1", "qr1"). */
function withoutSkus(text: string, index: CatalogIndex): string {
  let pattern = skuPatterns.get(index);
  if (pattern === undefined) {
    const codes = [...index.bySku.keys()].filter((k) => /[a-z]/.test(k)).sort((a, b) => b.length - a.length);
    const spelled = codes.map((k) => [...k].map((ch) => ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\-_.]?'));
    pattern = spelled.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${spelled.join('|')})(?![\\p{L}\\p{N}])`, 'giu') : null;
    skuPatterns.set(index, pattern);
  }
  return pattern ? text.replace(pattern, ' ').replace(/\s+/g, ' ').trim() : text;
}

const LEADING = /^(?:(?:ขอ|เอา|จะ|อยาก|ช่วย|ok|okay|โอเค|ได้|งั้น|แล้ว|ก็|เดี๋ยว|so|then|please)\s*)+/;

const tonelessCache = new WeakMap<RegExp, RegExp>();
function toneless(re: RegExp): RegExp {
  let out = tonelessCache.get(re);
  if (!out) tonelessCache.set(re, (out = new RegExp(withoutTones(re.source), re.flags)));
  return out;
}

function notFound(index: CatalogIndex, query: string): Interpretation {
  return { intent: 'not_found', query, suggestions: suggest(index, query) };
}

/** A short phrase without verbs of chat: most likely the name of something the customer wants. */
function looksLikeAName(core: string): boolean {
  const words = tokens(core);
  return words.length > 0 && words.length <= 4 && !/[?!]/.test(core);
}

