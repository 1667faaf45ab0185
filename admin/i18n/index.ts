import { dateFormats } from '#src/lib/dates.ts';
import { formatMoney } from '#src/lib/money.ts';
import { appTexts } from './areas/app.ts';
import { authTexts } from './areas/auth.ts';
import { catalogTexts } from './areas/catalog.ts';
import { customersTexts } from './areas/customers.ts';
import { dashboardTexts } from './areas/dashboard.ts';
import { errorsTexts } from './areas/errors.ts';
import { eventsTexts } from './areas/events.ts';
import { faqTexts } from './areas/faq.ts';
import { financeTexts } from './areas/finance.ts';
import { importsTexts } from './areas/imports.ts';
import { messagesTexts } from './areas/messages.ts';
import { moneyTexts } from './areas/money.ts';
import { orderAmendTexts } from './areas/order-amend.ts';
import { orderEntryTexts } from './areas/order-entry.ts';
import { ordersTexts } from './areas/orders.ts';
import { paymentsTexts } from './areas/payments.ts';
import { printingTexts } from './areas/printing.ts';
import { reportsTexts } from './areas/reports.ts';
import { returnsTexts } from './areas/returns.ts';
import { settingsTexts } from './areas/settings.ts';
import { stockTexts } from './areas/stock.ts';
import { usersTexts } from './areas/users.ts';
import { setupTexts } from './areas/setup.ts';
import { inboxTexts } from './areas/inbox.ts';

export type Lang = 'th' | 'en';

// Each area file pairs every English text with its Thai one (defineTexts); the Thai dictionary below is
// typed by the English keys, so an area left out of it, or a key without Thai, does not compile.
const en = {
  ...appTexts.en,
  ...authTexts.en,
  ...dashboardTexts.en,
  ...errorsTexts.en,
  ...eventsTexts.en,
  ...ordersTexts.en,
  ...orderAmendTexts.en,
  ...orderEntryTexts.en,
  ...paymentsTexts.en,
  ...financeTexts.en,
  ...messagesTexts.en,
  ...usersTexts.en,
  ...catalogTexts.en,
  ...importsTexts.en,
  ...customersTexts.en,
  ...moneyTexts.en,
  ...printingTexts.en,
  ...reportsTexts.en,
  ...returnsTexts.en,
  ...settingsTexts.en,
  ...stockTexts.en,
  ...faqTexts.en,
  ...setupTexts.en,
  ...inboxTexts.en,
};
export type MessageKey = keyof typeof en;

const th: Record<MessageKey, string> = {
  ...appTexts.th,
  ...authTexts.th,
  ...dashboardTexts.th,
  ...errorsTexts.th,
  ...eventsTexts.th,
  ...ordersTexts.th,
  ...orderAmendTexts.th,
  ...orderEntryTexts.th,
  ...paymentsTexts.th,
  ...financeTexts.th,
  ...messagesTexts.th,
  ...usersTexts.th,
  ...catalogTexts.th,
  ...importsTexts.th,
  ...customersTexts.th,
  ...moneyTexts.th,
  ...printingTexts.th,
  ...reportsTexts.th,
  ...returnsTexts.th,
  ...settingsTexts.th,
  ...stockTexts.th,
  ...faqTexts.th,
  ...setupTexts.th,
  ...inboxTexts.th,
};

/** Both dictionaries, composed from the area files (read by the i18n test). */
export const dictionaries: Record<Lang, Record<MessageKey, string>> = { th, en };

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

/** Formatters in the shop's time zone (dates from src/lib/dates.ts, the one date formatter); money in satang. */
export function formatters(lang: Lang, timeZone: string) {
  return {
    ...dateFormats(lang, timeZone),
    money: (amount: number, currency: string) => formatMoney(amount, currency, lang),
  };
}
