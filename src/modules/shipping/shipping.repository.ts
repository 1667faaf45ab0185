import { and, asc, count, eq, inArray, ne, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { shipmentLines, shipments, type Order, type Shipment, type ShipmentLine, type shipmentStatus } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';

type ShipmentStatus = (typeof shipmentStatus.enumValues)[number];
/** A planned parcel of a split order, waiting for its carrier and tracking number. */
export const parcelPlanned = 'pending' satisfies ShipmentStatus;
/** A parcel handed to the carrier. */
export const parcelShipped = 'shipped' satisfies ShipmentStatus;

/** No parcel of the order has left or is booked yet (there are none, or only planned or cancelled ones). */
export const nothingShipped = (parcels: readonly Pick<Shipment, 'status'>[]) => parcels.every((p) => p.status === parcelPlanned || p.status === 'cancelled');

/** A parcel as planned: which lines and how many of each travel in it, from which warehouse. */
export interface ParcelPlan {
  warehouseId?: number | undefined;
  lines: { orderLineId: number; qty: number }[];
}

export async function addShipment(
  tx: Tx,
  input: { orderId: number; carrier: string; trackingNumber: string; warehouseId?: number | undefined },
): Promise<Shipment> {
  const [row] = await tx
    .insert(shipments)
    .values({ ...input, status: parcelShipped, shippedAt: new Date() })
    .returning();
  return row!;
}

export async function shipmentsOf(db: DbOrTx, orderId: number): Promise<Shipment[]> {
  return db.select().from(shipments).where(eq(shipments.orderId, orderId)).orderBy(asc(shipments.id));
}

/** The order of each tracking number (compared without case), for matching a carrier's file. */
export async function orderIdsByTracking(db: DbOrTx, trackingNumbers: readonly string[]): Promise<Map<string, number>> {
  const wanted = [...new Set(trackingNumbers.map((t) => t.toUpperCase()).filter(Boolean))];
  const found = new Map<string, number>();
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await db
      .select({ orderId: shipments.orderId, tracking: shipments.trackingNumber })
      .from(shipments)
      .where(inArray(sql`upper(${shipments.trackingNumber})`, wanted.slice(i, i + 500)));
    for (const r of rows) if (r.tracking) found.set(r.tracking.toUpperCase(), r.orderId);
  }
  return found;
}

/** When the order's last parcel was delivered, as the carrier reported it. */
export async function lastParcelDeliveredAt(db: DbOrTx, orderId: number): Promise<Date | undefined> {
  const [parcel] = await db
    .select({ at: sql<Date | null>`max(${shipments.deliveredAt})` })
    .from(shipments)
    .where(eq(shipments.orderId, orderId));
  return parcel?.at ? new Date(parcel.at) : undefined;
}

/**
 * Refuses a change to an order of which a parcel has left already (ORDER_NOT_EDITABLE), or is booked
 * with a carrier and waits for the courier, or its booking failed (PARCEL_BOOKED): the carrier holds the
 * weight, COD amount and address sent, so the booking is cancelled first (order page) and booked again
 * after the change, never left to go stale.
 */
export async function assertNothingShipped(tx: Tx, order: Pick<Order, 'id' | 'number'>): Promise<void> {
  const parcels = await tx
    .select({ status: shipments.status, outTradeNo: shipments.outTradeNo })
    .from(shipments)
    .where(and(eq(shipments.orderId, order.id), notInArray(shipments.status, [parcelPlanned, 'cancelled'])));
  if (parcels.length === 0) return;
  if (parcels.every(holdsBooking)) throw bookingHeld(order);
  throw new AppError('ORDER_NOT_EDITABLE', `Order ${order.number} has a parcel on its way already`);
}

/** Refuses (PARCEL_BOOKED) while a parcel of the order is booked with a carrier and not picked up, or its booking failed. */
export async function assertNoBookingHeld(tx: Tx, order: Pick<Order, 'id' | 'number'>): Promise<void> {
  const parcels = await tx.select({ status: shipments.status, outTradeNo: shipments.outTradeNo }).from(shipments).where(eq(shipments.orderId, order.id));
  if (parcels.some(holdsBooking)) throw bookingHeld(order);
}

/** A parcel whose booking holds the order: booked and not picked up, or a booking that failed (the carrier may have it). */
export const holdsBooking = (p: Pick<Shipment, 'status' | 'outTradeNo'>) => p.status === parcelBooking || awaitsPickup(p);
const bookingHeld = (order: Pick<Order, 'number'>) => new AppError('PARCEL_BOOKED', `Order ${order.number} has a parcel booked with a carrier; cancel the booking first`);

/** Forgets the order's planned parcels (they were made for lines that changed). */
export async function dropPlannedParcels(tx: Tx, orderId: number): Promise<void> {
  await tx.delete(shipments).where(and(eq(shipments.orderId, orderId), eq(shipments.status, parcelPlanned)));
}

