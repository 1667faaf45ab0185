import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '#src/db/client.ts';
import { categories, productVariants, products, stockLevels, type Product } from '#src/db/schema/index.ts';
import { likePattern } from '#src/lib/like-pattern.ts';
import type { ExportVariant } from '#src/modules/catalog/index.ts';

export interface ProductFilter {
  q?: string | undefined;
  categoryId?: number | undefined;
  active?: 'yes' | 'no' | undefined;
  page: number;
  perPage: number;
}

export interface ProductListRow {
  product: Product;
  category: string | null;
  categoryEn: string | null;
  variants: number;
  skus: string;
  minPrice: number | null;
  maxPrice: number | null;
  available: number;
}

/** One page of products, searched by name (Thai or English), SKU or barcode; newest first. */
export async function listProducts(db: DbOrTx, filter: ProductFilter): Promise<{ rows: ProductListRow[]; total: number }> {
  const q = filter.q?.trim();
  const pattern = q ? likePattern(q) : undefined;
  const where = and(
    pattern
      ? sql`(${products.nameTh} ilike ${pattern} or ${products.nameEn} ilike ${pattern} or exists (
          select 1 from product_variants sv where sv.product_id = ${products.id} and (sv.sku ilike ${pattern} or sv.barcode ilike ${pattern})))`
      : undefined,
    filter.categoryId ? eq(products.categoryId, filter.categoryId) : undefined,
    filter.active === 'yes' ? eq(products.active, true) : filter.active === 'no' ? eq(products.active, false) : undefined,
  );
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(products).where(where);
  const rows = await db
    .select({
      product: products,
      category: categories.nameTh,
      categoryEn: categories.nameEn,
      variants: sql<number>`(select count(*)::int from product_variants v where v.product_id = ${products.id})`,
      skus: sql<string>`coalesce((select string_agg(v.sku, ', ' order by v.id) from product_variants v where v.product_id = ${products.id}), '')`,
      minPrice: sql<number | null>`(select min(v.price)::bigint from product_variants v where v.product_id = ${products.id})`.mapWith((v) =>
        v === null ? null : Number(v),
      ),
      maxPrice: sql<number | null>`(select max(v.price)::bigint from product_variants v where v.product_id = ${products.id})`.mapWith((v) =>
        v === null ? null : Number(v),
      ),
      available: sql<number>`coalesce((select sum(s.on_hand - s.reserved)::int from stock_levels s join product_variants v on v.id = s.variant_id where v.product_id = ${products.id}), 0)`,
    })
    .from(products)
    .leftJoin(categories, eq(categories.id, products.categoryId))
    .where(where)
    .orderBy(desc(products.id))
    .limit(filter.perPage)
    .offset((filter.page - 1) * filter.perPage);
  return { rows, total: count!.n };
}

/** Stock per variant and warehouse code, for the product page. */
export async function stockOfProduct(db: DbOrTx, productId: number) {
  return db
    .select({ variantId: stockLevels.variantId, onHand: stockLevels.onHand, reserved: stockLevels.reserved, warehouseId: stockLevels.warehouseId })
    .from(stockLevels)
    .innerJoin(productVariants, eq(productVariants.id, stockLevels.variantId))
    .where(eq(productVariants.productId, productId));
}

/** Every variant with its product, in product order, for the CSV export. */
export async function exportVariants(db: DbOrTx): Promise<ExportVariant[]> {
  return db
    .select({
      sku: productVariants.sku,
      nameTh: products.nameTh,
      nameEn: products.nameEn,
      descriptionTh: products.descriptionTh,
      descriptionEn: products.descriptionEn,
      category: categories.nameTh,
      options: productVariants.options,
      price: productVariants.price,
      compareAtPrice: productVariants.compareAtPrice,
      cost: productVariants.cost,
      weightGrams: productVariants.weightGrams,
      barcode: productVariants.barcode,
      active: productVariants.active,
      lastsDays: products.lastsDays,
    })
    .from(productVariants)
    .innerJoin(products, eq(products.id, productVariants.productId))
    .leftJoin(categories, eq(categories.id, products.categoryId))
    .orderBy(asc(products.id), asc(productVariants.id));
}

/** Categories with how many products each holds. */
export async function categoriesWithCounts(db: DbOrTx) {
  return db
    .select({
      id: categories.id,
      nameTh: categories.nameTh,
      nameEn: categories.nameEn,
      sortOrder: categories.sortOrder,
      products: sql<number>`(select count(*)::int from products p where p.category_id = ${categories.id})`,
    })
    .from(categories)
    .orderBy(asc(categories.sortOrder), asc(categories.id));
}
