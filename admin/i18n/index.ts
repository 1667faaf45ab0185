import { formatMoney } from '#src/lib/money.ts';
import { ledgerTexts } from './areas/ledger.ts';
import { catalogTexts } from './areas/catalog.ts';
import { channelsTexts } from './areas/channels.ts';
import { customersTexts } from './areas/customers.ts';
import { printingTexts } from './areas/printing.ts';
import { reportsTexts } from './areas/reports.ts';
import { returnsTexts } from './areas/returns.ts';
import { settingsTexts } from './areas/settings.ts';
import { stockTexts } from './areas/stock.ts';
import { en as baseEn } from './en.ts';
import { th as baseTh } from './th.ts';

export type Lang = 'th' | 'en';

const areas = [ledgerTexts, catalogTexts, channelsTexts, customersTexts, printingTexts, reportsTexts, returnsTexts, settingsTexts, stockTexts] as const;

const en = {
  ...baseEn,
  ...catalogTexts.en,
  ...channelsTexts.en,
  ...customersTexts.en,
  ...printingTexts.en,
  ...reportsTexts.en,
  ...returnsTexts.en,
  ...settingsTexts.en,
  ...stockTexts.en,
  ...ledgerTexts.en,
};
export type MessageKey = keyof typeof en;

const th = Object.assign({}, baseTh, ...areas.map((a) => a.th)) as Record<MessageKey, string>;

const dictionaries: Record<Lang, Record<MessageKey, string>> = { th, en };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** Texts with {name} placeholders; a placeholder without a value stays visible so a gap is noticed, not hidden. */
export function translator(lang: Lang): Translate {
  const dict = dictionaries[lang];
  return (key, params) => {
    const text = dict[key] ?? en[key] ?? key;
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(en, key);
}

/** Formatters in the shop's time zone; Thai dates use the Buddhist era as Thai merchants write them. */
export function formatters(lang: Lang, timeZone: string) {
  const intlLocale = lang === 'th' ? 'th-TH' : 'en-GB';
  const dateTime = new Intl.DateTimeFormat(intlLocale, { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const dateOnly = new Intl.DateTimeFormat(intlLocale, { timeZone, day: 'numeric', month: 'short' });
  const time = new Intl.DateTimeFormat(intlLocale, { timeZone, hour: '2-digit', minute: '2-digit' });
  return {
    dateTime: (d: Date | string) => dateTime.format(new Date(d)),
    dayMonth: (d: Date | string) => dateOnly.format(new Date(d)),
    time: (d: Date | string) => time.format(new Date(d)),
    money: (amount: number, currency: string) => formatMoney(amount, currency, lang),
  };
}
