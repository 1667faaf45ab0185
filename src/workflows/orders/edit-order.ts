import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import {
  invoices,
  orderLines,
  orderRevisions,
  orders,
  shipmentLines,
  shipments,
  stockReservations,
  type Order,
  type OrderLine,
  type OrderSnapshot,
  type Shipment,
  type ShippingAddress,
} from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { formatMoney } from '#src/lib/money.ts';
import { findSellablesBySku, variantName } from '#src/modules/catalog/index.ts';
import { vatIncluded } from '#src/modules/billing/index.ts';
import { allocate, changeStock, lockAvailableStock, releaseOrderReservations, reserveForOrder } from '#src/modules/inventory/index.ts';
import { appendOrderNote, assertEditable, assertMergeable, assertShippable, assertSplittable, linesOf, lockOrder } from '#src/modules/orders/index.ts';
import { paidAmount, recordRefundDue } from '#src/modules/payments/index.ts';
import { resolveCarrier } from '#src/modules/shipping/index.ts';
import { tellCustomer, transitionLockedOrder } from './transition-order.ts';
import { tellTracking } from './ship-order.ts';

const money = (amount: number, currency: string) => formatMoney(amount, currency, 'en');

async function assertNothingShipped(tx: Tx, order: Order) {
  const [shipped] = await tx
    .select({ n: count() })
    .from(shipments)
    .where(and(eq(shipments.orderId, order.id), ne(shipments.status, 'pending')));
  if (shipped!.n > 0) throw new AppError('ORDER_NOT_EDITABLE', `Order ${order.number} has a parcel on its way already`);
}

function snapshotOf(order: Order, lines: OrderLine[]): OrderSnapshot {
  return {
    lines: lines.map(({ variantId, sku, name, unitPrice, qty, lineTotal }) => ({ variantId, sku, name, unitPrice, qty, lineTotal })),
    subtotal: order.subtotal,
    shippingFee: order.shippingFee,
    discount: order.discount,
    total: order.total,
    shippingAddress: order.shippingAddress,
  };
}

/** Keeps the order as it was before a change; returns the revision number. */
async function keepRevision(tx: Tx, order: Order, lines: OrderLine[], actor: string, reason: string | undefined): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(orderRevisions).where(eq(orderRevisions.orderId, order.id));
  const revision = row!.n + 1;
  await tx.insert(orderRevisions).values({ orderId: order.id, revision, before: snapshotOf(order, lines), actor, reason });
  return revision;
}

/** Reserves stock for every line of the order (its earlier reservations must be released or moved first). */
async function reserveLines(tx: Tx, order: Order, lines: OrderLine[], actor: string) {
  const stock = await lockAvailableStock(tx, [...new Set(lines.map((l) => l.variantId))]);
  const plan = allocate(lines.map((l) => ({ lineKey: l.id, variantId: l.variantId, qty: l.qty })), stock);
  if (!plan.ok) {
    const shortages = plan.shortages.map((s) => ({ sku: lines.find((l) => l.variantId === s.variantId)!.sku, requested: s.requested, available: s.available }));
    throw new AppError(
      'INSUFFICIENT_STOCK',
      `Not enough stock: ${shortages.map((s) => `${s.sku} (requested ${s.requested}, available ${s.available})`).join('; ')}`,
      { shortages },
    );
  }
  await reserveForOrder(tx, order.id, plan.allocations.map((a) => ({ ...a, orderLineId: Number(a.lineKey) })), actor);
}

/** Recomputes the totals from the lines; the discount never exceeds what it discounts. */
async function saveTotals(tx: Tx, order: Order, patch: { shippingFee: number; discount: number; shippingAddress?: ShippingAddress }): Promise<Order> {
  const lines = await linesOf(tx, order.id);
  const subtotal = lines.reduce((sum, l) => sum + l.lineTotal, 0);
  const discount = Math.min(patch.discount, subtotal + patch.shippingFee);
  const total = subtotal + patch.shippingFee - discount;
  const [updated] = await tx
    .update(orders)
    .set({ subtotal, shippingFee: patch.shippingFee, discount, total, ...(patch.shippingAddress ? { shippingAddress: patch.shippingAddress } : {}) })
    .where(eq(orders.id, order.id))
    .returning();
  // A receipt already issued follows the order's new amount under the same number (VAT stays 0 when
  // the shop was not VAT-registered when it was issued).
  await tx
    .update(invoices)
    .set({ total, vat: sql`case when ${invoices.vat} = 0 then 0 else ${vatIncluded(total).vat} end` })
    .where(eq(invoices.orderId, order.id));
  return updated!;
}

