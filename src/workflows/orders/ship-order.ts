import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, Shipment, ShipmentLine } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { consumeLine } from '#src/modules/inventory/index.ts';
import { appendOrderNote, assertShippable, isShipped, lockOrder } from '#src/modules/orders/index.ts';
import { addShipment, hasPlannedParcels, lockPlannedParcel, markParcelShipped, plannedParcelCount, type CarrierName, type CarrierRegistry } from '#src/modules/shipping/index.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { transitionLockedOrder } from './transition-order.ts';

export interface ShipInput {
  number: string;
  carrier: string;
  /** The shop's carriers: the name and tracking link the carrier is told with. */
  carriers: CarrierRegistry;
  trackingNumber: string;
  actor: string;
  locale?: 'th' | 'en';
}

/**
 * Records a parcel with its tracking number. The first parcel ships the order (stock is deducted);
 * later parcels of a shipped order are added to it. Each parcel's tracking number is told to the customer once.
 */
export async function shipOrder(db: Db, input: ShipInput): Promise<{ order: Order; shipment: Shipment }> {
  const trackingNumber = checkedTrackingNumber(input);
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
        event: { kind: 'shipped.parcel', params: { carrier: input.carriers.describe(input.carrier).name, tracking: trackingNumber } },
        // The tracking message below tells the customer; a separate "shipped" message would say it twice.
        notify: false,
      });
    }
    const carrier = input.carriers.describe(input.carrier);
    const shipment = await addShipment(tx, {
      orderId: order.id,
      carrier: carrier.name,
      trackingNumber: trackingNumber,
    });
    await tellTracking(tx, order, carrier, trackingNumber, shipment.id, input.locale);
    return { order, shipment };
  });
}

/**
 * Ships one planned parcel of a split order with its tracking number: only its units leave the stock.
 * The order moves to shipped with its last parcel; the customer gets each parcel's tracking number once.
 */
export async function shipParcel(
  db: Db,
  input: ShipInput & { shipmentId: number },
): Promise<{ order: Order; shipment: Shipment }> {
  const trackingNumber = checkedTrackingNumber(input);
  return withTransaction(db, async (tx) => {
    let order = await lockOrder(tx, input.number);
    const { parcel, lines } = await lockPlannedParcel(tx, order, input.shipmentId);
    assertShippable(order);
    const carrier = input.carriers.describe(input.carrier);
    const shipment = await markParcelShipped(tx, parcel.id, { carrier: carrier.name, trackingNumber: trackingNumber });
    order = await parcelLeaves(tx, order, { parcel, lines, carrier: carrier.name, trackingNumber, actor: input.actor });
    await tellTracking(tx, order, carrier, trackingNumber, shipment.id, input.locale);
    return { order, shipment };
  });
}

/**
 * A parcel of a split order has left (typed number or carrier booking): only its units leave the stock,
 * and the order moves to shipped with its last parcel (its history names each parcel otherwise).
 */
export async function parcelLeaves(
  tx: Tx,
  order: Order,
  input: { parcel: Pick<Shipment, 'warehouseId'>; lines: readonly Pick<ShipmentLine, 'orderLineId' | 'qty'>[]; carrier: string; trackingNumber: string; actor: string },
): Promise<Order> {
  for (const l of input.lines) {
    await consumeLine(tx, { orderId: order.id, orderLineId: l.orderLineId, qty: l.qty, preferWarehouseId: input.parcel.warehouseId, actor: input.actor });
  }
  const params = { carrier: input.carrier, tracking: input.trackingNumber };
  const waiting = await plannedParcelCount(tx, order.id);
  if (waiting === 0) {
    return transitionLockedOrder(tx, order, { to: 'shipped', actor: input.actor, event: { kind: 'shipped.lastParcel', params }, notify: false });
  }
  await appendOrderNote(tx, order, input.actor, { event: { kind: 'shipped.parcel', params: { ...params, waiting } } });
  return order;
}

/**
 * A typed or scanned number as the carrier writes it (Thailand Post: upper case, its S10 check digit
 * right), so the tracking job can follow it; refused with the reason in Thai and English otherwise.
 */
function checkedTrackingNumber(input: ShipInput): string {
  const check = input.carriers.resolve(input.carrier)?.validateTrackingNumber?.(input.trackingNumber);
  if (!check) return input.trackingNumber.trim();
  if (!check.valid) throw new AppError('TRACKING_INVALID', check.message.th, { en: check.message.en, reason: check.reason });
  return check.trackingNumber;
}

/** The customer hears each parcel's carrier and tracking number (with its tracking link) once. */
function tellTracking(
  tx: Tx,
  order: Order,
  carrier: CarrierName,
  trackingNumber: string,
  shipmentId: number,
  locale: 'th' | 'en' = 'th',
) {
  return tellCustomer(
    tx,
    order,
    { kind: 'order.shipped', carrier: carrier.name, trackingNumber, trackingUrl: carrier.trackingUrl(trackingNumber) },
    { once: String(shipmentId), fallbackLocale: locale },
  );
}
