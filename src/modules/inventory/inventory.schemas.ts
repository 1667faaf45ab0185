import { z } from 'zod';
import type { StockReason } from '../../db/schema/index.ts';

const ledgerReasons = ['receive', 'adjust', 'count', 'damage'] as const satisfies readonly StockReason[];

export const stockAdjustmentInput = z.object({
  sku: z.string().trim().min(1).max(64),
  warehouse: z.string().trim().min(1).max(32).optional(),
  delta: z
    .number()
    .int()
    .min(-1_000_000_000)
    .max(1_000_000_000)
    .refine((d) => d !== 0, 'must not be zero'),
  /** One of receive, adjust, count, damage; any other text is kept as the note of a receipt or an adjustment. */
  reason: z.string().trim().min(1).max(500),
});
export type StockAdjustmentInput = z.infer<typeof stockAdjustmentInput>;

export function ledgerReasonFor(input: Pick<StockAdjustmentInput, 'delta' | 'reason'>): {
  reason: StockReason;
  note: string | undefined;
} {
  const known = ledgerReasons.find((r) => r === input.reason.toLowerCase());
  if (known) return { reason: known, note: undefined };
  return { reason: input.delta > 0 ? 'receive' : 'adjust', note: input.reason };
}
