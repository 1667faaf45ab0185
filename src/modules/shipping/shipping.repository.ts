import { asc, eq } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../db/client.ts';
import { shipments, type Shipment } from '../../db/schema/index.ts';

export async function addShipment(
  tx: Tx,
  input: { orderId: number; carrier: string; trackingNumber: string; warehouseId?: number | undefined },
): Promise<Shipment> {
  const [row] = await tx
    .insert(shipments)
    .values({ ...input, status: 'shipped', shippedAt: new Date() })
    .returning();
  return row!;
}

export async function shipmentsOf(db: DbOrTx, orderId: number): Promise<Shipment[]> {
  return db.select().from(shipments).where(eq(shipments.orderId, orderId)).orderBy(asc(shipments.id));
}
