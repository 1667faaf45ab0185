import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { categories, productVariants, products, type Category, type Product, type ProductVariant } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';

/** The product fields the back office edits (everything but variants and images). */
export type ProductFields = Pick<Product, 'nameTh' | 'nameEn' | 'descriptionTh' | 'descriptionEn' | 'categoryId' | 'lastsDays' | 'active'>;

/** A variant as the back office edits it; money in satang. */
export type VariantFields = Pick<ProductVariant, 'sku' | 'options' | 'price' | 'compareAtPrice' | 'cost' | 'weightGrams' | 'barcode' | 'active'>;

export async function findProduct(db: DbOrTx, id: number): Promise<Product | undefined> {
  const [row] = await db.select().from(products).where(eq(products.id, id));
  return row;
}

export async function variantsOf(db: DbOrTx, productId: number): Promise<ProductVariant[]> {
  return db.select().from(productVariants).where(eq(productVariants.productId, productId)).orderBy(asc(productVariants.id));
}

export async function findVariant(db: DbOrTx, id: number): Promise<ProductVariant | undefined> {
  const [row] = await db.select().from(productVariants).where(eq(productVariants.id, id));
  return row;
}

/** Refuses a SKU another variant already holds (case-insensitively), before the unique index would. */
export async function assertSkuFree(db: DbOrTx, sku: string, exceptVariantId?: number): Promise<void> {
  const [row] = await db
    .select({ id: productVariants.id, sku: productVariants.sku })
    .from(productVariants)
    .where(
      and(
        sql`lower(${productVariants.sku}) = ${sku.toLowerCase()}`,
        exceptVariantId === undefined ? undefined : ne(productVariants.id, exceptVariantId),
      ),
    );
  if (row) throw new AppError('DUPLICATE_SKU', `SKU ${row.sku} already exists`, { sku: row.sku });
}

export async function insertProduct(db: DbOrTx, fields: ProductFields): Promise<Product> {
  const [row] = await db.insert(products).values(fields).returning();
  return row!;
}

export async function updateProduct(db: DbOrTx, id: number, fields: Partial<ProductFields>): Promise<void> {
  await db.update(products).set({ ...fields, updatedAt: new Date() }).where(eq(products.id, id));
}

export async function insertVariant(db: DbOrTx, productId: number, fields: VariantFields, currency = 'THB'): Promise<ProductVariant> {
  await assertSkuFree(db, fields.sku);
  const [row] = await db
    .insert(productVariants)
    .values({ ...fields, productId, currency })
    .returning();
  return row!;
}

export async function updateVariant(db: DbOrTx, id: number, fields: Partial<VariantFields>): Promise<void> {
  if (fields.sku !== undefined) await assertSkuFree(db, fields.sku, id);
  await db.update(productVariants).set({ ...fields, updatedAt: new Date() }).where(eq(productVariants.id, id));
}

export async function setProductImages(db: DbOrTx, productId: number, images: string[]): Promise<void> {
  await db.update(products).set({ images, updatedAt: new Date() }).where(eq(products.id, productId));
}

export async function listCategories(db: DbOrTx): Promise<Category[]> {
  return db.select().from(categories).orderBy(asc(categories.sortOrder), asc(categories.id));
}

export async function findCategory(db: DbOrTx, id: number): Promise<Category | undefined> {
  const [row] = await db.select().from(categories).where(eq(categories.id, id));
  return row;
}

/** A category by its Thai name (case-insensitive), created when there is none. */
export async function categoryByName(db: DbOrTx, nameTh: string, nameEn?: string): Promise<number> {
  const [found] = await db
    .select({ id: categories.id })
    .from(categories)
    .where(sql`lower(${categories.nameTh}) = ${nameTh.toLowerCase()}`)
    .limit(1);
  if (found) return found.id;
  return ensureCategorySlug(db, nameTh, nameEn ?? nameTh);
}

async function ensureCategorySlug(db: DbOrTx, nameTh: string, nameEn: string): Promise<number> {
  const base = nameTh.toLowerCase().normalize('NFC').trim().replace(/\s+/g, '-').slice(0, 80) || 'category';
  for (let i = 0; i < 50; i++) {
    const slug = i === 0 ? base : `${base}-${i + 1}`;
    const inserted = await db.insert(categories).values({ slug, nameTh, nameEn }).onConflictDoNothing().returning({ id: categories.id });
    if (inserted[0]) return inserted[0].id;
  }
  throw new AppError('VALIDATION_ERROR', 'Could not name the category');
}