export interface EditOrderInput {
  number: string;
  /** Every line the order should have afterwards; an order line left out is removed. */
  lines: { sku: string; qty: number }[];
  shippingFee: number;
  discount: number;
  shippingAddress: ShippingAddress;
  reason?: string | undefined;
  actor: string;
  locale?: 'th' | 'en';
}

export interface EditResult {
  order: Order;
  changed: boolean;
  revision?: number;
  /** What the customer still has to pay, or is owed back, after the change (satang). */
  due: number;
  refund: number;
}

/**
 * Changes an order before it ships: quantities, lines, the address, the shipping fee. The old version
 * is kept as a revision; the stock held for the order follows (released and reserved again in one
 * transaction, so a shortage leaves everything as it was); the customer is told the new amount, and
 * money already paid beyond the new total is recorded as a refund owed.
 */
export async function editOrder(db: Db, input: EditOrderInput): Promise<EditResult> {
  return withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.number);
    assertEditable(order);
    await assertNothingShipped(tx, order);
    const before = await linesOf(tx, order.id);

    const wanted = new Map<string, { sku: string; qty: number }>();
    for (const l of input.lines) {
      const key = l.sku.trim().toLowerCase();
      wanted.set(key, { sku: l.sku.trim(), qty: (wanted.get(key)?.qty ?? 0) + l.qty });
    }
    if ([...wanted.values()].every((l) => l.qty <= 0)) throw new AppError('EMPTY_ORDER', 'An order needs at least one line');
    const sellables = await findSellablesBySku(tx, [...wanted.values()].map((l) => l.sku));
    const unknown = [...wanted.values()].filter((l) => !sellables.has(l.sku.toLowerCase())).map((l) => l.sku);
    if (unknown.length > 0) throw new AppError('UNKNOWN_SKU', `Unknown SKU: ${unknown.join(', ')}`, { skus: unknown });
    const byVariant = new Map([...wanted.entries()].map(([key, l]) => [sellables.get(key)!.variantId, { ...l, item: sellables.get(key)! }]));
    const added = [...byVariant.values()].filter((l) => l.qty > 0 && !before.some((b) => b.variantId === l.item.variantId));
    const inactive = added.filter((l) => !l.item.active).map((l) => l.item.sku);
    if (inactive.length > 0) throw new AppError('INACTIVE_PRODUCT', `No longer sold: ${inactive.join(', ')}`, { skus: inactive });

    const sameLines =
      before.length === [...byVariant.values()].filter((l) => l.qty > 0).length &&
      before.every((b) => byVariant.get(b.variantId)?.qty === b.qty);
    const sameAddress = JSON.stringify(order.shippingAddress) === JSON.stringify(input.shippingAddress);
    if (sameLines && sameAddress && order.shippingFee === input.shippingFee && order.discount === Math.min(input.discount, order.subtotal + input.shippingFee)) {
      return { order, changed: false, due: Math.max(0, order.total - (await paidAmount(tx, order.id))), refund: 0 };
    }

    const revision = await keepRevision(tx, order, before, input.actor, input.reason);
    await releaseOrderReservations(tx, order.id, input.actor, `order edited (revision ${revision})`);
    // Planned parcels were made for the old lines.
    await tx.delete(shipments).where(and(eq(shipments.orderId, order.id), eq(shipments.status, 'pending')));

    for (const line of before) {
      const next = byVariant.get(line.variantId);
      if (!next || next.qty <= 0) {
        await tx.delete(orderLines).where(eq(orderLines.id, line.id));
      } else if (next.qty !== line.qty) {
        // The price the customer was quoted stays; only the quantity changes.
        await tx.update(orderLines).set({ qty: next.qty, lineTotal: line.unitPrice * next.qty }).where(eq(orderLines.id, line.id));
      }
    }
    if (added.length > 0) {
      await tx.insert(orderLines).values(
        added.map((l) => ({
          orderId: order.id,
          variantId: l.item.variantId,
          sku: l.item.sku,
          name: variantName(l.item, input.locale ?? 'th'),
          unitPrice: l.item.price,
          qty: l.qty,
          lineTotal: l.item.price * l.qty,
        })),
      );
    }
    await reserveLines(tx, order, await linesOf(tx, order.id), input.actor);
    const updated = await saveTotals(tx, order, { shippingFee: input.shippingFee, discount: input.discount, shippingAddress: input.shippingAddress });

    const paid = await paidAmount(tx, order.id);
    const refund = Math.max(0, paid - updated.total);
    const due = paid > 0 ? Math.max(0, updated.total - paid) : updated.total;
    if (refund > 0) {
      await recordRefundDue(tx, { orderId: order.id, amount: refund, currency: order.currency, reason: `order edited (revision ${revision})`, actor: input.actor });
    }
    const parts = [`edited (revision ${revision}): total ${money(order.total, order.currency)} → ${money(updated.total, order.currency)}`];
    if (paid > 0 && due > 0) parts.push(`still to pay ${money(due, order.currency)}`);
    if (refund > 0) parts.push(`refund owed ${money(refund, order.currency)}`);
    if (input.reason) parts.push(input.reason);
    await appendOrderNote(tx, updated, input.actor, parts.join('; '));
    await tellCustomer(tx, updated, updated.status, input.locale ?? 'th', { total: updated.total, due: paid > 0 ? due : 0, refund }, `:edited:${revision}`, 'order.edited');
    return { order: updated, changed: true, revision, due, refund };
  });
}

