import { and, asc, eq, inArray, isNotNull, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { shipmentEvents, shipments, type Shipment, type ShipmentEvent, type shipmentStatus } from '../../db/schema/index.ts';
import type { CarrierEvent, CarrierEventStatus } from './carriers/port.ts';

type ShipmentStatus = (typeof shipmentStatus.enumValues)[number];
/** A carrier event status that moves a parcel (exception is news for the merchant, not a status). */
export type ParcelStatus = Exclude<CarrierEventStatus, 'exception'>;

/** Parcel statuses after which the carrier has nothing more to tell. */
export const finishedParcelStatuses = ['delivered', 'returned', 'cancelled'] as const satisfies readonly ShipmentStatus[];
/** Parcels the carrier does not follow: planned (not left) and not yet booked. */
const notFollowed = ['pending', 'booking'] as const satisfies readonly ShipmentStatus[];

/**
 * Events at the same carrier time are put in the order a parcel lives them; a later time always wins, so
 * an event that arrives late (a redelivered "out for delivery" after "delivered") lands on the timeline
 * in its place and changes nothing.
 */
const lifeOrder: Record<CarrierEventStatus, number> = {
  booked: 0,
  picked_up: 1,
  in_transit: 2,
  out_for_delivery: 3,
  failed_attempt: 4,
  exception: 4,
  returning: 5,
  delivered: 6,
  returned: 7,
  cancelled: 8,
};

/** Whether event a happened after event b (the carrier's time first, then the order a parcel lives them). */
export function happenedAfter(a: Pick<CarrierEvent, 'at' | 'status'>, b: Pick<CarrierEvent, 'at' | 'status'>): boolean {
  const dt = a.at.getTime() - b.at.getTime();
  return dt === 0 ? lifeOrder[a.status] > lifeOrder[b.status] : dt > 0;
}

/** Records the events a parcel does not have yet (same carrier code and time = the same event); returns the new ones. */
export async function recordShipmentEvents(
  tx: Tx,
  shipmentId: number,
  events: readonly Pick<CarrierEvent, 'status' | 'at' | 'description' | 'location' | 'rawCode'>[],
  source: 'webhook' | 'track' | 'staff' | 'booking',
): Promise<ShipmentEvent[]> {
  if (events.length === 0) return [];
  return tx
    .insert(shipmentEvents)
    .values(
      events.map((e) => ({
        shipmentId,
        status: e.status,
        at: e.at,
        description: e.description.slice(0, 500),
        location: e.location?.slice(0, 200),
        rawCode: e.rawCode.slice(0, 100),
        source,
      })),
    )
    .onConflictDoNothing({ target: [shipmentEvents.shipmentId, shipmentEvents.rawCode, shipmentEvents.at] })
    .returning();
}

/** The parcel's latest event that moves it (its status now), by the carrier's time. */
export async function latestParcelEvent(db: DbOrTx, shipmentId: number): Promise<(ShipmentEvent & { status: ParcelStatus }) | undefined> {
  const rows = await db.select().from(shipmentEvents).where(eq(shipmentEvents.shipmentId, shipmentId));
  let latest: ShipmentEvent | undefined;
  for (const r of rows) if (r.status !== 'exception' && (!latest || happenedAfter(r, latest))) latest = r;
  return latest as (ShipmentEvent & { status: ParcelStatus }) | undefined;
}

/** The parcel's status as its latest event says; delivered also records when. */
export async function setParcelStatus(tx: Tx, shipmentId: number, status: ParcelStatus, at: Date): Promise<Shipment> {
  const [row] = await tx
    .update(shipments)
    .set({ status, statusAt: at, ...(status === 'delivered' ? { deliveredAt: at } : {}) })
    .where(eq(shipments.id, shipmentId))
    .returning();
  return row!;
}

/** The timeline of each of the order's parcels, oldest first. */
export async function shipmentTimeline(db: DbOrTx, orderId: number): Promise<Map<number, ShipmentEvent[]>> {
  const rows = await db
    .select({ event: shipmentEvents })
    .from(shipmentEvents)
    .innerJoin(shipments, eq(shipments.id, shipmentEvents.shipmentId))
    .where(eq(shipments.orderId, orderId))
    .orderBy(asc(shipmentEvents.at), asc(shipmentEvents.id));
  const byShipment = new Map<number, ShipmentEvent[]>();
  for (const { event } of rows) {
    const list = byShipment.get(event.shipmentId) ?? [];
    list.push(event);
    byShipment.set(event.shipmentId, list);
  }
  for (const list of byShipment.values()) list.sort((a, b) => (happenedAfter(a, b) ? 1 : happenedAfter(b, a) ? -1 : a.id - b.id));
  return byShipment;
}

/** The parcels with these tracking numbers (compared without case) or carrier references (our outTradeNo). */
export async function shipmentsByTracking(db: DbOrTx, trackingNumbers: readonly string[], references: readonly string[] = []): Promise<Shipment[]> {
  const numbers = [...new Set(trackingNumbers.map((t) => t.toUpperCase()))];
  const found: Shipment[] = [];
  for (let i = 0; i < numbers.length; i += 500) {
    found.push(...(await db.select().from(shipments).where(inArray(sql`upper(${shipments.trackingNumber})`, numbers.slice(i, i + 500)))));
  }
  const refs = references.filter((r) => r !== '');
  if (refs.length > 0) {
    const seen = new Set(found.map((s) => s.id));
    for (const s of await db.select().from(shipments).where(inArray(shipments.outTradeNo, refs))) if (!seen.has(s.id)) found.push(s);
  }
  return found;
}

/** Parcels of a carrier (by the name shipments store) still on their way: what a tracking run asks about, oldest first. */
export async function openParcelsOf(db: DbOrTx, carrierNames: readonly string[], limit: number, afterId = 0): Promise<Pick<Shipment, 'id' | 'trackingNumber'>[]> {
  if (carrierNames.length === 0) return [];
  return db
    .select({ id: shipments.id, trackingNumber: shipments.trackingNumber })
    .from(shipments)
    .where(
      and(
        inArray(shipments.carrier, [...carrierNames]),
        isNotNull(shipments.trackingNumber),
        notInArray(shipments.status, [...finishedParcelStatuses, ...notFollowed]),
        sql`${shipments.id} > ${afterId}`,
      ),
    )
    .orderBy(asc(shipments.id))
    .limit(limit);
}
