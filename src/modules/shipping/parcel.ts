import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { productVariants } from '../../db/schema/index.ts';
import { findSellablesBySku, type Sellable } from '../catalog/index.ts';
import { shippingFeeFor, type Parcel, type ShippingRules } from './fees.ts';

/** A line of a parcel; its unit weight when the caller read it already (null: the variant has none). */
export type ParcelLine = { variantId: number; qty: number; unitPrice: number; weightGrams?: number | null | undefined };

/** A catalog variant as a parcel line at its catalog price, with the weight read beside it. */
export const parcelLineOf = (item: Pick<Sellable, 'variantId' | 'price' | 'weightGrams'>, qty: number): ParcelLine => ({
  variantId: item.variantId,
  qty,
  unitPrice: item.price,
  weightGrams: item.weightGrams,
});

/** A cart or order as a parcel: its subtotal, its weight (unit weight × qty; no weight = 0 g) and its item count. */
export async function parcelOf(db: DbOrTx, lines: readonly ParcelLine[]): Promise<Parcel> {
  const weights = new Map<number, number>();
  for (const l of lines) if (l.weightGrams !== undefined) weights.set(l.variantId, l.weightGrams ?? 0);
  const ids = [...new Set(lines.map((l) => l.variantId))].filter((id) => !weights.has(id));
  if (ids.length > 0) {
    const rows = await db.select({ id: productVariants.id, weightGrams: productVariants.weightGrams }).from(productVariants).where(inArray(productVariants.id, ids));
    for (const r of rows) weights.set(r.id, r.weightGrams ?? 0);
  }
  return {
    subtotal: lines.reduce((n, l) => n + l.unitPrice * l.qty, 0),
    weightGrams: lines.reduce((n, l) => n + (weights.get(l.variantId) ?? 0) * l.qty, 0),
    items: lines.reduce((n, l) => n + l.qty, 0),
  };
}

/** The shop's shipping fee for these lines under its rules. */
export async function shippingFeeOf(db: DbOrTx, lines: readonly ParcelLine[], rules: ShippingRules): Promise<number> {
  return shippingFeeFor(await parcelOf(db, lines), rules);
}

/**
 * The shop's shipping fee for lines given by SKU, at catalog prices: what staff are offered for a
 * typed-in order (placement works out an imported order's fee the same way, from its own catalog
 * read). Unknown SKUs count for nothing (placing the order refuses them); with none known the fee is 0.
 */
export async function shippingFeeForSkus(db: DbOrTx, lines: readonly { sku: string; qty: number }[], rules: ShippingRules): Promise<number> {
  const found = await findSellablesBySku(db, lines.map((l) => l.sku));
  const priced = lines.flatMap((l) => {
    const s = found.get(l.sku.toLowerCase());
    return s ? [parcelLineOf(s, l.qty)] : [];
  });
  if (priced.length === 0) return 0;
  return shippingFeeOf(db, priced, rules);
}