export interface MergeInput {
  /** The order that stays. */
  keep: string;
  /** The order whose lines move into it; it is cancelled as merged. */
  absorb: string;
  actor: string;
  locale?: 'th' | 'en';
}

/**
 * Merges two unpaid orders of the same customer into one parcel: the absorbed order's lines (and the
 * stock held for them) move to the kept one, the absorbed order is cancelled with a note, the kept
 * order keeps its own shipping fee and both discounts, and the customer is told the one total.
 */
export async function mergeOrders(db: Db, input: MergeInput): Promise<{ order: Order; absorbed: Order }> {
  return withTransaction(db, async (tx) => {
    if (input.keep.trim().toUpperCase() === input.absorb.trim().toUpperCase()) {
      throw new AppError('MERGE_NOT_ALLOWED', 'An order cannot be merged with itself');
    }
    // Both rows locked in one fixed order, so two merges of the same pair cannot deadlock.
    const [first, second] = [input.keep, input.absorb].sort();
    const locked = new Map<string, Order>();
    for (const n of [first!, second!]) {
      const o = await lockOrder(tx, n);
      locked.set(n, o);
    }
    const keep = locked.get(input.keep)!;
    const absorb = locked.get(input.absorb)!;
    if (keep.customerId !== absorb.customerId) throw new AppError('MERGE_NOT_ALLOWED', 'Only orders of the same customer can be merged');
    for (const o of [keep, absorb]) {
      assertMergeable(o);
      if ((await paidAmount(tx, o.id)) > 0) throw new AppError('MERGE_NOT_ALLOWED', `Order ${o.number} has a payment already`, { number: o.number });
    }
    if (keep.currency !== absorb.currency) throw new AppError('MERGE_NOT_ALLOWED', 'The orders are in different currencies');

    const keepLines = await linesOf(tx, keep.id);
    const revision = await keepRevision(tx, keep, keepLines, input.actor, `merged ${absorb.number}`);
    for (const line of await linesOf(tx, absorb.id)) {
      const same = keepLines.find((l) => l.variantId === line.variantId && l.unitPrice === line.unitPrice);
      let targetId: number;
      if (same) {
        same.qty += line.qty;
        await tx.update(orderLines).set({ qty: same.qty, lineTotal: same.unitPrice * same.qty }).where(eq(orderLines.id, same.id));
        targetId = same.id;
      } else {
        const [copy] = await tx
          .insert(orderLines)
          .values({ orderId: keep.id, variantId: line.variantId, sku: line.sku, name: line.name, unitPrice: line.unitPrice, qty: line.qty, lineTotal: line.lineTotal })
          .returning();
        keepLines.push(copy!);
        targetId = copy!.id;
      }
      // The stock already held for the absorbed line now belongs to the kept order: nothing is released and re-taken.
      await tx
        .update(stockReservations)
        .set({ orderId: keep.id, orderLineId: targetId })
        .where(and(eq(stockReservations.orderLineId, line.id), eq(stockReservations.status, 'active')));
    }
    const updated = await saveTotals(tx, keep, { shippingFee: keep.shippingFee, discount: keep.discount + absorb.discount });
    await appendOrderNote(tx, updated, input.actor, `merged ${absorb.number} into this order (revision ${revision}): total ${money(keep.total, keep.currency)} → ${money(updated.total, keep.currency)}`);
    const cancelled = await transitionLockedOrder(tx, absorb, { to: 'cancelled', actor: input.actor, note: `merged into ${keep.number}`, notify: false });
    await tellCustomer(tx, updated, updated.status, input.locale ?? 'th', { total: updated.total, absorbed: absorb.number }, `:merged:${absorb.number}`, 'order.merged');
    return { order: updated, absorbed: cancelled };
  });
}

