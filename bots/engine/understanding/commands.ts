/**
 * The exact commands that buttons, quick replies and carousels send (and that people type):
 * "menu c3 p2", "lang en", "/start", "use saved address", "return item 2", "reason damaged" …
 * They are read first and as written, so no button ever means something else.
 */
import { parseOrderNumber } from '#src/modules/orders/order-number.ts';
import { isParticle, REQUEST_WORDS } from './lexicon.ts';
import { tokens } from './normalize.ts';
import type { Interpretation, ReturnReason, Step } from './types.ts';

const EXACT: [RegExp, Interpretation][] = [
  [/^\/start$/, { intent: 'greeting' }],
  [/^(?:\/help|help|\?|ช่วยเหลือ|วิธีสั่ง|วิธีใช้)$/, { intent: 'help' }],
  [/^(?:\/cart|cart|my cart|ตะกร้า|ดูตะกร้า|ตะกร้าสินค้า)$/, { intent: 'cart' }],
  [/^(?:clear cart|empty cart|clear|ล้างตะกร้า|ลบทั้งหมด)$/, { intent: 'clear_cart' }],
  [/^(?:\/checkout|checkout|check out|order|สั่งซื้อ)$/, { intent: 'checkout' }],
  [/^(?:use saved address|same address|ใช้ที่อยู่เดิม)$/, { intent: 'use_saved_address' }],
  [/^(?:\/status|status|orders|my orders|สถานะ|คำสั่งซื้อของฉัน)$/, { intent: 'status' }],
  [/^(?:\/reorder|reorder|again|order again|สั่งซ้ำ|สั่งอีก)$/, { intent: 'reorder' }],
  [/^(?:\/stop|unsubscribe)$/, { intent: 'stop_reminders' }],
  [/^(?:subscribe|รับการแจ้งเตือน)$/, { intent: 'start_reminders' }],
  [/^(?:\/bot|back to (?:the )?bot|คุยกับบอท|กลับมาคุยกับบอท)$/, { intent: 'resume_bot' }],
];

const RETURN_REASONS: [RegExp, ReturnReason][] = [
  [/^(?:damaged|broken|เสียหาย|สินค้าเสียหาย|ชำรุด|แตก)$/i, 'damaged'],
  [/^(?:wrong(?:[ _]item)?|ผิดรายการ|ได้รับผิดรายการ|ส่งผิด)$/i, 'wrong_item'],
  [/^(?:not[ _]as[ _]described|ไม่ตรงปก|ไม่ตรงตามที่แจ้ง|ไม่ตรงตามรูป)$/i, 'not_as_described'],
  [/^(?:changed[ _]mind|changed my mind|เปลี่ยนใจ)$/i, 'changed_mind'],
  [/^(?:other|อื่น ?ๆ|อื่น)$/i, 'other'],
];

function withoutFiller(s: string): string {
  const list = tokens(s).map((t) => t.lower);
  return list.filter((w, i) => !isParticle(list, i) && !REQUEST_WORDS.has(w)).join(' ');
}

/** A command as buttons send it, or null. `flat` is the normalised message in lower case on one line. */
export function commandOf(flat: string, step: Step): Interpretation | null {
  const text = flat.trim();
  for (const [re, meant] of EXACT) if (re.test(text)) return meant;

  const menu = /^(?:menu|เมนู|catalog|\/menu)(?:\s+c(\d{1,9}))?(?:\s+p(\d{1,6}))?(?:\s+(.+))?$/.exec(text);
  if (menu) {
    return {
      intent: 'menu',
      category: menu[1] ? Number(menu[1]) : undefined,
      page: menu[2] ? Math.max(1, Number(menu[2])) : undefined,
      search: menu[3] ? withoutFiller(menu[3]) || undefined : undefined,
    };
  }
  const lang = /^(?:lang|language|ภาษา)\s*(th|en|thai|english|ไทย|อังกฤษ)$/.exec(text);
  if (lang) return { intent: 'lang', lang: /^(?:en|english|อังกฤษ)$/.test(lang[1]!) ? 'en' : 'th' };

  if (/^(?:cancel return|stop return|ยกเลิกการคืน(?:สินค้า)?|ยกเลิกคืนสินค้า)$/.test(text)) return { intent: 'return', action: 'cancel' };
  const pick = /^(?:return item|คืนรายการ(?:ที่)?)\s*(\d{1,3})$/.exec(text);
  if (pick) return { intent: 'return', action: 'pick', item: Number(pick[1]) };
  const reason = /^(?:return reason|reason|เหตุผล)\s+(.+)$/.exec(text);
  const why = reason && RETURN_REASONS.find(([re]) => re.test(reason[1]!.trim()));
  if (why) return { intent: 'return', action: 'reason', reason: why[1] };
  const start = /^(?:return|returns|\/return|คืนสินค้า|คืนของ|ขอคืนสินค้า|ขอคืน)(?:\s+(?:order|คำสั่งซื้อ|ออเดอร์))?(?:\s+(.+))?$/.exec(text);
  if (start && (!start[1] || parseOrderNumber(start[1]))) {
    return { intent: 'return', action: 'start', order: start[1] ? parseOrderNumber(start[1])! : undefined };
  }
  if (step === 'return') {
    if (/^(?:done|finished|return done|เลือกเสร็จแล้ว|เสร็จแล้ว|เสร็จ|ครบแล้ว)$/.test(text)) return { intent: 'return', action: 'done' };
    if (/^(?:send|send request|send return|ส่งคำขอ|ส่งคำขอคืน|ส่งคำขอคืนสินค้า)$/.test(text)) return { intent: 'return', action: 'send' };
  }
  return null;
}

/** While a return is under way: a way out, or the customer's answer for the return flow to read. */
export function returnReply(text: string, core: string): Interpretation {
  if (/^(?:ยกเลิก|cancel|ไม่คืนแล้ว|stop)/.test(core)) return { intent: 'return', action: 'cancel' };
  return { intent: 'return', action: 'reply', text };
}
