/**
 * Reading what customers type, in Thai or English: commands, order lines and delivery details.
 * Pure functions; the engine decides what they mean against the catalog.
 */
import { normalizeThaiPhone } from '#src/lib/phone.ts';
import { parseOrderNumber } from '#src/modules/orders/order-number.ts';

/** NFC, sara am written as nikhahit + sara aa (as OCR and some keyboards do) made one character, spaces collapsed. */
export function normalizeText(s: string): string {
  return s
    .normalize('NFC')
    .replace(/\u0E4D\u0E32/g, '\u0E33')
    .replace(/[\u200B-\u200D\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A key for matching names: lower case, no spaces or punctuation, no Thai tone marks (customers often
 * leave them out or type another), so "กาแฟ ดอยช้าง" and "กาแฟดอยชาง" meet.
 */
export function matchKey(s: string): string {
  return normalizeText(s)
    .toLowerCase()
    .replace(/[\u0E47-\u0E4C]/g, '')
    .replace(/[\s\-_.,/()'"`*+#:;!?]/g, '');
}

export type Command =
  | { kind: 'greeting' }
  | { kind: 'help' }
  | { kind: 'menu'; categoryId?: number | undefined; page: number; search?: string | undefined }
  | { kind: 'cart' }
  | { kind: 'clear_cart' }
  | { kind: 'remove'; query: string }
  | { kind: 'checkout' }
  | { kind: 'use_saved_address' }
  | { kind: 'confirm' }
  | { kind: 'back' }
  | { kind: 'status' }
  | { kind: 'reorder' }
  | { kind: 'cancel'; number?: string | undefined }
  | { kind: 'lang'; lang: 'th' | 'en' }
  | { kind: 'stop' }
  | { kind: 'start' }
  | { kind: 'return'; action: 'start'; number?: string | undefined }
  | { kind: 'return'; action: 'pick'; item: number }
  | { kind: 'return'; action: 'reason'; reason: ReturnReason }
  | { kind: 'return'; action: 'done' | 'send' | 'cancel' };

export type ReturnReason = 'damaged' | 'wrong_item' | 'not_as_described' | 'changed_mind' | 'other';

const words = (...list: string[]) => new Set(list.map((w) => w.toLowerCase()));

const simple: [Set<string>, Command][] = [
  [words('hi', 'hello', 'hey', 'สวัสดี', 'สวัสดีครับ', 'สวัสดีค่ะ', 'หวัดดี', '/start'), { kind: 'greeting' }],
  [words('help', '?', 'ช่วยเหลือ', 'วิธีสั่ง', 'วิธีใช้', '/help'), { kind: 'help' }],
  [words('cart', 'basket', 'my cart', 'ตะกร้า', 'ดูตะกร้า', 'ตะกร้าสินค้า', '/cart'), { kind: 'cart' }],
  [words('clear cart', 'empty cart', 'clear', 'ล้างตะกร้า', 'ลบทั้งหมด'), { kind: 'clear_cart' }],
  [words('checkout', 'check out', 'order', 'สั่งซื้อ', 'ชำระเงิน', 'สั่งเลย', '/checkout'), { kind: 'checkout' }],
  [words('use saved address', 'same address', 'ใช้ที่อยู่เดิม', 'ที่อยู่เดิม'), { kind: 'use_saved_address' }],
  [words('confirm', 'yes', 'ok', 'ยืนยัน', 'ตกลง', 'ใช่', 'ยืนยันคำสั่งซื้อ'), { kind: 'confirm' }],
  [words('back', 'edit', 'change', 'แก้ไข', 'ย้อนกลับ', 'กลับ'), { kind: 'back' }],
  [words('status', 'my orders', 'orders', 'สถานะ', 'ติดตาม', 'คำสั่งซื้อของฉัน', '/status'), { kind: 'status' }],
  [words('reorder', 'again', 'order again', 'สั่งซ้ำ', 'สั่งอีก', 'สั่งเหมือนเดิม', '/reorder'), { kind: 'reorder' }],
  [words('stop', 'unsubscribe', 'หยุด', 'ยกเลิกการแจ้งเตือน', '/stop'), { kind: 'stop' }],
  [words('start', 'subscribe', 'เริ่ม', 'รับการแจ้งเตือน'), { kind: 'start' }],
];

/** A command, or null when the text is something else (order lines, an address, chatter). */
export function parseCommand(input: string): Command | null {
  const text = normalizeText(input);
  const lower = text.toLowerCase();
  for (const [set, command] of simple) if (set.has(lower)) return command;

  const menu = /^(?:menu|เมนู|สินค้า|catalog|\/menu)(?:\s+c(\d{1,9}))?(?:\s+p(\d{1,6}))?(?:\s+(.+))?$/i.exec(text);
  if (menu) {
    return {
      kind: 'menu',
      categoryId: menu[1] ? Number(menu[1]) : undefined,
      page: menu[2] ? Math.max(1, Number(menu[2])) : 1,
      search: menu[3]?.trim() || undefined,
    };
  }
  const lang = /^(?:lang|language|ภาษา)\s+(th|en|thai|english|ไทย|อังกฤษ)$/i.exec(text);
  if (lang) return { kind: 'lang', lang: /^(en|english|อังกฤษ)$/i.test(lang[1]!) ? 'en' : 'th' };

  const ret = parseReturnCommand(text);
  if (ret) return ret;
  const cancel = /^(?:cancel|ยกเลิก)(?:\s+(?:order|คำสั่งซื้อ|ออเดอร์))?(?:\s+(.+))?$/i.exec(text);
  if (cancel) return { kind: 'cancel', number: (cancel[1] && parseOrderNumber(cancel[1])) || undefined };
  const remove = /^(?:remove|delete|ลบ|เอาออก)\s+(.+)$/i.exec(text);
  if (remove) return { kind: 'remove', query: remove[1]!.trim() };
  return null;
}

const returnReasonWords: [RegExp, ReturnReason][] = [
  [/^(?:damaged|broken|เสียหาย|สินค้าเสียหาย|ชำรุด|แตก)$/i, 'damaged'],
  [/^(?:wrong(?:[ _]item)?|ผิดรายการ|ได้รับผิดรายการ|ส่งผิด)$/i, 'wrong_item'],
  [/^(?:not[ _]as[ _]described|ไม่ตรงปก|ไม่ตรงตามที่แจ้ง|ไม่ตรงตามรูป)$/i, 'not_as_described'],
  [/^(?:changed[ _]mind|changed my mind|เปลี่ยนใจ)$/i, 'changed_mind'],
  [/^(?:other|อื่น ?ๆ|อื่นๆ|อื่น)$/i, 'other'],
];

/**
 * Returns in chat: "return TL-10001" / "คืนสินค้า TL-10001" starts one (alone: which order?), then
 * "return item 2" / "คืนรายการ 2" picks a line, "return reason damaged" / "เหตุผล เสียหาย" gives why,
 * "done" / "เลือกเสร็จแล้ว" ends the picking, "send" / "ส่งคำขอคืน" sends, "cancel return" / "ยกเลิกการคืน" stops.
 */
function parseReturnCommand(text: string): Command | null {
  const lower = text.toLowerCase();
  if (/^(?:cancel return|stop return|ยกเลิกการคืน(?:สินค้า)?|ยกเลิกคืนสินค้า)$/.test(lower)) return { kind: 'return', action: 'cancel' };
  if (/^(?:done|finished|return done|เลือกเสร็จแล้ว|เสร็จแล้ว|เสร็จ|ครบแล้ว)$/.test(lower)) return { kind: 'return', action: 'done' };
  if (/^(?:send|send request|send return|ส่งคำขอ|ส่งคำขอคืน|ส่งคำขอคืนสินค้า)$/.test(lower)) return { kind: 'return', action: 'send' };
  const pick = /^(?:return item|คืนรายการ(?:ที่)?)\s*(\d{1,3})$/i.exec(text);
  if (pick) return { kind: 'return', action: 'pick', item: Number(pick[1]) };
  const reason = /^(?:return reason|reason|เหตุผล)\s+(.+)$/i.exec(text);
  if (reason) {
    const found = returnReasonWords.find(([re]) => re.test(reason[1]!.trim()));
    if (found) return { kind: 'return', action: 'reason', reason: found[1] };
  }
  const start = /^(?:return|returns|\/return|คืนสินค้า|คืนของ|ขอคืนสินค้า|ขอคืน)(?:\s+(?:order|คำสั่งซื้อ|ออเดอร์))?(?:\s+(.+))?$/i.exec(text);
  if (start) {
    const number = start[1] ? parseOrderNumber(start[1]) : null;
    // "return policy" or "คืนสินค้ายังไง" is a question, not an order number: not a command.
    if (start[1] && !number) return null;
    return { kind: 'return', action: 'start', number: number ?? undefined };
  }
  return null;
}

export interface ItemRequest {
  query: string;
  qty: number;
  /** The customer wrote a quantity; without one, a line only counts as an order when it names a product. */
  explicitQty: boolean;
}

const UNITS =
  '(?:ชิ้น|อัน|ถุง|แพ็ค|แพค|ขวด|กล่อง|ห่อ|ซอง|ตัว|คู่|ใบ|กระปุก|กระป๋อง|แก้ว|ลัง|โหล|เซ็ต|ชุด|kg|pcs?|packs?|bags?|bottles?|boxes|box|sets?|units?)';
const QTY_SUFFIX = new RegExp(`^(.+?)\\s*[x×X*]\\s*(\\d{1,4})\\s*${UNITS}?$`, 'u');
const QTY_SPACE = new RegExp(`^(.+?)\\s+(\\d{1,4})\\s*${UNITS}?$`, 'u');
const QTY_PREFIX = new RegExp(`^(\\d{1,4})\\s*(?:[x×X*]\\s*|${UNITS}\\s+)(.+)$`, 'u');

/**
 * Order lines: "<SKU or name> x2", "<name> 2", "<name> *2", "2 x <name>", "<name> 2 ถุง", one per line
 * or separated by commas. A line without a quantity means one. Returns null when a line is empty.
 */
export function parseItemLines(input: string): ItemRequest[] | null {
  const segments = input
    .split(/[\n,;،]+/)
    .map((s) => normalizeText(s).replace(/^[-•*·]\s*/, ''))
    .filter((s) => s.length > 0);
  if (segments.length === 0) return null;
  return segments.map((segment) => {
    for (const [re, nameAt, qtyAt] of [
      [QTY_SUFFIX, 1, 2],
      [QTY_PREFIX, 2, 1],
      [QTY_SPACE, 1, 2],
    ] as const) {
      const m = re.exec(segment);
      if (m) return { query: m[nameAt]!.trim(), qty: Number(m[qtyAt]), explicitQty: true };
    }
    return { query: segment, qty: 1, explicitQty: false };
  });
}

export interface DeliveryDetails {
  name: string;
  phone: string;
  address: string;
  postcode?: string | undefined;
}

export type DeliveryParse = { ok: true; details: DeliveryDetails } | { ok: false; missing: ('name' | 'phone' | 'address')[] };

const PHONE_IN_TEXT = /(?:\+?66|0)[\s-]?\d(?:[\s-]?\d){7,8}/;

/**
 * Delivery details in one message: name, phone and address, one per line (or comma-separated on one
 * line). The phone may stand on any line, alone or after "โทร"/"tel"; the rest is name then address.
 */
export function parseDeliveryDetails(input: string): DeliveryParse {
  let lines = input
    .split('\n')
    .map((l) => normalizeText(l))
    .filter(Boolean);
  if (lines.length === 1) lines = lines[0]!.split(/\s*,\s*/).filter(Boolean);

  let phone: string | undefined;
  const rest: string[] = [];
  for (const line of lines) {
    const m = phone ? null : PHONE_IN_TEXT.exec(line);
    const normalized = m ? normalizeThaiPhone(m[0]) : null;
    if (m && normalized) {
      phone = normalized;
      const leftover = line
        .replace(m[0], '')
        .replace(/^(?:โทร\.?|tel\.?|phone|เบอร์(?:โทร)?|มือถือ)\s*:?\s*/i, '')
        .replace(/\s*(?:โทร\.?|tel\.?|phone|เบอร์(?:โทร)?)\s*:?\s*$/i, '')
        .trim();
      if (leftover) rest.push(leftover);
    } else {
      rest.push(line.replace(/^(?:ชื่อ|name|ที่อยู่|address)\s*:?\s*/i, ''));
    }
  }
  const name = rest[0]?.trim() ?? '';
  const address = rest.slice(1).join(' ').trim();
  const missing: ('name' | 'phone' | 'address')[] = [];
  if (name.length < 2) missing.push('name');
  if (!phone) missing.push('phone');
  if (address.length < 10) missing.push('address');
  if (missing.length > 0 || !phone) return { ok: false, missing };
  const postcode = /(?:^|\D)(\d{5})(?:\D|$)/.exec(address)?.[1];
  return { ok: true, details: { name, phone, address, postcode } };
}
