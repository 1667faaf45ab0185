import type { z } from 'zod';
import type { SecretBox } from '#src/lib/secret-box.ts';
import { builtInCarriers, carrierSecretLabel } from '#src/modules/shipping/index.ts';
import {
  facebookFormSchema,
  facebookSecretLabel,
  type FacebookSecretField,
  type SectionData,
  type SettingsSection,
} from '#src/modules/settings/index.ts';
import type { FieldErrors } from '../../forms.ts';
import { isMessageKey, type MessageKey, type Translate } from '../../i18n/index.ts';

/** The settings forms: each section's stored data as form values and back, and errors in the user's language. */
export type Body = Record<string, unknown>;

// ---- form fields ⇄ stored data -------------------------------------------------------------------

export const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim() : '');
export const opt = (v: unknown): string | undefined => str(v) || undefined;
export const arr = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x.trim() : '')) : typeof v === 'string' ? [v.trim()] : []);
export const checked = (v: unknown) => v === 'on' || v === 'true' || v === '1';

/** A number typed in a form; NaN (refused by the schema) when it is not one. */
export const num = (v: unknown): number | undefined => {
  const s = str(v).replace(/[,\s]/g, '');
  if (!s) return undefined;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
};

/** Baht typed in a form ("1,250.50", "฿90") as satang; negative stays negative so the schema names it. */
export const satang = (v: unknown): number | undefined => {
  const s = str(v).replace(/[฿,\s]/g, '');
  if (!s) return undefined;
  return /^-?\d+(\.\d{1,2})?$/.test(s) ? Math.round(Number(s) * 100) : Number.NaN;
};

export const bahtText = (n: number | undefined) => (n === undefined ? '' : Number.isInteger(n / 100) ? String(n / 100) : (n / 100).toFixed(2));

/** Rows of repeated fields, blank rows left out. */
export function rows<K extends string>(body: Body, fields: Record<K, string>): Record<K, string>[] {
  const cols = Object.fromEntries(Object.entries(fields).map(([k, name]) => [k, arr(body[name as string])])) as Record<K, string[]>;
  const n = Math.max(0, ...Object.values<string[]>(cols).map((c) => c.length));
  const out: Record<K, string>[] = [];
  for (let i = 0; i < n; i++) {
    const row = Object.fromEntries(Object.keys(fields).map((k) => [k, cols[k as K][i] ?? ''])) as Record<K, string>;
    if (Object.values<string>(row).some((x) => x !== '')) out.push(row);
  }
  return out;
}

/**
 * The carrier credentials of the carriers form: a secret typed now is sealed; left empty, the saved one is
 * kept; "remove" forgets it (the environment's apply again). Secrets are never sent back to the page.
 */
export function carrierCredentialsFromForm(b: Body, saved: SectionData<'carriers'>, box: SecretBox) {
  const flashKey = str(b.flashSecretKey);
  const mchId = str(b.flashMchId);
  const flash = checked(b.flashRemove) || !mchId
    ? undefined
    : flashKey
      ? { mchId, secretKey: box.seal(flashKey, carrierSecretLabel.flash) }
      : saved.flash && { mchId, secretKey: saved.flash.secretKey };
  const postKey = str(b.thaipostApiKey);
  const thaipost = checked(b.thaipostRemove) ? undefined : postKey ? { apiKey: box.seal(postKey, carrierSecretLabel.thaipost) } : saved.thaipost;
  return { flash, thaipost };
}

export const facebookFields = Object.keys(facebookSecretLabel) as FacebookSecretField[];

/** The Facebook values typed now (blank: keep the saved one), checked in Meta's formats before sealing. */
export function facebookTyped(b: Body) {
  return facebookFormSchema.safeParse(Object.fromEntries(facebookFields.map((f) => [f, opt(b[f])])));
}

/**
 * The Facebook form's values: a value typed now is sealed; left empty, the saved one is kept; "remove"
 * forgets it (the environment's applies again). Nothing of a secret is sent back but its last 4 characters.
 */
export function facebookFromForm(b: Body, typed: Partial<Record<FacebookSecretField, string>>, saved: SectionData<'facebook'>, box: SecretBox) {
  return Object.fromEntries(
    facebookFields.map((f) => [f, checked(b[`${f}Remove`]) ? undefined : typed[f] ? box.seal(typed[f], facebookSecretLabel[f]) : saved[f]]),
  );
}

/** The last 4 characters of a secret, the only part a page ever shows. */
export const lastFour = (secret: string | undefined) => (secret ? `…${secret.slice(-4)}` : '');

/**
 * The usual questions, shown as examples in the FAQ form's empty rows (Thai fields in Thai, English ones
 * in English, whatever the page's language): entries like any other once written.
 */
