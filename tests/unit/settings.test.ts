import { describe, expect, it } from 'vitest';
import {
  applySettings,
  carriersSchema,
  isThaiTaxId,
  localeSchema,
  paymentsSchema,
  profileSchema,
  remindersSchema,
  shippingSchema,
  trackingUrlSchema,
} from '#src/modules/settings/index.ts';
import { builtInCarriers, createCarrierRegistry } from '#src/modules/shipping/carriers/index.ts';
import { shippingFeeFor } from '#src/modules/shipping/fees.ts';
import { testConfig } from '../helpers/app.ts';

const envConfig = () =>
  testConfig({ SHOP_NAME: 'ร้านจาก env', PROMPTPAY_ID: '0812223333', SHIPPING_FLAT_FEE: '40', MERCHANT_TELEGRAM_CHAT_ID: '111', RETURN_WINDOW_DAYS: '7' });

describe('Thai tax id', () => {
  it('accepts ids whose 13th digit is the checksum and refuses others', () => {
    expect(isThaiTaxId('0105536112014')).toBe(true);
    expect(isThaiTaxId('1101700230708')).toBe(true);
    expect(isThaiTaxId('1101700230707')).toBe(false);
    expect(isThaiTaxId('110170023070')).toBe(false);
    expect(isThaiTaxId('11017002307081')).toBe(false);
    expect(profileSchema.safeParse({ name: 'ร้าน', taxId: '0105536112018' }).error?.issues[0]?.message).toBe('settings.error.taxId');
  });
});

describe('settings schemas', () => {
  it('want https tracking links with the {tracking} placeholder', () => {
    expect(trackingUrlSchema.safeParse('https://track.example.co.th/?n={tracking}').success).toBe(true);
    expect(trackingUrlSchema.safeParse('http://track.example.co.th/?n={tracking}').error?.issues[0]?.message).toBe('settings.error.https');
    expect(trackingUrlSchema.safeParse('https://track.example.co.th/').error?.issues[0]?.message).toBe('settings.error.placeholder');
    expect(trackingUrlSchema.safeParse('javascript:alert(1)//{tracking}').success).toBe(false);
  });

  it('want tiers going strictly up, fees never negative, and tiers for a tiered mode', () => {
    const ok = shippingSchema.safeParse({ mode: 'weight', flatFee: 0, weightTiers: [{ upToGrams: 1000, fee: 4000 }, { upToGrams: 5000, fee: 8000 }] });
    expect(ok.success).toBe(true);
    const unsorted = shippingSchema.safeParse({ mode: 'weight', flatFee: 0, weightTiers: [{ upToGrams: 5000, fee: 8000 }, { upToGrams: 1000, fee: 4000 }] });
    expect(unsorted.error?.issues[0]).toMatchObject({ path: ['weightTiers'], message: 'settings.error.tiersOrder' });
    const negative = shippingSchema.safeParse({ mode: 'flat', flatFee: -5000 });
    expect(negative.error?.issues[0]).toMatchObject({ path: ['flatFee'], message: 'settings.error.negative' });
    const none = shippingSchema.safeParse({ mode: 'count', flatFee: 0, countTiers: [] });
    expect(none.error?.issues[0]).toMatchObject({ path: ['countTiers'], message: 'settings.error.tiersNeeded' });
  });

  it('normalise a PromptPay id and refuse a wrong one; check account numbers and banks', () => {
    expect(paymentsSchema.parse({ promptPayId: '081-222-3333', accounts: [] }).promptPayId).toBe('0812223333');
    expect(paymentsSchema.safeParse({ promptPayId: '12345' }).error?.issues[0]?.message).toBe('settings.error.promptPay');
    const acc = paymentsSchema.safeParse({ accounts: [{ bank: '004', number: '123-4-56789-0', name: 'ร้านดี' }, { bank: '999', number: '12', name: 'x' }] });
    expect(acc.error?.issues.map((i) => i.path.join('.'))).toEqual(['accounts.1.bank', 'accounts.1.number']);
  });

  it('refuse duplicate carrier codes, no carrier offered, and a cancel before the reminder; check time zones', () => {
    const c = { code: 'mine', name: 'Mine', trackingUrl: 'https://x.example/{tracking}', enabled: true };
    expect(carriersSchema.safeParse({ carriers: [c, c] }).success).toBe(false);
    expect(carriersSchema.safeParse({ carriers: [{ ...c, enabled: false }] }).success).toBe(false);
    expect(
      remindersSchema.safeParse({ unpaidReminderHours: 5, unpaidCancelHours: 3, quietFrom: 21, quietTo: 9, dailySummaryHour: 20, reorderReminders: true }).error
        ?.issues[0]?.path,
    ).toEqual(['unpaidCancelHours']);
    expect(localeSchema.safeParse({ locale: 'th', timeZone: 'Asia/Bangkok' }).success).toBe(true);
    expect(localeSchema.safeParse({ locale: 'th', timeZone: 'Mars/Olympus' }).error?.issues[0]?.message).toBe('settings.error.timeZone');
  });
});

