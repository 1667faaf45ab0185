import { describe, expect, it } from 'vitest';
import { noticeOf, payloadOf, type Notice } from '#src/modules/notify/index.ts';
import { renderNotice } from '#templates/messages/index.ts';

const order = { orderNumber: 'TL-10001', total: 32_000, currency: 'THB' };

/** One of every kind, as workflows queue them. */
const every: Notice[] = [
  { kind: 'order.paid', ...order },
  { kind: 'order.confirmed', ...order },
  { kind: 'order.shipped', ...order, carrier: 'Kerry Express', trackingNumber: 'KEX0001', trackingUrl: 'https://th.kerryexpress.com/th/track/?track=KEX0001' },
  { kind: 'order.delivered', ...order },
  { kind: 'order.cancelled', ...order, note: 'out of stock' },
  { kind: 'order.expired', ...order },
  { kind: 'order.payment_reminder', ...order, promptPayId: '0812223333' },
  { kind: 'order.edited', ...order, revision: 1, due: 5_000, refund: 0 },
  { kind: 'order.merged', ...order, absorbed: 'TL-10002' },
  { kind: 'slip.rejected', ...order, note: 'wrong amount' },
  { kind: 'return.approved', returnNumber: 'R-1', orderNumber: 'TL-10001' },
  { kind: 'return.rejected', returnNumber: 'R-1', orderNumber: 'TL-10001', note: 'used' },
  { kind: 'return.refunded', returnNumber: 'R-1', amount: 10_000, currency: 'THB', later: false },
  { kind: 'return.exchanged', returnNumber: 'R-1', exchangeNumber: 'TL-10003', toPay: 2_000, refund: 0, currency: 'THB' },
  { kind: 'reminder.reorder', product: 'ข้าวหอมมะลิ', sku: 'RICE-5', qty: 2, days: 30 },
  { kind: 'chat.messages', messages: [{ type: 'text', text: 'สวัสดีค่ะ' }] },
  { kind: 'merchant.new_order', ...order, customer: 'สมหญิง', channel: 'line', lines: ['กาแฟ x2'] },
  { kind: 'merchant.slip_review', orderNumber: 'TL-10001', reasons: ['amount_mismatch'] },
  { kind: 'merchant.low_stock', items: [{ sku: 'COF-250', name: 'กาแฟ', available: 2, threshold: 5 }] },
  { kind: 'merchant.daily_summary', date: '2026-03-01', orders: 4, revenue: '฿1,200.00', toReview: 1, toConfirm: 2, toPack: 0, toShip: 1 },
  { kind: 'merchant.return_requested', returnNumber: 'R-1', orderNumber: 'TL-10001', customer: 'สมหญิง', reason: 'damaged', lines: ['กาแฟ x1'] },
];

describe('notices', () => {
  it('renders every kind in Thai and English, after a trip through the outbox payload', () => {
    for (const notice of every) {
      for (const locale of ['th', 'en'] as const) {
        const stored = noticeOf(JSON.parse(JSON.stringify(payloadOf(notice, locale))));
        expect(stored.locale).toBe(locale);
        const messages = renderNotice(stored.notice, locale);
        expect(messages.length, notice.kind).toBeGreaterThan(0);
        expect(JSON.stringify(messages), notice.kind).toBe(JSON.stringify(renderNotice(notice, locale)));
      }
    }
    expect(JSON.stringify(renderNotice(every[2]!, 'en'))).toContain('KEX0001');
    expect(JSON.stringify(renderNotice(every[14]!, 'th'))).toContain('RICE-5 x2');
  });

  it('keeps the outbox layout of rows queued before notices: {template, locale, params}, and {messages, locale} for written words', () => {
    expect(payloadOf({ kind: 'order.shipped', ...order, carrier: 'Flash Express', trackingNumber: 'TH01' }, 'th')).toEqual({
      template: 'order.shipped',
      locale: 'th',
      params: { ...order, carrier: 'Flash Express', trackingNumber: 'TH01' },
    });
    expect(payloadOf({ kind: 'chat.messages', messages: [{ type: 'text', text: 'สินค้าพร้อมส่งแล้ว' }] }, 'th')).toEqual({
      messages: [{ type: 'text', text: 'สินค้าพร้อมส่งแล้ว' }],
      locale: 'th',
    });
  });

  it('still sends rows queued before notices: written messages, and the slip rejection under its old name', () => {
    const ready = noticeOf({ messages: [{ type: 'text', text: 'สินค้าพร้อมส่งแล้ว' }], locale: 'th' });
    expect(renderNotice(ready.notice, ready.locale)).toEqual([{ type: 'text', text: 'สินค้าพร้อมส่งแล้ว' }]);
    const old = noticeOf({ template: 'order.slip_rejected', locale: 'en', params: { ...order, note: 'blurred photo' } });
    expect(old.notice.kind).toBe('slip.rejected');
    expect(JSON.stringify(renderNotice(old.notice, old.locale))).toContain('blurred photo');
  });

  it('refuses a kind it does not know, so the row shows up as failed instead of sending nothing', () => {
    const unknown = noticeOf({ template: 'order.teleported', locale: 'th', params: order });
    expect(() => renderNotice(unknown.notice, unknown.locale)).toThrow(/unknown notice order.teleported/);
  });
});
