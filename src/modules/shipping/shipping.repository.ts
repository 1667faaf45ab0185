import { asc, eq } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { shipments, type Shipment, type shipmentStatus } from '../../db/schema/index.ts';

type ShipmentStatus = (typeof shipmentStatus.enumValues)[number];
/** A planned parcel of a split order, waiting for its carrier and tracking number. */
export const parcelPlanned = 'pending' satisfies ShipmentStatus;
/** A parcel handed to the carrier. */
export const parcelShipped = 'shipped' satisfies ShipmentStatus;

/** No parcel of the order has left yet (there are none, or only planned ones). */
export const nothingShipped = (parcels: readonly Pick<Shipment, 'status'>[]) => parcels.every((p) => p.status === parcelPlanned);

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