export interface ParcelPlan {
  warehouseId?: number | undefined;
  lines: { orderLineId: number; qty: number }[];
}

/**
 * Plans an order as several parcels (from two warehouses, or part now and part later): each parcel
 * lists which lines and how many travel in it, and every unit is in exactly one parcel. Planning
 * again replaces the plan while nothing has shipped.
 */
export async function splitOrder(db: Db, input: { number: string; parcels: ParcelPlan[]; actor: string }): Promise<Shipment[]> {
  return withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.number);
    assertSplittable(order);
    await assertNothingShipped(tx, order);
    const lines = await linesOf(tx, order.id);
    const parcels = input.parcels.map((p) => ({ ...p, lines: p.lines.filter((l) => l.qty > 0) })).filter((p) => p.lines.length > 0);
    if (parcels.length < 2) throw new AppError('SPLIT_INVALID', 'A split needs at least two parcels, each with something in it');
    for (const line of lines) {
      const planned = parcels.reduce((sum, p) => sum + p.lines.filter((l) => l.orderLineId === line.id).reduce((s, l) => s + l.qty, 0), 0);
      if (planned !== line.qty) {
        throw new AppError('SPLIT_INVALID', `${line.sku}: ${planned} planned in parcels, the order has ${line.qty}`, { sku: line.sku, planned, ordered: line.qty });
      }
    }
    const foreign = parcels.flatMap((p) => p.lines).filter((l) => !lines.some((o) => o.id === l.orderLineId));
    if (foreign.length > 0) throw new AppError('SPLIT_INVALID', 'A parcel holds a line of another order');

    await tx.delete(shipments).where(and(eq(shipments.orderId, order.id), eq(shipments.status, 'pending')));
    const created: Shipment[] = [];
    for (const p of parcels) {
      const [shipment] = await tx.insert(shipments).values({ orderId: order.id, warehouseId: p.warehouseId, status: 'pending' }).returning();
      await tx.insert(shipmentLines).values(p.lines.map((l) => ({ shipmentId: shipment!.id, orderLineId: l.orderLineId, qty: l.qty })));
      created.push(shipment!);
    }
    await appendOrderNote(tx, order, input.actor, `split into ${created.length} parcels`);
    return created;
  });
}

/** A split proposal from where the stock is held: one parcel per warehouse. */
export async function parcelsByWarehouse(db: Db | Tx, orderId: number): Promise<ParcelPlan[]> {
  const held = await db
    .select()
    .from(stockReservations)
    .where(and(eq(stockReservations.orderId, orderId), eq(stockReservations.status, 'active')))
    .orderBy(asc(stockReservations.warehouseId), asc(stockReservations.orderLineId));
  const byWarehouse = new Map<number, ParcelPlan>();
  for (const r of held) {
    const parcel = byWarehouse.get(r.warehouseId) ?? { warehouseId: r.warehouseId, lines: [] };
    const line = parcel.lines.find((l) => l.orderLineId === r.orderLineId);
    if (line) line.qty += r.qty;
    else parcel.lines.push({ orderLineId: r.orderLineId, qty: r.qty });
    byWarehouse.set(r.warehouseId, parcel);
  }
  return [...byWarehouse.values()];
}

