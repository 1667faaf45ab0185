import { and, asc, count, eq, inArray, ne, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { shipmentLines, shipments, type Order, type Shipment, type ShipmentLine, type shipmentStatus } from '../../db/schema/index.ts';
import { AppError } from '../../errors.ts';

type ShipmentStatus = (typeof shipmentStatus.enumValues)[number];
/** A planned parcel of a split order, waiting for its carrier and tracking number. */
export const parcelPlanned = 'pending' satisfies ShipmentStatus;
/** A parcel handed to the carrier. */
export const parcelShipped = 'shipped' satisfies ShipmentStatus;

/** No parcel of the order has left yet (there are none, or only planned ones). */
export const nothingShipped = (parcels: readonly Pick<Shipment, 'status'>[]) => parcels.every((p) => p.status === parcelPlanned);

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

/** Refuses a change to an order of which a parcel has left already (ORDER_NOT_EDITABLE). */
export async function assertNothingShipped(tx: Tx, order: Pick<Order, 'id' | 'number'>): Promise<void> {
  const [shipped] = await tx
    .select({ n: count() })
    .from(shipments)
    .where(and(eq(shipments.orderId, order.id), ne(shipments.status, parcelPlanned)));
  if (shipped!.n > 0) throw new AppError('ORDER_NOT_EDITABLE', `Order ${order.number} has a parcel on its way already`);
}

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

/** How many planned parcels of the order still wait to ship. */
export async function plannedParcelCount(db: DbOrTx, orderId: number): Promise<number> {
  const [waiting] = await db.select({ n: count() }).from(shipments).where(and(eq(shipments.orderId, orderId), eq(shipments.status, parcelPlanned)));
  return waiting!.n;
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
