import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutesOf } from '#admin/admin.plugin.ts';
import { withTransaction } from '#src/db/client.ts';
import { ensureChatIdentity } from '#src/modules/customers/index.ts';
import { findWarehouseByCode } from '#src/modules/inventory/index.ts';
import { linesOf } from '#src/modules/orders/index.ts';
import { placeOrder } from '#src/workflows/orders/place-order.ts';
import { transitionOrder } from '#src/workflows/orders/transition-order.ts';
import { requestReturn } from '#src/workflows/returns/request-return.ts';
import { importOne } from '#src/workflows/imports/marketplace-import.ts';
import { enterOrder } from '#src/workflows/orders/enter-order.ts';
import { editOrder } from '#src/workflows/orders/edit-order.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeProduct, orderInput } from '../helpers/factories.ts';
import { decodeEntities, makeApiOrder, makeUser, signIn, type AdminClient } from '../helpers/admin.ts';

/**
 * Every back-office page, read in Thai by the shop's people with a shop's worth of data, says nothing in
 * raw codes or English system phrases; read in English, no Thai system text. Names people typed are
 * Thai in this shop, so English text on a Thai page can only come from the system.
 */

let t: TestApp;
let thai: AdminClient;
let english: AdminClient;

const api = (app: TestApp['app'], method: 'POST' | 'GET', url: string, payload?: unknown) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${app.deps.config.apiToken}` }, payload: payload as Record<string, unknown> });

beforeAll(async () => {
  t = await buildTestApp({ SHOP_NAME: 'ร้านตลาดดี' });
  const db = t.database.db;
  const owner = await makeUser(db, 'owner', { language: 'th', name: 'สมชาย ใจดี' });
  thai = await signIn(t.app, owner.email);
  english = await signIn(t.app, (await makeUser(db, 'admin', { language: 'en', name: 'มาลี ศรีสุข' })).email);
  const staffA = await signIn(t.app, (await makeUser(db, 'staff', { language: 'th', name: 'วิชัย คลังดี' })).email);
  const staffB = await signIn(t.app, (await makeUser(db, 'staff', { language: 'th', name: 'ปราณี แพ็คเก่ง' })).email);

  await makeProduct(db, { sku: 'CRAWL-COFFEE', nameTh: 'กาแฟคั่วกลาง', nameEn: 'Medium roast coffee', price: 25_000, stock: { MAIN: 80 } });
  await makeProduct(db, { sku: 'CRAWL-TEA', nameTh: 'ชาไทยใบ', nameEn: 'Thai tea leaves', price: 12_000, stock: { MAIN: 60, SUB: 10 } });
  const main = (await findWarehouseByCode(db, 'MAIN'))!;
  const sub = (await findWarehouseByCode(db, 'SUB'))!;

  // Stock moves by two people.
  await staffA.post('/admin/stock/receive', { code: 'CRAWL-COFFEE', warehouse: String(main.id), qty: '12', note: 'ล็อตใหม่จากโรงคั่ว' });
  await staffB.post('/admin/stock/transfer', { code: 'CRAWL-TEA', from: String(main.id), to: String(sub.id), qty: '5', note: 'เติมสาขา' });
  await staffB.post('/admin/stock/damage', { code: 'CRAWL-TEA', warehouse: String(main.id), qty: '1', note: 'ถุงขาด' });

  // Orders in every status, from several channels.
  const people = [
    { name: 'สมหญิง รักดี', phone: '081-234-5678' },
    { name: 'ประยุทธ มั่นคง', phone: '089-111-2222' },
    { name: 'กาญจนา สุขใจ', phone: '062-333-4444' },
  ];
  for (const [i, status] of (['pending_payment', 'payment_review', 'paid', 'confirmed', 'packed'] as const).entries()) {
    await makeApiOrder(t.app, i % 2 ? 'CRAWL-TEA' : 'CRAWL-COFFEE', { status, customer: people[i % people.length]!, qty: 1 + i });
  }
  const shipped = await makeApiOrder(t.app, 'CRAWL-COFFEE', { status: 'packed', customer: people[0]! });
  await api(t.app, 'POST', `/api/v1/orders/${shipped}/shipments`, { carrier: 'kerry', trackingNumber: 'KEX123456789' });
  const done = await makeApiOrder(t.app, 'CRAWL-TEA', { status: 'packed', customer: people[1]! });
  await api(t.app, 'POST', `/api/v1/orders/${done}/shipments`, { carrier: 'thaipost', trackingNumber: 'EF123456789TH' });
  for (const to of ['delivered', 'completed']) await api(t.app, 'POST', `/api/v1/orders/${done}/transitions`, { to });
  const cancelled = await makeApiOrder(t.app, 'CRAWL-COFFEE', { status: 'paid', customer: people[2]! });
  await api(t.app, 'POST', `/api/v1/orders/${cancelled}/transitions`, { to: 'cancelled', note: 'ลูกค้าเปลี่ยนใจ' });
  const cod = await makeApiOrder(t.app, 'CRAWL-TEA', { paymentMethod: 'cod', customer: people[0]! });
  await api(t.app, 'POST', `/api/v1/orders/${cod}/transitions`, { to: 'confirmed' });

  // Chat customers (LINE, Telegram, web chat) and a marketplace order, with a LINE return refunded.
  for (const channel of ['line', 'telegram', 'webchat', 'shopee'] as const) {
    const { customer } = await withTransaction(db, (tx) =>
      ensureChatIdentity(tx, { channel: channel === 'shopee' ? 'line' : channel, externalId: `crawl-${channel}`, displayName: `คุณ${channel === 'line' ? 'ลาย' : 'ทอง'}`, language: 'en' }),
    );
    const { order } = await placeOrder(db, { ...orderInput(customer, [{ sku: 'CRAWL-COFFEE', qty: 2 }]), channel });
    if (channel !== 'line') continue;
    for (const to of ['paid', 'confirmed', 'shipped', 'delivered'] as const) await transitionOrder(db, { number: order.number, to, actor: `admin:${owner.email}`, notify: false, billing: t.config.shop });
    const [line] = await linesOf(db, order.id);
    const { request } = await withTransaction(db, (tx) =>
      requestReturn(tx, {
        orderNumber: order.number,
        customerId: customer.id,
        lines: [{ orderLineId: line!.id, qty: 1 }],
        reason: 'ของเสียหาย',
        photos: [],
        actor: 'customer:line',
        now: new Date(),
        config: t.config,
      }),
    );
    await staffA.post(`/admin/returns/${request.id}/approve`, { note: 'ส่งกลับทางไปรษณีย์ได้เลย' });
    await staffA.post(`/admin/returns/${request.id}/receive`, { [`choice_${(await returnLineId(request.id))}`]: 'sellable', [`warehouse_${await returnLineId(request.id)}`]: String(main.id) });
    await staffA.post(`/admin/returns/${request.id}/refund`, { amount: '250', method: 'promptpay', reference: 'PP-778' });
  }

  // A Shopee order imported from its export (cash on delivery through Shopee), an order typed in by
  // staff, and a slip approved for part of the total: each writes its events, none an English note.
  const imported = await importOne(
    db,
    'shopee',
    {
      externalId: '2503150T8KQ3WB',
      lines: [{ line: 2, externalSku: 'CRAWL-TEA', productName: 'ชาไทยใบ', qty: 2, unitPrice: 12_000 }],
      status: 'ที่ต้องจัดส่ง',
      createdAt: '2025-03-15 19:42',
      buyerName: 'somying.r',
      recipientName: 'สมหญิง รักดี',
      phone: '0812345678',
      address: '12 ถนนสุขุมวิท กรุงเทพฯ',
      postcode: '10110',
      paymentMethod: 'ชำระเงินปลายทาง',
      trackingNumber: 'SPXTH038842215503',
      shippingFee: 3_500,
      total: 27_500,
    },
    { actor: `admin:${owner.email}`, currency: 'THB', billing: t.config.shop },
  );
  expect(imported[0]!.status).toBe('created');
  await enterOrder(db, {
    formToken: 'crawl-entry-1',
    customer: { name: 'กาญจนา สุขใจ', phone: '0623334444' },
    source: 'facebook',
    lines: [{ sku: 'CRAWL-COFFEE', qty: 1 }],
    pickup: false,
    shippingAddress: { name: 'กาญจนา สุขใจ', phone: '0623334444', address: '99 ถนนสุขุมวิท กรุงเทพฯ', postcode: '10110' },
    paymentMethod: 'transfer',
    shippingFee: 0,
    discount: 0,
    note: 'ลูกค้าทักมาทางเพจ',
    paidNow: false,
    sendPaymentDetails: false,
    actor: `admin:${owner.email}`,
    currency: 'THB',
    locale: 'th',
    billing: t.config.shop,
  });
  // A paid order edited down: an edit event, a refund owed, a credit note.
  const edited = await makeApiOrder(t.app, 'CRAWL-COFFEE', { status: 'paid', customer: people[2]!, qty: 3 });
  await editOrder(db, {
    number: edited,
    lines: [{ sku: 'CRAWL-COFFEE', qty: 1 }],
    shippingFee: 0,
    discount: 0,
    shippingAddress: { name: 'กาญจนา สุขใจ', phone: '0623334444', address: '99 ถนนสุขุมวิท กรุงเทพฯ', postcode: '10110' },
    reason: 'ลูกค้าขอลดจำนวน',
    actor: `admin:${owner.email}`,
    timeZone: t.config.shop.timeZone,
  });
  const review = await makeApiOrder(t.app, 'CRAWL-TEA', { status: 'payment_review', customer: people[1]! });
  expect((await thai.post(`/admin/orders/${review}/status`, { to: 'paid', received: '50', note: 'ลูกค้าโอนมาบางส่วน' })).statusCode).toBe(303);
});
afterAll(() => t?.close());

async function returnLineId(returnId: number): Promise<number> {
  const { rows } = await t.database.db.execute<{ id: number }>(
    (await import('drizzle-orm')).sql`select id from return_lines where return_id = ${returnId} order by id limit 1`,
  );
  return rows[0]!.id;
}

/**
 * What a person sees: the text of the page without scripts, styles, tags or attribute values, and
 * without what is marked as in another language (a customer's message in theirs).
 */
function visibleText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(td|p|span|div|q)\b[^>]*\blang="[a-z]+"[^>]*>[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<script[\s\S]*?<\/script>/gi, ' ')
      .replace(/<style[\s\S]*?<\/style>/gi, ' ')
      .replace(/<(textarea|select)[^>]*>[\s\S]*?<\/\1>/gi, (m) => (m.startsWith('<select') ? m.replace(/<option[^>]*>([\s\S]*?)<\/option>/g, ' $1 ') : ' '))
      .replace(/<[^>]+>/g, ' '),
  ).replace(/\s+/g, ' ');
}

/** Every page the back office links to, from the pages of its menu, once each (no CSV, no sign-out, no event stream). */
async function crawl(client: AdminClient, limit = 260): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const start = adminRoutesOf(t.app)
    .filter((r) => r.method === 'GET' && !r.url.includes(':') && !r.url.endsWith('.csv') && !r.url.includes('/events') && !r.url.includes('/assets'))
    .map((r) => r.url);
  const queue = [...new Set(start)];
  const byShape = new Map<string, number>();
  while (queue.length && seen.size < limit) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    // Every order, and a few of each other kind of page, is enough: the same template with other rows says the same words.
    const shape = url.replace(/\?.*$/, '').replace(/\/[A-Z]{2}-?\d+|\/\d+/g, '/:id');
    if ((byShape.get(shape) ?? 0) >= (shape === '/admin/orders/:id' ? 20 : 4)) continue;
    byShape.set(shape, (byShape.get(shape) ?? 0) + 1);
    const res = await client.get(url);
    if (res.statusCode !== 200 || !String(res.headers['content-type'] ?? '').includes('text/html')) continue;
    seen.set(url, res.body);
    for (const m of res.body.matchAll(/href="(\/admin[^"#]*)"/g)) {
      const link = decodeEntities(m[1]!);
      if (/\.csv|\/logout|\/events|\/assets|\/slip(\?|$)|\/photos\/|\.(png|jpe?g|pdf)/.test(link) || link.includes('format=pdf')) continue;
      if (!seen.has(link)) queue.push(link);
    }
  }
  return seen;
}

// Internal codes and event kinds that must never reach a person, and the English the system used to write.
const codes = [
  'pending_payment', 'payment_review', 'transfer_out', 'transfer_in', 'too_early', 'duplicate_ref', 'amount_mismatch', 'write_off',
  'order.placed', 'slip.toCheck', 'slip.verified', 'return.received', 'return.refund', 'refund.paid', 'order.merged', 'shipped.parcel',
  'order.imported', 'order.codOnMarketplace', 'slip.approvedPart', 'order.entered',
  'admin:', 'customer:', 'system:', 'api:', '[object Object]', 'undefined', 'NaN',
];
const englishPhrases = [
  'order placed', 'slip to check', 'paid on ', 'marked paid', 'written off', 'opening stock', 'refund owed', 'received:', 'verified', 'by transfer',
  'entered by staff', 'message to customer', 'not paid within', 'merged into', 'Please ', 'Save', 'Cancel', 'Search', 'Orders',
  'source: ', 'slip approved', 'COD through', 'buyer somying', 'tracking SPX', 'placed 2025', 'order edited', '): total ', 'still to pay',
  'overpayment', 'order cancelled', ' · due · ', ' · paid · ',
];

function problemsOf(text: string, forbidden: readonly string[]): string[] {
  const found = forbidden.filter((w) => text.includes(w));
  const iso = /\b\d{4}-\d{2}-\d{2}\b/.exec(text);
  if (iso) found.push(`ISO date ${iso[0]}`);
  return found;
}

describe('the back office in Thai', () => {
  it('shows no raw code, no English system phrase and no ISO date on any page', async () => {
    const pages = await crawl(thai);
    expect(pages.size).toBeGreaterThan(40);
    const problems: string[] = [];
    for (const [url, html] of pages) {
      const found = problemsOf(visibleText(html), [...codes, ...englishPhrases]);
      if (found.length) problems.push(`${url}: ${found.join(', ')}`);
    }
    expect(problems).toEqual([]);
    // The crawl read what it should: the timeline's events and actors as people, in Thai.
    const all = [...pages.values()].map(visibleText).join('\n');
    for (const said of ['แก้ไขคำสั่งซื้อ ครั้งที่ 1: ยอดรวม ฿750.00 → ฿250.00 · ต้องคืนเงิน ฿500.00', 'รอคืนเงิน', 'พนักงานบันทึกคำสั่งซื้อ (ลูกค้าสั่งทางFacebook)', 'ลูกค้าทักมาทางเพจ', 'นำเข้าจาก Shopee คำสั่งซื้อ 2503150T8KQ3WB', 'เก็บเงินปลายทางผ่าน Shopee', 'อนุมัติสลิป: ได้รับ ฿50.00', 'สั่งซื้อ (LINE)', 'ลูกค้า (LINE)', 'เจ้าของร้าน สมชาย ใจดี', 'พนักงาน วิชัย คลังดี', 'พนักงาน ปราณี แพ็คเก่ง', 'อนุมัติการคืน R-', 'ได้รับของคืน R-', 'ขอคืนสินค้า R-', 'ส่งกับ ']) {
      expect(all, said).toContain(said);
    }
  });
});

describe('the back office in English', () => {
  it('shows Thai only where people typed it: names, addresses, notes, product names', async () => {
    const pages = await crawl(english);
    expect(pages.size).toBeGreaterThan(40);
    // Labels, receipts and credit/debit notes are printed in both languages on purpose (carriers, Thai tax documents).
    for (const url of pages.keys()) if (/^\/admin\/print\/(labels|invoices|notes)/.test(url)) pages.delete(url);
    // What people typed in this shop (all Thai) is removed; any Thai left is the system's.
    const typed = /สมหญิง|รักดี|ประยุทธ|มั่นคง|กาญจนา|สุขใจ|สมชาย|ใจดี|มาลี|ศรีสุข|วิชัย|คลังดี|ปราณี|แพ็คเก่ง|คุณลาย|คุณทอง|กาแฟคั่วกลาง|ชาไทยใบ|ร้านตลาดดี|ลูกค้าเปลี่ยนใจ|ของเสียหาย|ส่งกลับทางไปรษณีย์ได้เลย|ล็อตใหม่จากโรงคั่ว|เติมสาขา|ลูกค้าทักมาทางเพจ|ลูกค้าโอนมาบางส่วน|ลูกค้าขอลดจำนวน|ถุงขาด|ซอยอารีย์|พหลโยธิน|ถนนสุขุมวิท|กรุงเทพฯ|คลังหลัก|คลังสำรอง|ภาษาไทย|ลูกค้า(?= ?\d)/g;
    const problems: string[] = [];
    for (const [url, html] of pages) {
      const text = visibleText(html).replace(typed, '');
      const thaiLeft = text.match(/[\u0E00-\u0E7F][\u0E00-\u0E7F\s.]*/g);
      const found = problemsOf(text, codes);
      if (thaiLeft) found.push(`Thai: ${[...new Set(thaiLeft)].slice(0, 5).join(' | ')}`);
      if (found.length) problems.push(`${url}: ${found.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });
});
