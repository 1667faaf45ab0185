import { formatMoney } from '#src/lib/money.ts';
import { en, type MessageKey } from './en.ts';
import { th } from './th.ts';

export type Lang = 'th' | 'en';
export type { MessageKey };

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
