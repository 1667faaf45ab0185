/**
 * Customers who talk to the shop the way people do in LINE: add items by text (SKU, Thai or English
 * name, several per message), look at the cart, check out, send delivery details, confirm — and what
 * each conversation must leave behind (the order's lines, the cart).
 */
import type { webhook } from '@line/bot-sdk';
import { lineTextEvent, lineUserId } from '#tests/fakes/line-api.ts';
import type { Random } from './common.ts';

export interface DrillProduct {
  sku: string;
  nameTh: string;
  nameEn: string;
  price: number;
}

export const DRILL_PRODUCTS: readonly DrillProduct[] = [
  { sku: 'DRL-COF', nameTh: 'กาแฟดริปคั่วเข้ม', nameEn: 'Dark roast drip coffee', price: 25_000 },
  { sku: 'DRL-TEA', nameTh: 'ชาเขียวมัทฉะ', nameEn: 'Matcha green tea', price: 18_000 },
  { sku: 'DRL-SNK', nameTh: 'ขนมเปี๊ยะไส้ถั่ว', nameEn: 'Mung bean pastry', price: 9_000 },
  { sku: 'DRL-SOAP', nameTh: 'สบู่สมุนไพรขมิ้น', nameEn: 'Turmeric herbal soap', price: 6_500 },
];

export type StepKind = 'add' | 'cart' | 'checkout' | 'details' | 'confirm';

export interface Step {
  kind: StepKind;
  text: string;
  adds?: { sku: string; qty: number }[];
}

export interface Customer {
  userId: string;
  steps: Step[];
  confirms: boolean;
  /** What the order must hold (SKU → qty) when the customer confirms. */
  expectedOrder: Map<string, number>;
  /** What must be left in the cart at the end. */
  expectedCart: Map<string, number>;
}

/** One add message: a single line in one of the forms customers use, or several lines / a comma list. */
function addText(random: Random, adds: { sku: string; qty: number }[], products: readonly DrillProduct[]): string {
  const line = ({ sku, qty }: { sku: string; qty: number }) => {
    const p = products.find((x) => x.sku === sku)!;
    switch (random.int(0, 4)) {
      case 0:
        return `${p.sku} x${qty}`;
      case 1:
        return `${p.nameTh} ${qty}`;
      case 2:
        return `${p.nameEn} *${qty}`;
      case 3:
        return `${qty} x ${p.sku.toLowerCase()}`;
      default:
        return `${p.nameTh} x${qty} ชิ้น`;
    }
  };
  return adds.map(line).join(random.chance(0.5) ? '\n' : ', ');
}

function randomAdds(random: Random, products: readonly DrillProduct[]): { sku: string; qty: number }[] {
  const count = random.chance(0.7) ? 1 : random.int(2, 3);
  const skus = random.shuffle(products.map((p) => p.sku)).slice(0, count);
  return skus.map((sku) => ({ sku, qty: random.int(1, 4) }));
}

const units = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

const bump = (m: Map<string, number>, adds: { sku: string; qty: number }[]) => {
  for (const a of adds) m.set(a.sku, (m.get(a.sku) ?? 0) + a.qty);
};

/**
 * A customer with `events` messages. Most confirm once (events >= 4): adds, checkout, details, confirm,
 * then a few more adds into a new cart; the others only fill a cart (and may stop at the summary).
 */
export function makeCustomer(random: Random, seed: string, events: number, products: readonly DrillProduct[] = DRILL_PRODUCTS, confirmShare = 0.7): Customer {
  const userId = lineUserId(seed);
  const thai = random.chance(0.6);
  const confirms = events >= 4 && random.chance(confirmShare);
  const steps: Step[] = [];
  const expectedOrder = new Map<string, number>();
  const expectedCart = new Map<string, number>();
  const add = (into: Map<string, number>) => {
    const adds = randomAdds(random, products);
    bump(into, adds);
    steps.push({ kind: 'add', text: addText(random, adds, products), adds });
  };
  const phone = `08${String(10_000_000 + random.int(0, 89_999_999)).slice(-8)}`;
  const details = thai
    ? `สมชาย ${seed}\n${phone.slice(0, 3)}-${phone.slice(3, 6)}-${phone.slice(6)}\n99/${random.int(1, 999)} ถนนสุขุมวิท แขวงคลองเตย กรุงเทพฯ 10110`
    : `Somchai ${seed}\n${phone}\n${random.int(1, 999)} Sukhumvit Road, Khlong Toei, Bangkok 10110`;

  if (confirms) {
    const after = random.int(0, Math.max(0, Math.floor((events - 4) / 3)));
    const before = events - 3 - after;
    for (let i = 0; i < before; i++) {
      // An order stays within the shop's default cap on a customer's unpaid units (20; Settings →
      // reminders): one add is at most 12 units, so past 8 a customer looks at the cart instead.
      if ((i > 0 && random.chance(0.15)) || units(expectedOrder) > 8) steps.push({ kind: 'cart', text: thai ? 'ตะกร้า' : 'cart' });
      else add(expectedOrder);
    }
    steps.push({ kind: 'checkout', text: thai ? 'สั่งซื้อ' : 'checkout' });
    steps.push({ kind: 'details', text: details });
    steps.push({ kind: 'confirm', text: thai ? 'ยืนยัน' : 'confirm' });
    for (let i = 0; i < after; i++) add(expectedCart);
  } else {
    const summary = events >= 4 && random.chance(0.5);
    const adds = summary ? events - 2 : events;
    for (let i = 0; i < adds; i++) add(expectedCart);
    if (summary) {
      steps.push({ kind: 'checkout', text: thai ? 'สั่งซื้อ' : 'checkout' });
      steps.push({ kind: 'details', text: details });
    }
  }
  return { userId, steps, confirms, expectedOrder, expectedCart };
}

/** The customer's messages as LINE webhook events, with ids and reply tokens of their own. */
export function eventsOf(customer: Customer, startTime = Date.now()): webhook.MessageEvent[] {
  return customer.steps.map((s, i) => lineTextEvent({ userId: customer.userId, text: s.text, timestamp: startTime + i }));
}

/** Spreads a list of customers' events out into one delivery order that keeps each customer's own order. */
export function interleave<T>(random: Random, perUser: T[][]): T[] {
  const queues = perUser.map((q) => [...q]);
  const out: T[] = [];
  let remaining = queues.reduce((n, q) => n + q.length, 0);
  while (remaining > 0) {
    // Weighted by what is left, so long conversations are spread over the whole run.
    let r = random.int(0, remaining - 1);
    const q = queues.find((x) => (r -= x.length) < 0)!;
    out.push(q.shift()!);
    remaining--;
  }
  return out;
}

/** "SKU → qty" for messages. */
export const describe = (m: Map<string, number>) =>
  [...m.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, q]) => `${s} x${q}`)
    .join(', ') || '(empty)';

export const sameLines = (a: Map<string, number>, b: Map<string, number>) => describe(a) === describe(b);
