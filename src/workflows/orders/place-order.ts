import type { Db, DbOrTx, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, OrderChannel, OrderHistoryRow, OrderLine, PaymentMethod, ShippingAddress } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { findSellablesBySku, variantName, type Sellable } from '#src/modules/catalog/index.ts';
import { availableUnits, refuseShortLines, reserveOrdersLines } from '#src/modules/inventory/index.ts';
import { insertOrders, numberOrders } from '#src/modules/orders/index.ts';
import { parcelLineOf, shippingFeeOf, type ShippingRules } from '#src/modules/shipping/index.ts';

export interface PlaceOrderInput {
  channel: OrderChannel;
  externalId?: string | undefined;
  customer: { id: number; name: string; phone?: string | undefined };
  /**
   * unitPrice overrides the catalog price (a marketplace order keeps the price the buyer paid there).
   * Lines a caller checked already (checkOrderLines, in this transaction or just before it) are not read again.
   */
  lines: LineInput[] | CheckedLines;
  shippingAddress: ShippingAddress;
  paymentMethod: PaymentMethod;
  currency: string;
  /** A fee, or the shop's shipping rules to work it out from the lines at catalog prices (from the same catalog read). */
  shippingFee?: number | { rules: ShippingRules };
  discount?: number;
  note?: string | undefined;
  actor: string;
  language?: 'th' | 'en';
  /** When the order was placed, if not now: a marketplace order keeps the marketplace's order time. */
  placedAt?: Date | undefined;
}

type LineInput = { sku: string; qty: number; unitPrice?: number | undefined };

/** Lines checked against the catalog and what is available now, by checkOrderLines. */
export interface CheckedLines {
  readonly resolved: (LineInput & { item: Sellable })[];
}

export interface PlacedOrder {
  order: Order;
  lines: OrderLine[];
  /** Its history so far: the one "placed" row (a caller's `within` may add more). */
  history: OrderHistoryRow[];
}

/**
 * Places an order: checks every line, then reserves stock and writes the order in one transaction.
 * Either every line is reserved and the order exists, or nothing changed (the rollback is the compensation).
 * `within` lets a caller add its own writes (an address, an idempotency key) to the same transaction,
 * before stock is locked.
 */
export async function placeOrder(
  db: Db,
  input: PlaceOrderInput,
  within?: (tx: Tx, placed: PlacedOrder) => Promise<void>,
): Promise<PlacedOrder> {
  return withTransaction(db, (tx) => placeOrderInTx(tx, input, within));
}

export async function placeOrderInTx(
  tx: Tx,
  input: PlaceOrderInput,
  within?: (tx: Tx, placed: PlacedOrder) => Promise<void>,
): Promise<PlacedOrder> {
  const [placed] = await placeOrdersInTx(tx, [input], within && ((tx, [one]) => within(tx, one!)));
  return placed!;
}

/**
 * placeOrderInTx for orders placed together (a group of API orders): the same steps, each one
 * statement for all of them. Either every order is placed or none (the first refusal is thrown).
 * `within` gets them in the inputs' order.
 */
export async function placeOrdersInTx(
  tx: Tx,
  inputs: readonly PlaceOrderInput[],
  within?: (tx: Tx, placed: PlacedOrder[]) => Promise<void>,
): Promise<PlacedOrder[]> {
  const resolvedLines: CheckedLines['resolved'][] = [];
  const shippingFees: number[] = [];
  for (const input of inputs) {
    const { resolved } = Array.isArray(input.lines) ? await checkOrderLines(tx, input.lines) : input.lines;
    resolvedLines.push(resolved);
    shippingFees.push(
      typeof input.shippingFee === 'object'
        ? await shippingFeeOf(tx, resolved.map((l) => parcelLineOf(l.item, l.qty)), input.shippingFee.rules)
        : (input.shippingFee ?? 0),
    );
  }

  // Then change. The stock rows are locked late and the order numbers (the next of a gap-free counter)
  // are taken last: placements queue on both until commit, so nothing slow happens after reserving, and
  // a placement refused for stock never takes a number.
  const placed = await insertOrders(
    tx,
    inputs.map((input, i) => ({
      channel: input.channel,
      externalId: input.externalId,
      customerId: input.customer.id,
      customerName: input.customer.name,
      customerPhone: input.customer.phone,
      paymentMethod: input.paymentMethod,
      currency: input.currency,
      shippingFee: shippingFees[i]!,
      discount: input.discount ?? 0,
      shippingAddress: input.shippingAddress,
      note: input.note,
      actor: input.actor,
      placedAt: input.placedAt,
      lines: resolvedLines[i]!.map((l) => ({
        variantId: l.item.variantId,
        sku: l.item.sku,
        name: variantName(l.item, input.language ?? 'th'),
        unitPrice: l.unitPrice ?? l.item.price,
        qty: l.qty,
      })),
    })),
  );
  if (within) await within(tx, placed);

  await reserveOrdersLines(tx, placed.map((p, i) => ({ orderId: p.order.id, lines: p.lines, actor: inputs[i]!.actor })));
  const numbered = await numberOrders(tx, placed.map((p) => p.order));
  return placed.map((p, i) => ({ ...p, order: numbered[i]! }));
}

