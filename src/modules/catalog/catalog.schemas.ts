import { z } from 'zod';

export const moneyInput = z.object({
  amount: z.number().int('must be whole minor units (satang)').min(0).max(100_000_000_000, 'is more than a billion baht'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default('THB'),
});

export const skuSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may hold letters, digits, dot, dash and underscore');

/** The API's product: one sellable SKU; a name may carry both languages as "ไทย / English". */
export const createProductInput = z.object({
  sku: skuSchema,
  name: z.string().trim().min(1).max(200),
  nameEn: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(5000).optional(),
  category: z.string().trim().min(1).max(100).optional(),
  price: moneyInput,
  compareAtPrice: moneyInput.optional(),
  barcode: z.string().trim().min(1).max(64).optional(),
  stock: z
    .object({
      warehouse: z.string().trim().min(1).max(32).optional(),
      onHand: z.number().int().min(0).max(1_000_000_000),
    })
    .optional(),
});
export type CreateProductInput = z.infer<typeof createProductInput>;
