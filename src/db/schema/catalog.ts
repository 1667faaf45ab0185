import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, money, updatedAt } from './columns.ts';

export const categories = pgTable('categories', {
  id: serial('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  nameTh: text('name_th').notNull(),
  nameEn: text('name_en').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
  createdAt: createdAt(),
});

export const products = pgTable(
  'products',
  {
    id: serial('id').primaryKey(),
    nameTh: text('name_th').notNull(),
    nameEn: text('name_en').notNull(),
    descriptionTh: text('description_th').notNull().default(''),
    descriptionEn: text('description_en').notNull().default(''),
    categoryId: integer('category_id').references(() => categories.id, { onDelete: 'set null' }),
    images: jsonb('images').$type<string[]>().notNull().default([]),
    /** How long one unit lasts a customer, for reorder reminders; null when unknown. */
    lastsDays: integer('lasts_days'),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('products_category_idx').on(t.categoryId)],
);

/** A sellable unit. A product without options has exactly one variant. */
export const productVariants = pgTable(
  'product_variants',
  {
    id: serial('id').primaryKey(),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sku: text('sku').notNull(),
    /** Option values, e.g. {"size": "L", "colour": "red"}; empty for a single-variant product. */
    options: jsonb('options').$type<Record<string, string>>().notNull().default({}),
    price: money('price').notNull(),
    compareAtPrice: money('compare_at_price'),
    /** What one unit cost the shop, for the stock value; null when not entered. */
    cost: money('cost'),
    /** Shipping weight of one unit in grams, for weight-based shipping fees. */
    weightGrams: integer('weight_grams'),
    currency: text('currency').notNull().default('THB'),
    barcode: text('barcode'),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('product_variants_sku_key').on(sql`lower(${t.sku})`),
    index('product_variants_product_idx').on(t.productId),
    index('product_variants_barcode_idx').on(t.barcode),
    check('product_variants_price_nonneg', sql`${t.price} >= 0`),
  ],
);

export type Category = typeof categories.$inferSelect;
export type Product = typeof products.$inferSelect;
export type NewProduct = typeof products.$inferInsert;
export type ProductVariant = typeof productVariants.$inferSelect;
export type NewProductVariant = typeof productVariants.$inferInsert;
