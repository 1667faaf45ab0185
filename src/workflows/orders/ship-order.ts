import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, Shipment } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { assertShippable, isShipped, lockOrder } from '#src/modules/orders/index.ts';
import { addShipment, resolveCarrier } from '#src/modules/shipping/index.ts';
import { hasPlannedParcels } from './edit-order.ts';
import { tellCustomer, transitionLockedOrder } from './transition-order.ts';

export interface ShipInput {
  number: string;
  carrier: string;
  trackingNumber: string;
  actor: string;
  locale?: 'th' | 'en';
}

/**
 * Records a parcel with its tracking number. The first parcel ships the order (stock is deducted);
 * later parcels of a shipped order are added to it. Each parcel's tracking number is told to the customer once.
 */
export async function shipOrder(db: Db, input: ShipInput): Promise<{ order: Order; shipment: Shipment }> {
  return withTransaction(db, async (tx) => {
    let order = await lockOrder(tx, input.number);
    if (await hasPlannedParcels(tx, order.id)) {
      throw new AppError('SHIP_BY_PARCEL', `Order ${order.number} is split into parcels; ship each parcel with its own tracking number`);
    }
    if (!isShipped(order)) {
      assertShippable(order);
      order = await transitionLockedOrder(tx, order, {
        to: 'shipped',
        actor: input.actor,
        note: `${input.carrier} ${input.trackingNumber}`,
        // The tracking message below tells the customer; a separate "shipped" message would say it twice.
        notify: false,
      });
    }
    const carrier = resolveCarrier(input.carrier);
    const shipment = await addShipment(tx, {
      orderId: order.id,
      carrier: carrier.name,
      trackingNumber: input.trackingNumber,
    });
    await tellTracking(tx, order, carrier, input.trackingNumber, shipment.id, input.locale);
    return { order, shipment };
  });
}

/** The customer hears each parcel's carrier and tracking number (with its tracking link) once. */
export function tellTracking(
  tx: Tx,
  order: Order,
  carrier: ReturnType<typeof resolveCarrier>,
  trackingNumber: string,
  shipmentId: number,
  locale: 'th' | 'en' = 'th',
) {
  return tellCustomer(
    tx,
    order,
    'shipped',
    locale,
    { carrier: carrier.name, trackingNumber, trackingUrl: carrier.trackingUrl(trackingNumber) },
    `:${shipmentId}`,
  );
}