/** Plans the order as these parcels, replacing any earlier plan. */
export async function planParcels(tx: Tx, orderId: number, parcels: ParcelPlan[]): Promise<Shipment[]> {
  await dropPlannedParcels(tx, orderId);
  const created: Shipment[] = [];
  for (const p of parcels) {
    const [shipment] = await tx.insert(shipments).values({ orderId, warehouseId: p.warehouseId, status: parcelPlanned }).returning();
    await tx.insert(shipmentLines).values(p.lines.map((l) => ({ shipmentId: shipment!.id, orderLineId: l.orderLineId, qty: l.qty })));
    created.push(shipment!);
  }
  return created;
}

/** A planned parcel of the order, row-locked for shipping, with its lines; PARCEL_NOT_FOUND when it is not waiting. */
export async function lockPlannedParcel(tx: Tx, order: Pick<Order, 'id' | 'number'>, shipmentId: number): Promise<{ parcel: Shipment; lines: ShipmentLine[] }> {
  const [parcel] = await tx
    .select()
    .from(shipments)
    .where(and(eq(shipments.id, shipmentId), eq(shipments.orderId, order.id)))
    .for('update');
  if (!parcel || parcel.status !== parcelPlanned) throw new AppError('PARCEL_NOT_FOUND', `Order ${order.number} has no parcel ${shipmentId} waiting to ship`);
  const lines = await tx.select().from(shipmentLines).where(eq(shipmentLines.shipmentId, parcel.id));
  return { parcel, lines };
}

/** A planned parcel leaves with its carrier and tracking number. */
export async function markParcelShipped(tx: Tx, parcelId: number, input: { carrier: string; trackingNumber: string }): Promise<Shipment> {
  const [shipment] = await tx
    .update(shipments)
    .set({ carrier: input.carrier, trackingNumber: input.trackingNumber, status: parcelShipped, shippedAt: new Date() })
    .where(eq(shipments.id, parcelId))
    .returning();
  return shipment!;
}

/** How many planned parcels of the order still wait to leave (planned, or being booked with a carrier). */
export async function plannedParcelCount(db: DbOrTx, orderId: number): Promise<number> {
  const [waiting] = await db
    .select({ n: count() })
    .from(shipments)
    .where(and(eq(shipments.orderId, orderId), inArray(shipments.status, [parcelPlanned, 'booking'])));
  return waiting!.n;
}

/** The lines (and how many of each) a parcel of a split order carries; none for a parcel that holds the whole order. */
export async function parcelLinesOf(db: DbOrTx, shipmentId: number): Promise<ShipmentLine[]> {
  return db.select().from(shipmentLines).where(eq(shipmentLines.shipmentId, shipmentId)).orderBy(asc(shipmentLines.id));
}

/** Whether the order ships as parcels of a split (a parcel not cancelled lists its lines). */
export async function isSplitOrder(db: DbOrTx, orderId: number): Promise<boolean> {
  const rows = await db
    .select({ id: shipments.id })
    .from(shipments)
    .innerJoin(shipmentLines, eq(shipmentLines.shipmentId, shipments.id))
    .where(and(eq(shipments.orderId, orderId), ne(shipments.status, 'cancelled')))
    .limit(1);
  return rows.length > 0;
}

/** A parcel of the order, row-locked; PARCEL_NOT_FOUND when the order has no such parcel. */
export async function lockParcel(tx: Tx, order: Pick<Order, 'id' | 'number'>, shipmentId: number): Promise<Shipment> {
  const [parcel] = await tx
    .select()
    .from(shipments)
    .where(and(eq(shipments.id, shipmentId), eq(shipments.orderId, order.id)))
    .for('update');
  if (!parcel) throw new AppError('PARCEL_NOT_FOUND', `Order ${order.number} has no parcel ${shipmentId}`);
  return parcel;
}

/** Whether an order ships as planned parcels (then each parcel is shipped on its own). */
export async function hasPlannedParcels(db: DbOrTx, orderId: number): Promise<boolean> {
  const rows = await db.select({ id: shipments.id }).from(shipments).where(and(eq(shipments.orderId, orderId), eq(shipments.status, parcelPlanned))).limit(1);
  return rows.length > 0;
}

/** A parcel being booked with a carrier: reserved before the carrier is asked, kept (with its outTradeNo) until it is booked. */
export const parcelBooking = 'booking' satisfies ShipmentStatus;

/** The order's parcel waiting for its booking (reserved before, the call failed or never answered), if any. */
export async function pendingBookingOf(tx: DbOrTx, orderId: number): Promise<Shipment | undefined> {
  const [row] = await tx
    .select()
    .from(shipments)
    .where(and(eq(shipments.orderId, orderId), eq(shipments.status, parcelBooking)))
    .orderBy(asc(shipments.id))
    .limit(1);
  return row;
}

