import type { Config } from '../../config.ts';
import { facebookSecretLabel, sectionSchemas, isSettingsSection, type SectionData, type SettingsSection } from './settings.schemas.ts';

/** Opens a value sealed in Settings; undefined when it does not open (another key, another field). */
export type OpenSealed = (sealed: string, label: string) => string | undefined;

/** The parts of the config the shop's settings may change; everything else stays as the environment set it. */
export interface SettingsTarget {
  shop: Pick<
    Config['shop'],
    'name' | 'address' | 'phone' | 'taxId' | 'vatRegistered' | 'logoPath' | 'returnWindowDays' | 'timeZone' | 'locale' | 'shipping' | 'carriers' | 'parcels' | 'carrierSecrets' | 'faq'
  >;
  promptPayId: Config['promptPayId'];
  receivers: Config['receivers'];
  merchant: Config['merchant'];
  jobs: Config['jobs'];
  facebook?: Config['facebook'];
  facebookGraph?: Config['facebookGraph'];
}

export interface SettingsRow {
  section: string;
  data: unknown;
}

/** The environment's values, remembered the first time a config is seen, so removing a section restores them. */
const envDefaults = new WeakMap<object, SettingsTarget>();

export function defaultsOf(config: SettingsTarget): SettingsTarget {
  let saved = envDefaults.get(config);
  if (!saved) {
    saved = structuredClone({
      shop: {
        name: config.shop.name,
        address: config.shop.address,
        phone: config.shop.phone,
        taxId: config.shop.taxId,
        vatRegistered: config.shop.vatRegistered,
        logoPath: config.shop.logoPath,
        returnWindowDays: config.shop.returnWindowDays,
        timeZone: config.shop.timeZone,
        locale: config.shop.locale,
        shipping: config.shop.shipping,
        carriers: config.shop.carriers,
        parcels: config.shop.parcels,
        carrierSecrets: config.shop.carrierSecrets,
        faq: config.shop.faq,
      },
      promptPayId: config.promptPayId,
      receivers: config.receivers,
      merchant: config.merchant,
      jobs: config.jobs,
      facebook: config.facebook,
    });
    envDefaults.set(config, saved);
  }
  return saved;
}

/** Each section's valid stored data; a row that no longer validates is reported and left out (the default applies). */
export function parseRows(rows: readonly SettingsRow[]): { sections: Partial<{ [S in SettingsSection]: SectionData<S> }>; invalid: string[] } {
  const sections: Record<string, unknown> = {};
  const invalid: string[] = [];
  for (const row of rows) {
    if (!isSettingsSection(row.section)) continue;
    const parsed = sectionSchemas[row.section].safeParse(row.data);
    if (parsed.success) sections[row.section] = parsed.data;
    else invalid.push(row.section);
  }
  return { sections: sections as Partial<{ [S in SettingsSection]: SectionData<S> }>, invalid };
}

/**
 * Puts the effective settings onto the live config object, in place, so every reader of config.shop.*,
 * config.promptPayId, config.receivers, config.merchant and config.jobs sees them without change:
 * a section with a valid row wins, a section without one gets the environment's value back.
 * No I/O; returns the sections whose stored data did not validate.
 */
