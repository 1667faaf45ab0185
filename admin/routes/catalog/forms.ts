import { z } from 'zod';
import { pgErrorCode } from '#src/db/client.ts';
import type { Product } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { decimalAmount } from '#src/lib/money.ts';
import { formatOptions, mediaFileName, parseOptions, type VariantFields } from '#src/modules/catalog/index.ts';
import { baht, optional, text, type FieldErrors } from '../../forms.ts';
import type { Translate } from '../../i18n/index.ts';

const maxId = 2_147_483_647;
export const idParams = z.object({ id: z.coerce.number().int().positive().max(maxId) });
export const variantParams = idParams.extend({ variantId: z.coerce.number().int().positive().max(maxId) });
export const imageParams = idParams.extend({ file: z.string().regex(mediaFileName) });

export const listQuery = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  category: z.coerce.number().int().positive().max(maxId).optional().catch(undefined),
  active: z.enum(['yes', 'no']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === '1' || (Array.isArray(v) && v.includes('on')), z.boolean());
const wholeNumber = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/[,\s]/g, '') : v),
    z.string().regex(/^\d+$/, 'catalog.err.whole').transform(Number).pipe(z.number().int().min(0).max(max, 'catalog.err.whole')),
  );

export const productBody = z.object({
  nameTh: text(200),
  nameEn: optional(text(200)),
  descriptionTh: optional(z.string().max(5000)),
  descriptionEn: optional(z.string().max(5000)),
  categoryId: optional(z.coerce.number().int().positive().max(maxId)),
  newCategory: optional(text(100)),
  lastsDays: optional(wholeNumber(3650)),
  active: checkbox,
});

export const variantBody = z.object({
  sku: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z
      .string()
      .min(1)
      .max(64, 'catalog.err.sku')
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'catalog.err.sku'),
  ),
  options: z.preprocess(
    (v) => (typeof v === 'string' ? v : ''),
    z
      .string()
      .max(500)
      .transform((s, ctx) => {
        const parsed = parseOptions(s);
        if (!parsed) {
          ctx.addIssue({ code: 'custom', message: 'catalog.err.options' });
          return z.NEVER;
        }
        return parsed;
      }),
  ),
  price: baht(),
  compareAtPrice: optional(baht()),
  cost: optional(baht()),
  weightGrams: optional(wholeNumber(1_000_000)),
  barcode: optional(text(64)),
  active: checkbox,
});

export const openingBody = z.object({
  warehouseId: optional(z.coerce.number().int().positive().max(maxId)),
  openingQty: optional(wholeNumber(1_000_000)),
});

export const categoryBody = z.object({
  nameTh: text(100),
  nameEn: optional(text(100)),
  sortOrder: optional(z.coerce.number().int().min(-100_000).max(100_000)),
});

const moneyText = (satang: number | null | undefined) => (satang === null || satang === undefined ? '' : decimalAmount(satang));

/** A variant as the form shows it. */
export function variantValues(v: VariantFields) {
  return {
    sku: v.sku,
    options: formatOptions(v.options),
    price: moneyText(v.price),
    compareAtPrice: moneyText(v.compareAtPrice),
    cost: moneyText(v.cost),
    weightGrams: v.weightGrams === null ? '' : String(v.weightGrams),
    barcode: v.barcode ?? '',
    active: v.active ? 'on' : '',
  };
}

/** A product as the form shows it. */
export function productValues(p: Product) {
  return {
    nameTh: p.nameTh,
    nameEn: p.nameEn === p.nameTh ? '' : p.nameEn,
    descriptionTh: p.descriptionTh,
    descriptionEn: p.descriptionEn,
    categoryId: p.categoryId === null ? '' : String(p.categoryId),
    lastsDays: p.lastsDays === null ? '' : String(p.lastsDays),
    active: p.active ? 'on' : '',
  };
}

export function toVariantFields(d: z.output<typeof variantBody>): VariantFields {
  return {
    sku: d.sku,
    options: d.options,
    price: d.price,
    compareAtPrice: d.compareAtPrice ?? null,
    cost: d.cost ?? null,
    weightGrams: d.weightGrams ?? null,
    barcode: d.barcode ?? null,
    active: d.active,
  };
}

/** A variant-form failure the core reports (a SKU in use, options missing) as a field error. */
export function variantProblem(err: unknown, t: Translate): FieldErrors | undefined {
  if (isAppError(err, 'DUPLICATE_SKU')) return { sku: t('catalog.err.skuTaken', { sku: String(err.details?.sku ?? '') }) };
  if (pgErrorCode(err) === '23505') return { sku: t('catalog.err.skuTaken', { sku: '' }) };
  if (isAppError(err, 'VALIDATION_ERROR') && err.details?.reason === 'optionsNeeded') return { options: t('catalog.err.optionsNeeded') };
  return undefined;
}