/** Reserves a parcel for booking: our outTradeNo is the order number and the parcel's id, so a retry sends the same one. */
export async function reserveBooking(
  tx: Tx,
  input: { order: Pick<Order, 'id' | 'number'>; carrier: string; warehouseId?: number | undefined; codAmount: number; weightGrams: number },
): Promise<Shipment> {
  const [row] = await tx
    .insert(shipments)
    .values({ orderId: input.order.id, carrier: input.carrier, warehouseId: input.warehouseId, status: parcelBooking, codAmount: input.codAmount, weightGrams: input.weightGrams })
    .returning();
  const [named] = await tx
    .update(shipments)
    .set({ outTradeNo: `${input.order.number}-${row!.id}` })
    .where(eq(shipments.id, row!.id))
    .returning();
  return named!;
}

/** A planned parcel of a split order is being booked: our outTradeNo is the order number and the parcel's id, as for a whole order. */
export async function reservePlannedBooking(
  tx: Tx,
  parcel: Pick<Shipment, 'id'>,
  input: { order: Pick<Order, 'number'>; carrier: string; codAmount: number; weightGrams: number },
): Promise<Shipment> {
  const [row] = await tx
    .update(shipments)
    .set({ carrier: input.carrier, status: parcelBooking, codAmount: input.codAmount, weightGrams: input.weightGrams, outTradeNo: `${input.order.number}-${parcel.id}` })
    .where(and(eq(shipments.id, parcel.id), eq(shipments.status, parcelPlanned)))
    .returning();
  return row!;
}

/**
 * The carrier cancelled a booked parcel before pickup: it stays on the order as cancelled (its number and
 * timeline kept, its outTradeNo used up), and a parcel of a split order is planned again with the same
 * lines, to be booked anew. Returns the new planned parcel, if any.
 */
export async function cancelBookedParcel(tx: Tx, parcel: Shipment, at: Date): Promise<Shipment | undefined> {
  await tx.update(shipments).set({ status: 'cancelled', statusAt: at }).where(eq(shipments.id, parcel.id));
  const lines = await parcelLinesOf(tx, parcel.id);
  if (lines.length === 0) return undefined;
  const [again] = await tx.insert(shipments).values({ orderId: parcel.orderId, warehouseId: parcel.warehouseId, status: parcelPlanned }).returning();
  await tx.insert(shipmentLines).values(lines.map((l) => ({ shipmentId: again!.id, orderLineId: l.orderLineId, qty: l.qty })));
  return again;
}

/** A parcel booked with a carrier and not yet in the courier's hands: it can still be cancelled, and what it carries must not change. */
export const awaitsPickup = (parcel: Pick<Shipment, 'status' | 'outTradeNo'>) => parcel.status === 'booked' && parcel.outTradeNo !== null;

/** How many parcels of a carrier booked from a warehouse wait for its courier (for a pickup request). */
export async function parcelsAwaitingPickup(db: DbOrTx, input: { carrier: string; warehouseId: number | null }): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(shipments)
    .where(
      and(
        eq(shipments.carrier, input.carrier),
        eq(shipments.status, 'booked'),
        input.warehouseId === null ? sql`${shipments.warehouseId} is null` : eq(shipments.warehouseId, input.warehouseId),
      ),
    );
  return row!.n;
}

/** Why the last booking attempt failed (shown on the order and in the bulk results); the parcel stays reserved for a retry. */
export async function recordBookingError(db: DbOrTx, shipmentId: number, reason: string): Promise<void> {
  await db.update(shipments).set({ bookingError: reason.slice(0, 500) }).where(and(eq(shipments.id, shipmentId), eq(shipments.status, parcelBooking)));
}

/** The carrier booked the parcel: its number, what goes on the label, booked now. */
export async function markParcelBooked(
  tx: Tx,
  shipmentId: number,
  input: { carrier: string; trackingNumber: string; sortCode?: string | undefined; sortingLineCode?: string | undefined; destinationStore?: string | undefined; labelPath?: string | undefined },
): Promise<Shipment> {
  const now = new Date();
  const [row] = await tx
    .update(shipments)
    .set({ ...input, status: 'booked', bookingError: null, shippedAt: now, statusAt: now })
    .where(eq(shipments.id, shipmentId))
    .returning();
  return row!;
}

export async function findShipment(db: DbOrTx, shipmentId: number): Promise<Shipment | undefined> {
  const [row] = await db.select().from(shipments).where(eq(shipments.id, shipmentId));
  return row;
}

export async function setLabelPath(db: DbOrTx, shipmentId: number, labelPath: string): Promise<void> {
  await db.update(shipments).set({ labelPath }).where(eq(shipments.id, shipmentId));
}