export const faqExamples = [
  { question: 'ส่งกี่วันถึง', questionEn: 'How long does delivery take?', answer: 'ส่งภายใน 1 วันหลังชำระเงิน ได้รับของใน 1–3 วันค่ะ', answerEn: 'We ship within a day of payment; it arrives in 1–3 days.' },
  { question: 'ร้านเปิดกี่โมง', questionEn: 'What are your opening hours?', answer: 'ร้านเปิดทุกวัน 9:00–18:00 น. ค่ะ', answerEn: 'We are open every day, 9:00–18:00.' },
  { question: 'คืนสินค้ายังไง', questionEn: 'What is your return policy?', answer: 'คืนได้ภายใน 7 วันหลังได้รับของ พิมพ์ "คืนสินค้า" ในแชทได้เลยค่ะ', answerEn: 'Returns within 7 days of delivery: type "return" in the chat.' },
] as const;

/** Per section: the stored data as form values, and form fields as data for the section's schema. */
export const forms: { [S in SettingsSection]: { toForm(d: SectionData<S>): Body; fromForm(b: Body): unknown } } = {
  profile: {
    toForm: (d) => ({ name: d.name, address: d.address, phone: d.phone, taxId: d.taxId ?? '', vatRegistered: d.vatRegistered, logoPath: d.logoPath }),
    fromForm: (b) => ({
      name: str(b.name),
      address: str(b.address),
      phone: str(b.phone),
      taxId: opt(b.taxId)?.replace(/[\s-]/g, ''),
      vatRegistered: checked(b.vatRegistered),
    }),
  },
  payments: {
    toForm: (d) => ({ promptPayId: d.promptPayId ?? '', accounts: d.accounts }),
    fromForm: (b) => ({
      promptPayId: opt(b.promptPayId),
      accounts: rows(b, { bank: 'accountBank', number: 'accountNumber', name: 'accountName' }),
    }),
  },
  shipping: {
    toForm: (d) => ({
      mode: d.mode,
      flatFee: bahtText(d.flatFee),
      freeOver: bahtText(d.freeOver),
      weightTiers: (d.weightTiers ?? []).map((t) => ({ limit: String(t.upToGrams), fee: bahtText(t.fee) })),
      countTiers: (d.countTiers ?? []).map((t) => ({ limit: String(t.upToItems), fee: bahtText(t.fee) })),
    }),
    fromForm: (b) => {
      const mode = str(b.mode);
      const weightTiers = rows(b, { limit: 'weightLimit', fee: 'weightFee' }).map((r) => ({ upToGrams: num(r.limit), fee: satang(r.fee) }));
      const countTiers = rows(b, { limit: 'countLimit', fee: 'countFee' }).map((r) => ({ upToItems: num(r.limit), fee: satang(r.fee) }));
      return {
        mode,
        flatFee: satang(b.flatFee) ?? 0,
        freeOver: satang(b.freeOver),
        // Only the chosen mode's tiers are checked and kept.
        weightTiers: mode === 'weight' ? weightTiers : undefined,
        countTiers: mode === 'count' ? countTiers : undefined,
      };
    },
  },
  carriers: {
    toForm: (d) => ({
      carriers: d.carriers,
      msgBooked: d.messages.booked,
      msgOutForDelivery: d.messages.outForDelivery,
      msgDelivered: d.messages.delivered,
      defaultWeightGrams: String(d.defaultWeightGrams),
      warehouseCarriers: d.warehouseCarriers,
      // Only whether a secret is saved, never the secret (nor its sealed form).
      flashMchId: d.flash?.mchId ?? '',
      flashSaved: d.flash ? '1' : '',
      thaipostSaved: d.thaipost ? '1' : '',
    }),
    fromForm: (b) => {
      const enabled = new Set(arr(b.carrierEnabled));
      const builtIn = new Map(builtInCarriers.map((c) => [c.code, c]));
      const list = rows(b, { index: 'carrierIndex', code: 'carrierCode', name: 'carrierName', trackingUrl: 'carrierUrl' })
        // A new row's index alone is not a carrier.
        .filter((r) => r.code || r.name || r.trackingUrl)
        .map((r) => {
          const base = builtIn.get(r.code);
          return {
            code: r.code.toLowerCase(),
            name: base ? base.name : r.name,
            trackingUrl: r.trackingUrl,
            enabled: enabled.has(r.index),
            builtIn: base !== undefined,
          };
        });
      // A built-in carrier is never removed, only switched off.
      for (const c of builtInCarriers) if (!list.some((x) => x.code === c.code)) list.push({ ...c, enabled: false });
      return {
        carriers: list,
        messages: { booked: checked(b.msgBooked), outForDelivery: checked(b.msgOutForDelivery), delivered: checked(b.msgDelivered) },
        defaultWeightGrams: num(b.defaultWeightGrams),
        // warehouseCarrier_<warehouse id> = the carrier that books its parcels when none is chosen; empty: none.
        warehouseCarriers: Object.fromEntries(
          Object.entries(b).flatMap(([k, v]) => {
            const id = /^warehouseCarrier_(\d+)$/.exec(k)?.[1];
            return id && typeof v === 'string' && v.trim() !== '' ? [[id, v.trim()]] : [];
          }),
        ),
      };
    },
  },
  notifications: {
    toForm: (d) => ({ lineTo: d.lineTo ?? '', telegramChatId: d.telegramChatId ?? '', handoverMinutes: String(d.handoverMinutes) }),
    fromForm: (b) => ({ lineTo: opt(b.lineTo), telegramChatId: opt(b.telegramChatId), handoverMinutes: opt(b.handoverMinutes) === undefined ? undefined : num(b.handoverMinutes) }),
  },
  reminders: {
    toForm: (d) => ({
      unpaidReminderHours: String(d.unpaidReminderHours),
      unpaidCancelHours: String(d.unpaidCancelHours),
      quietFrom: String(d.quietFrom),
      quietTo: String(d.quietTo),
      dailySummaryHour: String(d.dailySummaryHour),
      reorderReminders: d.reorderReminders,
      firstOrderCancelHours: String(d.firstOrderCancelHours),
      maxUnpaidOrders: String(d.maxUnpaidOrders),
      maxUnpaidUnits: String(d.maxUnpaidUnits),
      maxUnpaidOrdersPerAddress: String(d.maxUnpaidOrdersPerAddress),
      maxUnpaidUnitsPerAddress: String(d.maxUnpaidUnitsPerAddress),
    }),
    fromForm: (b) => ({
      unpaidReminderHours: num(b.unpaidReminderHours),
      unpaidCancelHours: num(b.unpaidCancelHours),
      quietFrom: num(b.quietFrom),
      quietTo: num(b.quietTo),
      dailySummaryHour: num(b.dailySummaryHour),
      reorderReminders: checked(b.reorderReminders),
      firstOrderCancelHours: num(b.firstOrderCancelHours),
      maxUnpaidOrders: num(b.maxUnpaidOrders),
      maxUnpaidUnits: num(b.maxUnpaidUnits),
      maxUnpaidOrdersPerAddress: num(b.maxUnpaidOrdersPerAddress),
      maxUnpaidUnitsPerAddress: num(b.maxUnpaidUnitsPerAddress),
    }),
  },
  returns: {
    toForm: (d) => ({ returnWindowDays: String(d.returnWindowDays) }),
    fromForm: (b) => ({ returnWindowDays: num(b.returnWindowDays) }),
  },
  locale: {
    toForm: (d) => ({ locale: d.locale, timeZone: d.timeZone }),
    fromForm: (b) => ({ locale: str(b.locale), timeZone: str(b.timeZone) }),
  },
  faq: {
    toForm: (d) => ({ entries: d.entries.map((e) => ({ question: e.question, questionEn: e.questionEn ?? '', answer: e.answer, answerEn: e.answerEn ?? '' })) }),
    fromForm: (b) => ({
      entries: rows(b, { question: 'faqQuestion', questionEn: 'faqQuestionEn', answer: 'faqAnswer', answerEn: 'faqAnswerEn' }).map((r) => ({
        question: r.question,
        questionEn: r.questionEn || undefined,
        answer: r.answer,
        answerEn: r.answerEn || undefined,
      })),
    }),
  },
  facebook: {
    // Only whether each value is saved here; the page shows the effective ones by their last 4 characters.
    toForm: (d) => Object.fromEntries(facebookFields.map((f) => [`${f}Saved`, d[f] ? '1' : ''])),
    fromForm: () => ({}),
  },
};