export function applySettings(config: SettingsTarget, rows: readonly SettingsRow[], open?: OpenSealed): { invalid: string[] } {
  const env = structuredClone(defaultsOf(config));
  const { sections: s, invalid } = parseRows(rows);
  const shop = config.shop;

  const p = s.profile;
  shop.name = p?.name ?? env.shop.name;
  shop.address = p ? p.address : env.shop.address;
  shop.phone = p ? p.phone : env.shop.phone;
  shop.taxId = p ? p.taxId : env.shop.taxId;
  shop.vatRegistered = p ? p.vatRegistered : env.shop.vatRegistered;
  shop.logoPath = p ? p.logoPath : env.shop.logoPath;

  const pay = s.payments;
  config.promptPayId = pay ? pay.promptPayId : env.promptPayId;
  config.receivers.accounts = pay ? pay.accounts.map((a) => a.number) : env.receivers.accounts;
  config.receivers.names = pay ? [...new Set(pay.accounts.map((a) => a.name))] : env.receivers.names;
  config.receivers.payTo = pay ? pay.accounts.map((a) => ({ bank: a.bank, number: a.number, name: a.name })) : env.receivers.payTo;

  const sh = s.shipping;
  shop.shipping = sh
    ? {
        mode: sh.mode,
        flatFee: sh.flatFee,
        freeOver: sh.freeOver,
        weightTiers: sh.mode === 'weight' ? sh.weightTiers : undefined,
        countTiers: sh.mode === 'count' ? sh.countTiers : undefined,
      }
    : env.shop.shipping;

  shop.carriers = s.carriers ? s.carriers.carriers : env.shop.carriers;
  const c = s.carriers;
  shop.parcels = c ? { messages: c.messages, defaultWeightGrams: c.defaultWeightGrams, warehouseCarriers: c.warehouseCarriers } : env.shop.parcels;
  shop.carrierSecrets = c ? { flash: c.flash, thaipost: c.thaipost } : env.shop.carrierSecrets;

  const n = s.notifications;
  config.merchant.lineTo = n ? n.lineTo : env.merchant.lineTo;
  config.merchant.telegramChatId = n ? n.telegramChatId : env.merchant.telegramChatId;
  config.merchant.handoverMinutes = n ? n.handoverMinutes : env.merchant.handoverMinutes;

  const r = s.reminders;
  config.jobs.unpaidReminderMs = r ? Math.round(r.unpaidReminderHours * 3_600_000) : env.jobs.unpaidReminderMs;
  config.jobs.unpaidCancelMs = r ? Math.round(r.unpaidCancelHours * 3_600_000) : env.jobs.unpaidCancelMs;
  config.jobs.quietHours = r ? { from: r.quietFrom, to: r.quietTo } : env.jobs.quietHours;
  config.jobs.dailySummaryHour = r ? r.dailySummaryHour : env.jobs.dailySummaryHour;
  config.jobs.reorderReminders = r ? r.reorderReminders : env.jobs.reorderReminders;
  config.jobs.firstOrderCancelMs = r ? Math.round(r.firstOrderCancelHours * 3_600_000) : env.jobs.firstOrderCancelMs;
  config.jobs.unpaidLimits = r
    ? { orders: r.maxUnpaidOrders, units: r.maxUnpaidUnits, addressOrders: r.maxUnpaidOrdersPerAddress, addressUnits: r.maxUnpaidUnitsPerAddress }
    : { ...env.jobs.unpaidLimits };

  shop.returnWindowDays = s.returns ? s.returns.returnWindowDays : env.shop.returnWindowDays;
  shop.faq = s.faq ? s.faq.entries : env.shop.faq;

  shop.locale = s.locale ? s.locale.locale : env.shop.locale;
  shop.timeZone = s.locale ? s.locale.timeZone : env.shop.timeZone;

  // Messenger and Instagram: each value saved in Settings wins over the environment's; connected when all three are known.
  const fb = s.facebook;
  if (fb && open && config.facebookGraph) {
    const value = (field: keyof typeof facebookSecretLabel) => {
      const sealed = fb[field];
      return (sealed && open(sealed, facebookSecretLabel[field])) || env.facebook?.[field];
    };
    const appSecret = value('appSecret');
    const pageAccessToken = value('pageAccessToken');
    const verifyToken = value('verifyToken');
    config.facebook = appSecret && pageAccessToken && verifyToken ? { appSecret, pageAccessToken, verifyToken, ...config.facebookGraph } : undefined;
  } else if ('facebook' in config || env.facebook) config.facebook = env.facebook;
  return { invalid };
}

/** What a section's form shows: the effective values in the section's stored shape. */
export function currentValues(config: SettingsTarget): { [S in SettingsSection]: SectionData<S> } {
  const { shop, jobs } = config;
  return {
    profile: {
      name: shop.name,
      address: shop.address,
      phone: shop.phone,
      taxId: shop.taxId,
      vatRegistered: shop.vatRegistered,
      logoPath: shop.logoPath,
    },
    payments: {
      promptPayId: config.promptPayId,
      // The environment gives numbers and names apart, without banks; shown as rows to complete.
      accounts: config.receivers.accounts.map((number, i) => ({ bank: '', number, name: config.receivers.names[i] ?? '' })),
    },
    shipping: {
      mode: shop.shipping.mode,
      flatFee: shop.shipping.flatFee,
      freeOver: shop.shipping.freeOver,
      weightTiers: shop.shipping.weightTiers,
      countTiers: shop.shipping.countTiers,
    },
    carriers: {
      carriers: shop.carriers.map((c) => ({ ...c })),
      messages: { ...shop.parcels.messages },
      defaultWeightGrams: shop.parcels.defaultWeightGrams,
      warehouseCarriers: { ...shop.parcels.warehouseCarriers },
      flash: shop.carrierSecrets.flash,
      thaipost: shop.carrierSecrets.thaipost,
    },
    notifications: { lineTo: config.merchant.lineTo, telegramChatId: config.merchant.telegramChatId, handoverMinutes: config.merchant.handoverMinutes },
    reminders: {
      unpaidReminderHours: jobs.unpaidReminderMs / 3_600_000,
      unpaidCancelHours: jobs.unpaidCancelMs / 3_600_000,
      quietFrom: jobs.quietHours.from,
      quietTo: jobs.quietHours.to,
      dailySummaryHour: jobs.dailySummaryHour,
      reorderReminders: jobs.reorderReminders,
      firstOrderCancelHours: jobs.firstOrderCancelMs / 3_600_000,
      maxUnpaidOrders: jobs.unpaidLimits.orders,
      maxUnpaidUnits: jobs.unpaidLimits.units,
      maxUnpaidOrdersPerAddress: jobs.unpaidLimits.addressOrders,
      maxUnpaidUnitsPerAddress: jobs.unpaidLimits.addressUnits,
    },
    returns: { returnWindowDays: shop.returnWindowDays },
    locale: { locale: shop.locale, timeZone: shop.timeZone },
    // Environment secrets are never copied into a form: nothing is saved in Settings until typed there.
    facebook: {},
    faq: { entries: shop.faq.map((e) => ({ ...e })) },
  };
}