/**
 * Checks an order's lines without side effects: known SKUs, still sold, and available now (an unlocked
 * read: a sold-out product is refused before anything is written or locked; the locked allocation
 * still decides). A caller may check first, before its own writes, and hand the result to placement.
 */
export async function checkOrderLines(db: DbOrTx, lines: LineInput[]): Promise<CheckedLines> {
  const [checked] = await checkOrdersLines(db, [lines]);
  if (checked instanceof Error) throw checked;
  return checked!;
}

/**
 * checkOrderLines for orders checked together, in one read: each order's lines, or the error that
 * refuses them. What the orders before one take counts against it, as if they had been placed first,
 * and so does `held` (units by variant that placements still in progress are taking), as it is when the
 * read returns.
 */
export async function checkOrdersLines(db: DbOrTx, orders: readonly LineInput[][], held?: ReadonlyMap<number, number>): Promise<(CheckedLines | AppError)[]> {
  const merged = orders.map(mergeLines);
  // One read: the catalog and what is available of each variant.
  const sellables = await findSellablesBySku(
    db,
    merged.flatMap((lines) => lines.map((l) => l.sku)),
    { available: availableUnits() },
  );
  const taken = new Map(held);
  return merged.map((lines) => {
    try {
      const checked = resolveLines(lines, sellables, taken);
      for (const l of checked.resolved) taken.set(l.item.variantId, (taken.get(l.item.variantId) ?? 0) + l.qty);
      return checked;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  });
}

function resolveLines(merged: LineInput[], sellables: ReadonlyMap<string, Sellable & { available: number }>, taken: ReadonlyMap<number, number>): CheckedLines {
  if (merged.length === 0) throw new AppError('EMPTY_ORDER', 'An order needs at least one line');
  const unknown = merged.filter((l) => !sellables.has(l.sku.toLowerCase())).map((l) => l.sku);
  if (unknown.length > 0) {
    throw new AppError('UNKNOWN_SKU', `Unknown SKU: ${unknown.join(', ')}`, { skus: unknown });
  }
  const resolved = merged.map((l) => ({ ...l, item: sellables.get(l.sku.toLowerCase())! }));
  const inactive = resolved.filter((l) => !l.item.active).map((l) => l.item.sku);
  if (inactive.length > 0) {
    throw new AppError('INACTIVE_PRODUCT', `No longer sold: ${inactive.join(', ')}`, { skus: inactive });
  }
  refuseShortLines(
    resolved.map((l) => ({ variantId: l.item.variantId, sku: l.item.sku, qty: l.qty })),
    new Map(resolved.map((l) => [l.item.variantId, l.item.available - (taken.get(l.item.variantId) ?? 0)])),
  );
  return { resolved };
}

/** Two lines of the same SKU become one, so the customer sees "x3" rather than "x1" and "x2". */
function mergeLines(lines: LineInput[]): LineInput[] {
  const bySku = new Map<string, LineInput>();
  for (const l of lines) {
    const key = l.sku.toLowerCase();
    const prev = bySku.get(key);
    bySku.set(key, { sku: prev?.sku ?? l.sku, qty: (prev?.qty ?? 0) + l.qty, unitPrice: prev ? prev.unitPrice : l.unitPrice });
  }
  return [...bySku.values()];
}
