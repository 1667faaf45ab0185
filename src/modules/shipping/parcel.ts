import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { productVariants } from '../../db/schema/index.ts';
import { shippingFeeFor, type Parcel, type ShippingRules } from './fees.ts';

/** A cart or order as a parcel: its subtotal, its weight (unit weight × qty; no weight = 0 g) and its item count. */
export async function parcelOf(db: DbOrTx, lines: readonly { variantId: number; qty: number; unitPrice: number }[]): Promise<Parcel> {
  const ids = [...new Set(lines.map((l) => l.variantId))];
  const weights = new Map<number, number>();
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
export async function shippingFeeOf(db: DbOrTx, lines: readonly { variantId: number; qty: number; unitPrice: number }[], rules: ShippingRules): Promise<number> {
  return shippingFeeFor(await parcelOf(db, lines), rules);
}
