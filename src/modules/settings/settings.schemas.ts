import { z } from 'zod';
import { BANKS } from '../payments/banks.ts';
import { isSealed } from '../../lib/secret-box.ts';

/**
 * One schema per section of the shop's settings, as stored in shop_settings.data (money in satang,
 * hours as numbers). Messages are back-office text keys, shown beside the field in the user's language.
 */

/** The 13-digit Thai tax / national id: the last digit is (11 - Σ dᵢ·(13-i) mod 11) mod 10. */
export function isThaiTaxId(id: string): boolean {
  if (!/^\d{13}$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(id[i]) * (13 - i);
  return (11 - (sum % 11)) % 10 === Number(id[12]);
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Same rule as PROMPTPAY_ID: a Thai phone, a 13-digit tax id or a 15-digit e-wallet id (spaces and dashes ignored). */
export const promptPayIdSchema = z
  .string()
  .transform((v) => v.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^(\+?66\d{9}|0\d{9}|\d{13}|\d{15})$/, 'settings.error.promptPay'));

/** An https address with the {tracking} placeholder. */
export const trackingUrlSchema = z
  .string()
  .trim()
  .max(500)
  .refine((u) => {
    try {
      return new URL(u.replaceAll('{tracking}', 'X')).protocol === 'https:';
    } catch {
      return false;
    }
  }, 'settings.error.https')
  .refine((u) => u.includes('{tracking}'), 'settings.error.placeholder');

const satang = (max: number) => z.number().int('field.amount').min(0, 'settings.error.negative').max(max, 'field.amount');

export const profileSchema = z.object({
  name: z.string().trim().min(1).max(100),
  address: z.string().trim().max(500).default(''),
  phone: z.string().trim().max(30).default(''),
  taxId: z
    .string()
    .trim()
    .refine(isThaiTaxId, 'settings.error.taxId')
    .optional(),
  vatRegistered: z.boolean().default(false),
  /** DATA_DIR-relative path of the stored logo (media/shop/logo-<hash>.png). */
  logoPath: z
    .string()
    .regex(/^media\/shop\/logo-[0-9a-f]{16,64}\.png$/)
    .optional(),
});

export const bankCodes = BANKS.map((b) => b.code) as [string, ...string[]];

export const receiverAccountSchema = z.object({
  bank: z.enum(bankCodes, 'field.choice'),
  number: z
    .string()
    .transform((v) => v.replace(/[\s-]/g, ''))
    .pipe(z.string().regex(/^\d{10,15}$/, 'settings.error.accountNumber')),
  name: z.string().trim().min(1).max(100),
});

export const paymentsSchema = z.object({
  promptPayId: promptPayIdSchema.optional(),
  accounts: z.array(receiverAccountSchema).max(20).default([]),
});

/** Tiers are read in order (the first one the parcel fits), so each must go higher than the one before. */
const ascending = (limits: number[]) => limits.every((n, i) => i === 0 || n > limits[i - 1]!);

export const shippingSchema = z
  .object({
    mode: z.enum(['flat', 'weight', 'count'], 'field.choice'),
    flatFee: satang(10_000_000),
    freeOver: satang(1_000_000_000).optional(),
    weightTiers: z
      .array(z.object({ upToGrams: z.number().int().positive('settings.error.positive').max(1_000_000), fee: satang(10_000_000) }))
      .max(20)
      .refine((tiers) => ascending(tiers.map((t) => t.upToGrams)), 'settings.error.tiersOrder')
      .optional(),
    countTiers: z
      .array(z.object({ upToItems: z.number().int().positive('settings.error.positive').max(100_000), fee: satang(10_000_000) }))
      .max(20)
      .refine((tiers) => ascending(tiers.map((t) => t.upToItems)), 'settings.error.tiersOrder')
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (s.mode === 'weight' && !s.weightTiers?.length) ctx.addIssue({ code: 'custom', path: ['weightTiers'], message: 'settings.error.tiersNeeded' });
    if (s.mode === 'count' && !s.countTiers?.length) ctx.addIssue({ code: 'custom', path: ['countTiers'], message: 'settings.error.tiersNeeded' });
  });

export const carrierSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'settings.error.carrierCode'),
  name: z.string().trim().min(1).max(60),
  trackingUrl: trackingUrlSchema,
  enabled: z.boolean(),
  builtIn: z.boolean().default(false),
});

export const carriersSchema = z.object({
  carriers: z
    .array(carrierSchema)
    .min(1)
    .max(40)
    .refine((list) => new Set(list.map((c) => c.code)).size === list.length, 'settings.error.carrierDuplicate')
    .refine((list) => list.some((c) => c.enabled), 'settings.error.carrierNone'),
  /** Which carrier news the customer hears in chat. */
  messages: z.object({ booked: z.boolean(), outForDelivery: z.boolean(), delivered: z.boolean() }).default({ booked: true, outForDelivery: true, delivered: true }),
  /** Grams sent for a parcel whose products have no weight. */
  defaultWeightGrams: z.number().int('settings.error.positive').min(1, 'settings.error.positive').max(100_000).default(500),
  /** Warehouse id → the carrier code it books with by default. */
  warehouseCarriers: z.record(z.string().regex(/^\d+$/), z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/)).default({}),
  /** Credentials saved in Settings, the secrets sealed (lib/secret-box); they override the environment's. */
  flash: z.object({ mchId: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/), secretKey: z.string().refine(isSealed) }).optional(),
  thaipost: z.object({ apiKey: z.string().refine(isSealed) }).optional(),
});