/** Field errors keyed by the field's path ("accounts.1.number"), in the user's language. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], t: Translate): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : '_form';
    let text: string;
    if (isMessageKey(issue.message)) text = t(issue.message as MessageKey);
    else if (issue.code === 'too_small') text = Number(issue.minimum) <= 1 && issue.origin === 'string' ? t('field.required') : t('settings.error.range');
    else if (issue.code === 'too_big') text = issue.origin === 'string' ? t('field.tooLong', { max: Number(issue.maximum) }) : t('settings.error.range');
    else if (issue.code === 'invalid_type') text = issue.expected === 'number' ? t('settings.error.number') : t('field.required');
    else if (issue.code === 'invalid_value') text = t('field.choice');
    else text = t('field.required');
    errors[key] ??= text;
  }
  return errors;
}

/** What the user typed, where the stored shape would lose it (an amount that is not a number). */
export function rawValues(section: SettingsSection, body: Body, data: unknown): Body {
  const d = data as Body;
  switch (section) {
    case 'shipping':
      return {
        flatFee: str(body.flatFee),
        freeOver: str(body.freeOver),
        weightTiers: rows(body, { limit: 'weightLimit', fee: 'weightFee' }),
        countTiers: rows(body, { limit: 'countLimit', fee: 'countFee' }),
      };
    case 'reminders':
    case 'returns':
      return Object.fromEntries(Object.keys(d).filter((k) => typeof body[k] === 'string').map((k) => [k, str(body[k])]));
    case 'profile':
      return { taxId: str(body.taxId) };
    case 'payments':
      return { promptPayId: str(body.promptPayId) };
    default:
      return {};
  }
}
