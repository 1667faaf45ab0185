/**
 * The shop's shipping-fee rule: a flat fee, or a fee by parcel weight or by item count (the first
 * tier the parcel fits; above the last tier, the last tier's fee), optionally free above an order amount.
 * Amounts are satang.
 */
export interface ShippingRules {
  mode: 'flat' | 'weight' | 'count';
  flatFee: number;
  freeOver?: number | undefined;
  weightTiers?: { upToGrams: number; fee: number }[] | undefined;
  countTiers?: { upToItems: number; fee: number }[] | undefined;
}

export interface Parcel {
  subtotal: number;
  /** Sum of unit weight x qty; lines without a weight count as 0 g. */
  weightGrams: number;
  items: number;
}

function tierFee<T>(tiers: T[] | undefined, fits: (t: T) => boolean, fee: (t: T) => number, fallback: number): number {
  if (!tiers?.length) return fallback;
  const found = tiers.find(fits) ?? tiers[tiers.length - 1]!;
  return fee(found);
}

export function shippingFeeFor(parcel: Parcel, rules: ShippingRules): number {
  if (rules.freeOver !== undefined && parcel.subtotal >= rules.freeOver) return 0;
  switch (rules.mode) {
    case 'weight':
      return tierFee(rules.weightTiers, (t) => parcel.weightGrams <= t.upToGrams, (t) => t.fee, rules.flatFee);
    case 'count':
      return tierFee(rules.countTiers, (t) => parcel.items <= t.upToItems, (t) => t.fee, rules.flatFee);
    default:
      return rules.flatFee;
  }
}