/** Takes `qty` units of a line out of its held stock as shipped, preferring the parcel's warehouse. */
async function consumeLine(tx: Tx, order: Order, orderLineId: number, qty: number, warehouseId: number | null, actor: string) {
  const held = await tx
    .select()
    .from(stockReservations)
    .where(and(eq(stockReservations.orderLineId, orderLineId), eq(stockReservations.orderId, order.id), eq(stockReservations.status, 'active')))
    .orderBy(asc(stockReservations.variantId), asc(stockReservations.warehouseId))
    .for('update');
  held.sort((a, b) => Number(b.warehouseId === warehouseId) - Number(a.warehouseId === warehouseId));
  let left = qty;
  for (const r of held) {
    if (left === 0) break;
    const take = Math.min(left, r.qty);
    await changeStock(tx, { warehouseId: r.warehouseId, variantId: r.variantId, reservedDelta: -take, onHandDelta: -take, reason: 'ship', refType: 'order', refId: String(order.id), actor });
    if (take === r.qty) {
      await tx.update(stockReservations).set({ status: 'consumed' }).where(eq(stockReservations.id, r.id));
    } else {
      await tx.update(stockReservations).set({ qty: r.qty - take }).where(eq(stockReservations.id, r.id));
      await tx.insert(stockReservations).values({ orderId: order.id, orderLineId, warehouseId: r.warehouseId, variantId: r.variantId, qty: take, status: 'consumed' });
    }
    left -= take;
  }
  if (left > 0) throw new AppError('INSUFFICIENT_STOCK', `Line ${orderLineId} has ${qty - left} of ${qty} units held`);
}

/**
 * Ships one planned parcel with its tracking number: only its units leave the stock. The order moves
 * to shipped with its last parcel; the customer gets each parcel's tracking number once.
 */
export async function shipParcel(
  db: Db,
  input: { number: string; shipmentId: number; carrier: string; trackingNumber: string; actor: string; locale?: 'th' | 'en' },
): Promise<{ order: Order; shipment: Shipment }> {
  return withTransaction(db, async (tx) => {
    let order = await lockOrder(tx, input.number);
    const [parcel] = await tx
      .select()
      .from(shipments)
      .where(and(eq(shipments.id, input.shipmentId), eq(shipments.orderId, order.id)))
      .for('update');
    if (!parcel || parcel.status !== 'pending') throw new AppError('PARCEL_NOT_FOUND', `Order ${order.number} has no parcel ${input.shipmentId} waiting to ship`);
    assertShippable(order);
    const carrier = resolveCarrier(input.carrier);
    for (const l of await tx.select().from(shipmentLines).where(eq(shipmentLines.shipmentId, parcel.id))) {
      await consumeLine(tx, order, l.orderLineId, l.qty, parcel.warehouseId, input.actor);
    }
    const [shipment] = await tx
      .update(shipments)
      .set({ carrier: carrier.name, trackingNumber: input.trackingNumber, status: 'shipped', shippedAt: new Date() })
      .where(eq(shipments.id, parcel.id))
      .returning();
    const [waiting] = await tx.select({ n: count() }).from(shipments).where(and(eq(shipments.orderId, order.id), eq(shipments.status, 'pending')));
    if (waiting!.n === 0) {
      order = await transitionLockedOrder(tx, order, { to: 'shipped', actor: input.actor, note: `${carrier.name} ${input.trackingNumber} (last parcel)`, notify: false });
    } else {
      await appendOrderNote(tx, order, input.actor, `parcel shipped: ${carrier.name} ${input.trackingNumber}; ${waiting!.n} still to ship`);
    }
    await tellTracking(tx, order, carrier, input.trackingNumber, shipment!.id, input.locale);
    return { order, shipment: shipment! };
  });
}

/** Whether an order ships as planned parcels (then each parcel is shipped on its own). */
export async function hasPlannedParcels(db: Db | Tx, orderId: number): Promise<boolean> {
  const rows = await db.select({ id: shipments.id }).from(shipments).where(and(eq(shipments.orderId, orderId), eq(shipments.status, 'pending'))).limit(1);
  return rows.length > 0;
}
