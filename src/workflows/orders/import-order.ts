import { createHash } from 'node:crypto';
import type { Db } from '#src/db/client.ts';
import { pgErrorCode, withTransaction } from '#src/db/client.ts';
import type { Order } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { findOrCreateCustomerByPhone, normalizeThaiPhone, saveAddress } from '#src/modules/customers/index.ts';
import {
  bindIdempotencyKey,
  claimIdempotencyKey,
  findOrderByExternalId,
  findOrderById,
  type CreateOrderInput,
} from '#src/modules/orders/index.ts';
import type { ShippingRules } from '#src/modules/shipping/index.ts';
import { createBudget } from '#src/lib/budget.ts';
import { checkOrderLines, placeOrderInTx, type PlacedOrder } from './place-order.ts';

export interface ImportOrderOptions {
  idempotencyKey?: string | undefined;
  actor: string;
  currency: string;
  /** The shop's shipping rule, for orders that do not say their shipping fee (an explicit fee is kept as sent). */
  shipping?: ShippingRules | undefined;
}

/**
 * Placements through the API at once in this process. Placements of the same products queue on their
 * stock rows and the order counter until commit whatever their number; more at once only adds
 * connections fighting over the cores and those locks (npm run bench: API order intake, checkout storm).
 */
const placing = createBudget(4);

/**
 * An order sent by another system (a website, a marketplace, staff typing it in): the customer is
 * found or created by phone, then the same place-order workflow as chat runs. With an Idempotency-Key
 * a retried request returns the order the first one created, even when both arrive at once.
 */
export async function importOrder(
  db: Db,
  input: CreateOrderInput,
  opts: ImportOrderOptions,
): Promise<{ order: Order; created: false } | (PlacedOrder & { created: true })> {
  const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
  try {
    return await placing.run(async () => {
      // The lines first, before a transaction opens: under a burst of buyers for the last units each
      // refused one costs one read (a read outside the transaction sees what one inside would, at read
      // committed). It runs in the placement's turn, after the placements before it, so it sees the
      // units they took. With an Idempotency-Key or an external id a refusal waits for their checks,
      // so a replay still gets its order and a duplicate its error.
      const checked = await checkOrderLines(db, input.lines).then(
        (lines) => ({ lines }),
        (err: unknown) => {
          if (err instanceof AppError && (opts.idempotencyKey || input.externalId)) return { refused: err };
          throw err;
        },
      );
      return withTransaction(db, async (tx) => {
        if (opts.idempotencyKey) {
          const claim = await claimIdempotencyKey(tx, opts.idempotencyKey, requestHash);
          if (!claim.claimed) {
            if (claim.requestHash !== requestHash) {
              throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request');
            }
            const order = claim.orderId === null ? undefined : await findOrderById(tx, claim.orderId);
            if (!order) throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key belongs to a request that failed');
            return { order, created: false as const };
          }
        }
        if (input.externalId) {
          const existing = await findOrderByExternalId(tx, input.channel, input.externalId);
          if (existing) throw duplicateExternalId(input, existing.number);
        }
        // The lines' refusal before the customer: a sold-out product is refused before anything is written.
        if ('refused' in checked) throw checked.refused;
        const { lines } = checked;
        const customer = await findOrCreateCustomerByPhone(tx, input.customer);
        const phone = normalizeThaiPhone(input.shippingAddress.phone) ?? input.shippingAddress.phone;
        const placed = await placeOrderInTx(tx, {
          channel: input.channel,
          externalId: input.externalId,
          customer: { id: customer.id, name: input.customer.name, phone: customer.phone ?? undefined },
          lines,
          shippingAddress: { ...input.shippingAddress, phone },
          paymentMethod: input.paymentMethod,
          currency: opts.currency,
          shippingFee: input.shippingFee?.amount ?? (opts.shipping ? { rules: opts.shipping } : 0),
          discount: input.discount?.amount ?? 0,
          note: input.note,
          actor: opts.actor,
        }, async (tx, placed) => {
          await saveAddress(tx, customer.id, { ...input.shippingAddress, phone });
          if (opts.idempotencyKey) await bindIdempotencyKey(tx, opts.idempotencyKey, placed.order.id);
        });
        return { ...placed, created: true as const };
      });
    });
  } catch (err) {
    // Two requests with the same external id raced past the check; the unique index stopped the second.
    if (pgErrorCode(err) === '23505' && input.externalId) {
      const existing = await findOrderByExternalId(db, input.channel, input.externalId);
      if (existing) throw duplicateExternalId(input, existing.number);
    }
    throw err;
  }
}

function duplicateExternalId(input: CreateOrderInput, number: string) {
  return new AppError(
    'DUPLICATE_EXTERNAL_ID',
    `A ${input.channel} order with external id ${input.externalId} already exists as ${number}`,
    { number },
  );
}