export async function updateCategory(db: DbOrTx, id: number, fields: { nameTh: string; nameEn: string; sortOrder: number }): Promise<void> {
  await db.update(categories).set(fields).where(eq(categories.id, id));
}

/** "size=L; colour=red" → {size: "L", colour: "red"}; null when a part is not name=value. */
export function parseOptions(input: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of input.split(/[;\n]/)) {
    const s = part.trim();
    if (!s) continue;
    const eqAt = s.indexOf('=');
    if (eqAt <= 0) return null;
    const name = s.slice(0, eqAt).trim();
    const value = s.slice(eqAt + 1).trim();
    if (!name || !value || name.length > 40 || value.length > 80) return null;
    out[name] = value;
  }
  return out;
}

export function formatOptions(options: Record<string, string>): string {
  return Object.entries(options)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

/** A variant with its product's fields and category name: what a catalog file's row is compared with. */
export type VariantWithProduct = Pick<ProductVariant, 'sku' | 'options' | 'price' | 'compareAtPrice' | 'cost' | 'weightGrams' | 'barcode' | 'active'> &
  Pick<Product, 'nameTh' | 'nameEn' | 'descriptionTh' | 'descriptionEn' | 'lastsDays'> & { variantId: number; productId: number; category: string | null };

/** The variants with these SKUs (compared without case), keyed by lower-cased SKU. */
export async function variantsBySku(db: DbOrTx, skus: string[]): Promise<Map<string, VariantWithProduct>> {
  const out = new Map<string, VariantWithProduct>();
  const lowered = [...new Set(skus.map((s) => s.toLowerCase()))];
  for (let i = 0; i < lowered.length; i += 1000) {
    const rows = await db
      .select({
        variantId: productVariants.id,
        productId: products.id,
        sku: productVariants.sku,
        options: productVariants.options,
        price: productVariants.price,
        compareAtPrice: productVariants.compareAtPrice,
        cost: productVariants.cost,
        weightGrams: productVariants.weightGrams,
        barcode: productVariants.barcode,
        active: productVariants.active,
        nameTh: products.nameTh,
        nameEn: products.nameEn,
        descriptionTh: products.descriptionTh,
        descriptionEn: products.descriptionEn,
        lastsDays: products.lastsDays,
        category: categories.nameTh,
      })
      .from(productVariants)
      .innerJoin(products, eq(products.id, productVariants.productId))
      .leftJoin(categories, eq(categories.id, products.categoryId))
      .where(inArray(sql`lower(${productVariants.sku})`, lowered.slice(i, i + 1000)));
    for (const r of rows) out.set(r.sku.toLowerCase(), r);
  }
  return out;
}

/** How many variants the products with these Thai names have (the product a new SKU would join). */
export async function variantCountsByName(db: DbOrTx, names: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < names.length; i += 1000) {
    const rows = await db
      .select({ nameTh: products.nameTh, n: sql<number>`count(${productVariants.id})::int` })
      .from(products)
      .innerJoin(productVariants, eq(productVariants.productId, products.id))
      .where(inArray(products.nameTh, names.slice(i, i + 1000)))
      .groupBy(products.id, products.nameTh)
      .orderBy(products.id);
    // A new SKU joins the first product of that name (applyRow picks the lowest id).
    for (const r of rows) if (!out.has(r.nameTh)) out.set(r.nameTh, r.n);
  }
  return out;
}

/** The first product (lowest id) with this Thai name: the one a new SKU of that name joins. */
export async function firstProductNamed(db: DbOrTx, nameTh: string): Promise<{ id: number } | undefined> {
  const [row] = await db.select({ id: products.id }).from(products).where(eq(products.nameTh, nameTh)).orderBy(products.id).limit(1);
  return row;
}

/** A product has one variant without options, or several variants that each have options. */
export function checkOptionsRule(variants: { id: number; options: Record<string, string> }[]) {
  if (variants.length > 1 && variants.some((v) => Object.keys(v.options).length === 0)) {
    throw new AppError('VALIDATION_ERROR', 'Every variant of a product with several variants needs option values', { reason: 'optionsNeeded' });
  }
}