describe('applySettings', () => {
  it('puts each saved section onto the live config, in place', () => {
    const config = envConfig();
    const shop = config.shop;
    applySettings(config, [
      { section: 'profile', data: { name: 'ร้านใหม่', address: '1 ถนนสุขุมวิท', phone: '021234567', taxId: '0105536112014', vatRegistered: true } },
      { section: 'payments', data: { promptPayId: '0105536112014', accounts: [{ bank: '004', number: '1234567890', name: 'บจก. ร้านใหม่' }] } },
      { section: 'shipping', data: { mode: 'count', flatFee: 0, freeOver: 100000, countTiers: [{ upToItems: 2, fee: 3000 }, { upToItems: 10, fee: 6000 }] } },
      { section: 'notifications', data: { telegramChatId: '-100200' } },
      { section: 'reminders', data: { unpaidReminderHours: 1, unpaidCancelHours: 12, quietFrom: 22, quietTo: 8, dailySummaryHour: 19, reorderReminders: false } },
      { section: 'returns', data: { returnWindowDays: 14 } },
      { section: 'locale', data: { locale: 'en', timeZone: 'Asia/Tokyo' } },
    ]);
    expect(config.shop).toBe(shop);
    expect(shop).toMatchObject({ name: 'ร้านใหม่', taxId: '0105536112014', vatRegistered: true, returnWindowDays: 14, locale: 'en', timeZone: 'Asia/Tokyo' });
    expect(config.promptPayId).toBe('0105536112014');
    expect(config.receivers).toEqual({ accounts: ['1234567890'], names: ['บจก. ร้านใหม่'], payTo: [{ bank: '004', number: '1234567890', name: 'บจก. ร้านใหม่' }] });
    expect(config.merchant).toEqual({ lineTo: undefined, telegramChatId: '-100200', handoverMinutes: 60 });
    expect(config.jobs).toMatchObject({ unpaidReminderMs: 3_600_000, unpaidCancelMs: 12 * 3_600_000, quietHours: { from: 22, to: 8 }, dailySummaryHour: 19, reorderReminders: false });
    expect(shippingFeeFor({ subtotal: 5000, weightGrams: 0, items: 3 }, shop.shipping)).toBe(6000);
    expect(shippingFeeFor({ subtotal: 100000, weightGrams: 0, items: 3 }, shop.shipping)).toBe(0);
  });

  it('restores the environment value of a section whose row is gone', () => {
    const config = envConfig();
    applySettings(config, [
      { section: 'profile', data: { name: 'ร้านใหม่' } },
      { section: 'payments', data: { promptPayId: '0899999999', accounts: [] } },
      { section: 'shipping', data: { mode: 'flat', flatFee: 5000 } },
    ]);
    expect(config.shop.shipping.flatFee).toBe(5000);
    applySettings(config, [{ section: 'payments', data: { promptPayId: '0899999999', accounts: [] } }]);
    expect(config.shop.name).toBe('ร้านจาก env');
    expect(config.shop.shipping).toEqual({ mode: 'flat', flatFee: 4000, freeOver: undefined });
    expect(config.promptPayId).toBe('0899999999');
    applySettings(config, []);
    expect(config.promptPayId).toBe('0812223333');
    expect(config.merchant.telegramChatId).toBe('111');
  });

  it('skips a stored section that no longer validates and reports it', () => {
    const config = envConfig();
    const { invalid } = applySettings(config, [{ section: 'returns', data: { returnWindowDays: -3 } }, { section: 'unknown', data: {} }]);
    expect(invalid).toEqual(['returns']);
    expect(config.shop.returnWindowDays).toBe(7);
  });

  it('replaces the carrier list; tracking links come from the list given', () => {
    const config = envConfig();
    expect(config.shop.carriers.map((c) => c.code)).toEqual(builtInCarriers.map((c) => c.code));
    const mine = { code: 'speedy', name: 'Speedy Bike', trackingUrl: 'https://speedy.example/t/{tracking}', enabled: true, builtIn: false };
    applySettings(config, [{ section: 'carriers', data: { carriers: [...builtInCarriers.map((c) => ({ ...c, enabled: c.code !== 'dhl' })), mine] } }]);
    expect(config.shop.carriers.find((c) => c.code === 'dhl')?.enabled).toBe(false);
    const registry = createCarrierRegistry({ settings: config.shop.carriers });
    expect(registry.describe('Speedy Bike').trackingUrl('AB 1')).toBe('https://speedy.example/t/AB%201');
    expect(registry.describe('EMS').name).toBe('Thailand Post');
    expect(registry.describe('Unknown Co')).toMatchObject({ code: null, name: 'Unknown Co' });
    expect(registry.describe('Unknown Co').trackingUrl('1')).toBeNull();
  });
});