export const notificationsSchema = z.object({
  lineTo: z
    .string()
    .trim()
    .regex(/^[UCR][0-9a-f]{32}$/, 'settings.error.lineId')
    .optional(),
  telegramChatId: z
    .string()
    .trim()
    .regex(/^-?\d{1,20}$/, 'settings.error.telegramId')
    .optional(),
  /** Minutes of silence after which a conversation handed to a person goes back to the bot. */
  handoverMinutes: z.number().int('settings.error.minutes').min(5, 'settings.error.minutes').max(24 * 60, 'settings.error.minutes').default(60),
});

const hour = z.number().int().min(0, 'settings.error.hour').max(23, 'settings.error.hour');

export const remindersSchema = z
  .object({
    unpaidReminderHours: z.number().min(0.1, 'settings.error.hours').max(24 * 30, 'settings.error.hours'),
    unpaidCancelHours: z.number().min(0.5, 'settings.error.hours').max(24 * 90, 'settings.error.hours'),
    quietFrom: hour,
    quietTo: hour,
    dailySummaryHour: hour,
    reorderReminders: z.boolean(),
    /** A customer who never paid before: their unpaid order is cancelled (its stock released) after this many hours. */
    firstOrderCancelHours: z.number().min(0.5, 'settings.error.hours').max(24 * 90, 'settings.error.hours').default(4),
    /** Chat checkout refuses a new order beyond this many unpaid orders, or units in them, per chat identity and per address. */
    maxUnpaidOrders: z.number().int('settings.error.count').min(1, 'settings.error.count').max(100, 'settings.error.count').default(3),
    maxUnpaidUnits: z.number().int('settings.error.count').min(1, 'settings.error.count').max(100_000, 'settings.error.count').default(20),
    maxUnpaidOrdersPerAddress: z.number().int('settings.error.count').min(1, 'settings.error.count').max(1000, 'settings.error.count').default(10),
    maxUnpaidUnitsPerAddress: z.number().int('settings.error.count').min(1, 'settings.error.count').max(100_000, 'settings.error.count').default(60),
  })
  .refine((r) => r.unpaidCancelHours > r.unpaidReminderHours, { path: ['unpaidCancelHours'], message: 'settings.error.cancelAfterReminder' });

export const returnsSchema = z.object({
  returnWindowDays: z.number().int('settings.error.days').min(0, 'settings.error.days').max(365, 'settings.error.days'),
});

export const localeSchema = z.object({
  locale: z.enum(['th', 'en'], 'field.choice'),
  timeZone: z.string().trim().refine(isTimeZone, 'settings.error.timeZone'),
});

/** The labels Facebook secrets are sealed under (lib/secret-box): a value sealed for one field opens in no other. */
export const facebookSecretLabel = {
  appSecret: 'facebook.appSecret',
  pageAccessToken: 'facebook.pageAccessToken',
  verifyToken: 'facebook.verifyToken',
} as const;
export type FacebookSecretField = keyof typeof facebookSecretLabel;

/** Messenger and Instagram as saved in Settings: each value sealed, each overriding the environment's. */
export const facebookSchema = z.object({
  appSecret: z.string().refine(isSealed).optional(),
  pageAccessToken: z.string().refine(isSealed).optional(),
  verifyToken: z.string().refine(isSealed).optional(),
});

/** What the merchant types in the Facebook form, checked before it is sealed (Meta's own formats). */
export const facebookFormSchema = z.object({
  appSecret: z.string().regex(/^[0-9a-f]{32}$/i, 'settings.error.fbAppSecret').optional(),
  pageAccessToken: z.string().regex(/^[A-Za-z0-9_-]{40,1024}$/, 'settings.error.fbPageToken').optional(),
  verifyToken: z.string().regex(/^[\x21-\x7e]{8,128}$/, 'settings.error.fbVerifyToken').optional(),
});

/**
 * The shop's FAQ: what the chat answers when a customer asks (shipping time, opening hours, return
 * policy, anything the shop is often asked). A question may list several phrasings, one a line.
 */
export const faqEntrySchema = z.object({
  question: z.string().trim().min(1).max(500),
  questionEn: z.string().trim().max(500).optional(),
  answer: z.string().trim().min(1).max(1000),
  answerEn: z.string().trim().max(1000).optional(),
});

export const faqSchema = z.object({
  entries: z.array(faqEntrySchema).max(50, 'settings.error.faqTooMany').default([]),
});

export const sectionSchemas = {
  profile: profileSchema,
  payments: paymentsSchema,
  shipping: shippingSchema,
  carriers: carriersSchema,
  notifications: notificationsSchema,
  reminders: remindersSchema,
  returns: returnsSchema,
  locale: localeSchema,
  facebook: facebookSchema,
  faq: faqSchema,
} as const;

export type SettingsSection = keyof typeof sectionSchemas;
export const settingsSections = Object.keys(sectionSchemas) as SettingsSection[];
export type SectionData<S extends SettingsSection> = z.output<(typeof sectionSchemas)[S]>;

export const isSettingsSection = (s: string): s is SettingsSection => Object.hasOwn(sectionSchemas, s);
