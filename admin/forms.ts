import { z } from 'zod';
import { parseDay } from '#src/lib/dates.ts';
import { isMessageKey, type MessageKey, type Translate } from './i18n/index.ts';

export type FieldErrors = Record<string, string>;

/** An empty form field means "not given", as for an unset environment variable. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** A calendar day as people type it ("6 ธ.ค. 2569", "6/12/2569", "6 Dec 2026" or ISO), kept as ISO. */
export const calendarDay = z.preprocess(
  (v) => (typeof v === 'string' ? (parseDay(v) ?? v.trim()) : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'field.date')
    .refine((d) => parseDay(d) === d, 'field.date'),
);

/** A required text field; an empty one says "please fill this in" rather than "too short". */
export const text = (max: number, min = 1) =>
  z.preprocess((v) => (v === undefined || v === null ? '' : v), z.string().trim().min(min).max(max));

/** Checkbox lists and repeated fields arrive as a string when one is ticked and as an array when several are. */
export const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));

function issueText(issue: z.core.$ZodIssue, t: Translate): string {
  if (isMessageKey(issue.message)) return t(issue.message as MessageKey);
  switch (issue.code) {
    case 'too_small':
      return Number(issue.minimum) <= 1 ? t('field.required') : t('field.tooShort', { min: Number(issue.minimum) });
    case 'too_big':
      return t('field.tooLong', { max: Number(issue.maximum) });
    case 'invalid_format':
      return issue.format === 'email' ? t('field.email') : t('field.required');
    case 'invalid_value':
      return t('field.choice');
    case 'invalid_type':
      return issue.input === undefined ? t('field.required') : t('field.choice');
    default:
      return t('field.required');
  }
}

/** Validates a form body; on failure, one message per field in the user's language, to show beside it. */
export function parseForm<S extends z.ZodType>(
  schema: S,
  body: unknown,
  t: Translate,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length ? String(issue.path[0]) : '_form';
    errors[field] ??= issueText(issue, t);
  }
  return { ok: false, errors };
}

/** What the user typed, to put back into a form shown again with errors; secrets are never echoed. */
export function formValues(body: unknown, secret: readonly string[] = []): Record<string, string> {
  const values: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      if (k === '_csrf' || secret.includes(k)) continue;
      if (typeof v === 'string') values[k] = v;
    }
  }
  return values;
}

/** An amount typed in baht ("1,250.50", "฿90") stored as satang; at most two decimals, never negative. */
export const baht = (max = 10_000_000) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/[฿,\s]/g, '') : v),
    z
      .string()
      .regex(/^\d+(\.\d{1,2})?$/, 'field.amount')
      .transform((s) => Math.round(Number(s) * 100))
      .refine((n) => n <= max * 100, 'field.amount'),
  );
