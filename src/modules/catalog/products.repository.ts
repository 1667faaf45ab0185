import { and, asc, eq, ne, sql } from 'drizzle-orm';
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
