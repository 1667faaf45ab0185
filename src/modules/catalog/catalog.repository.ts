import { and, asc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import {
  categories,
  productVariants,
  products,
  type NewProduct,
  type NewProductVariant,
  type Product,
  type ProductVariant,
} from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { productImagePath } from './media.ts';
import { likePattern } from '../../lib/like-pattern.ts';

/** A variant with its product's names; active only when both the product and the variant are. */
export type Sellable = { variantId: ProductVariant['id']; productId: Product['id'] } & Pick<Product, 'nameTh' | 'nameEn'> &
  Pick<ProductVariant, 'sku' | 'options' | 'price' | 'currency' | 'active' | 'weightGrams'>;

/** The display name of a variant: the product's name plus its option values, e.g. "เสื้อยืด (L, แดง)". */
export function variantName(p: { nameTh: string; nameEn: string; options: Record<string, string> }, lang: 'th' | 'en' = 'th') {
  const base = lang === 'th' ? p.nameTh : p.nameEn;
  const opts = Object.values(p.options);
  return opts.length > 0 ? `${base} (${opts.join(', ')})` : base;
}

const sellableColumns = {
  variantId: productVariants.id,
  productId: products.id,
  sku: productVariants.sku,
  nameTh: products.nameTh,
  nameEn: products.nameEn,
  options: productVariants.options,
  price: productVariants.price,
  currency: productVariants.currency,
  active: sql<boolean>`${products.active} and ${productVariants.active}`,
  weightGrams: productVariants.weightGrams,
};

/** What each of a query's extra SQL columns reads as. */
type ValuesOf<X extends Record<string, SQL>> = { [K in keyof X]: X[K] extends SQL<infer T> ? T : never };

/**
 * Variants by SKU, case-insensitively; the map is keyed by the lower-cased SKU. `columns` adds a
 * caller's columns of each variant (product_variants) to the same read (another module's figure, such as its stock).
 */
export async function findSellablesBySku<X extends Record<string, SQL> = Record<never, SQL>>(
  db: DbOrTx,
  skus: string[],
  columns?: X,
): Promise<Map<string, Sellable & ValuesOf<X>>> {
  if (skus.length === 0) return new Map();
  const lowered = [...new Set(skus.map((s) => s.toLowerCase()))];
  const rows = (await db
    .select({ ...sellableColumns, ...columns })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(inArray(sql`lower(${productVariants.sku})`, lowered))) as (Sellable & ValuesOf<X>)[];
  return new Map(rows.map((r) => [r.sku.toLowerCase(), r]));
}

export async function findSellablesByVariantId(db: DbOrTx, variantIds: number[]): Promise<Map<number, Sellable>> {
  if (variantIds.length === 0) return new Map();
  const rows = await db
    .select(sellableColumns)
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(inArray(productVariants.id, variantIds));
  return new Map(rows.map((r) => [r.variantId, r]));
}

export async function listSellables(db: DbOrTx, opts: { activeOnly?: boolean } = {}): Promise<Sellable[]> {
  return db
    .select(sellableColumns)
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(opts.activeOnly ? and(eq(products.active, true), eq(productVariants.active, true)) : undefined)
    .orderBy(asc(products.id), asc(productVariants.id));
}

export type CatalogCard = Sellable & Pick<Product, 'categoryId' | 'descriptionTh' | 'descriptionEn' | 'images'>;

/** What chat shows: active variants with their product's category, descriptions and images. */
export async function listCatalogCards(db: DbOrTx, filter: { categoryId?: number | undefined } = {}): Promise<CatalogCard[]> {
  const rows = await db
    .select({
      ...sellableColumns,
      categoryId: products.categoryId,
      descriptionTh: products.descriptionTh,
      descriptionEn: products.descriptionEn,
      images: products.images,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(
      and(
        eq(products.active, true),
        eq(productVariants.active, true),
        filter.categoryId === undefined ? undefined : eq(products.categoryId, filter.categoryId),
      ),
    )
    .orderBy(asc(products.id), asc(productVariants.id));
  // products.images holds stored file names; chat needs their public addresses (relative to PUBLIC_URL).
  return rows.map((r) => ({ ...r, images: r.images.map((file) => productImagePath(r.productId, file)) }));
}

/** Categories that hold at least one product on sale, in the shop's order. */
export async function listCategoriesInUse(db: DbOrTx) {
  return db
    .selectDistinct({ id: categories.id, nameTh: categories.nameTh, nameEn: categories.nameEn, sortOrder: categories.sortOrder })
    .from(categories)
    .innerJoin(products, and(eq(products.categoryId, categories.id), eq(products.active, true)))
    .orderBy(asc(categories.sortOrder), asc(categories.id));
}

export async function ensureCategory(db: DbOrTx, name: string, nameEn = name): Promise<number> {
  const slug = name
    .toLowerCase()
    .normalize('NFC')
    .replace(/\s+/g, '-');
  const [row] = await db
    .insert(categories)
    .values({ slug, nameTh: name, nameEn })
    .onConflictDoUpdate({ target: categories.slug, set: { slug } })
    .returning({ id: categories.id });
  return row!.id;
}

export type NewProductWithVariants = Pick<NewProduct, 'nameTh' | 'nameEn' | 'descriptionTh' | 'descriptionEn' | 'categoryId' | 'images' | 'lastsDays'> & {
  variants: (Pick<NewProductVariant, 'sku' | 'price' | 'options' | 'compareAtPrice' | 'barcode'> & { currency: string })[];
};

export async function createProduct(
  db: DbOrTx,
  input: NewProductWithVariants,
): Promise<{ product: Product; variants: ProductVariant[] }> {
  const existing = await findSellablesBySku(
    db,
    input.variants.map((v) => v.sku),
  );
  if (existing.size > 0) {
    throw new AppError('DUPLICATE_SKU', `SKU ${[...existing.values()].map((s) => s.sku).join(', ')} already exists`);
  }
  const [product] = await db
    .insert(products)
    .values({
      nameTh: input.nameTh,
      nameEn: input.nameEn,
      descriptionTh: input.descriptionTh ?? '',
      descriptionEn: input.descriptionEn ?? '',
      categoryId: input.categoryId,
      images: input.images ?? [],
      lastsDays: input.lastsDays,
    })
    .returning();
  const variants = await db
    .insert(productVariants)
    .values(input.variants.map((v) => ({ ...v, productId: product!.id, options: v.options ?? {} })))
    .returning();
  return { product: product!, variants };
}

export async function countProducts(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(products);
  return row!.n;
}

/** A product by what a scanner or a person typed: the SKU (any case) or the barcode. */
export async function findSellableByCode(db: DbOrTx, code: string): Promise<Sellable | undefined> {
  const trimmed = code.trim();
  if (!trimmed) return undefined;
  const bySku = await findSellablesBySku(db, [trimmed]);
  const hit = bySku.get(trimmed.toLowerCase());
  if (hit) return hit;
  const [byBarcode] = await db
    .select({ sku: productVariants.sku })
    .from(productVariants)
    .where(eq(productVariants.barcode, trimmed))
    .limit(1);
  if (!byBarcode) return undefined;
  return (await findSellablesBySku(db, [byBarcode.sku])).get(byBarcode.sku.toLowerCase());
}

/** Up to `limit` active products whose SKU, barcode or Thai/English name contains the text. */
export async function searchSellables(db: DbOrTx, q: string, limit = 10): Promise<Sellable[]> {
  const text = q.trim();
  if (!text) return [];
  const like = likePattern(text);
  const rows = await db
    .select({ sku: productVariants.sku })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .where(
      and(
        eq(products.active, true),
        eq(productVariants.active, true),
        or(ilike(productVariants.sku, like), ilike(products.nameTh, like), ilike(products.nameEn, like), eq(productVariants.barcode, text)),
      ),
    )
    .orderBy(productVariants.sku)
    .limit(limit);
  const found = await findSellablesBySku(db, rows.map((r) => r.sku));
  return rows.map((r) => found.get(r.sku.toLowerCase())!).filter(Boolean);
}
