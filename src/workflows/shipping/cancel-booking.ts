import type { Db, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, Shipment } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import { unconsumeLine } from '#src/modules/inventory/index.ts';
import { appendOrderNote, findOrderByNumber, linesOf, lockOrder, unshipBeforePickup } from '#src/modules/orders/index.ts';
import {
  awaitsPickup,
  canBook,
  cancelBookedParcel,
  isCarrierError,
  lockParcel,
  parcelBooking,
  parcelLinesOf,
  parcelsAwaitingPickup,
  recordShipmentEvents,
  shipmentsOf,
  type BookingCarrier,
  type PickupResult,
} from '#src/modules/shipping/index.ts';
import { senderOf, type BookParcelDeps } from './book-parcel.ts';

export interface CancelledBooking {
  order: Order;
  cancelled: Shipment;
  /** A parcel of a split order planned again with the same lines, to be booked anew. */
  replanned?: Shipment | undefined;
}

/**
 * Cancels an order's booking before the courier took the parcel, so the order can be booked again (after
 * an edit, with another carrier): the carrier is asked first, outside any transaction (a parcel it already
 * picked up is refused with its reason); then the parcel is cancelled on the order, its stock put back on
 * the shelf, held for the order, and the order is packed again if the booking had shipped it. A failed
 * booking (no tracking number yet) is withdrawn without asking the carrier.
 */
export async function cancelBooking(db: Db, deps: Pick<BookParcelDeps, 'carriers' | 'logger'>, input: { number: string; shipmentId: number; actor: string }): Promise<CancelledBooking> {
  const order = await findOrderByNumber(db, input.number);
  if (!order) throw new AppError('ORDER_NOT_FOUND', `Order ${input.number} does not exist`);
  const parcel = (await shipmentsOf(db, order.id)).find((s) => s.id === input.shipmentId);
  if (!parcel) throw new AppError('PARCEL_NOT_FOUND', `Order ${input.number} has no parcel ${input.shipmentId}`);
  const withdraw = parcel.status === parcelBooking;
  if (!withdraw && !awaitsPickup(parcel)) {
    throw new AppError('PARCEL_NOT_CANCELLABLE', `Parcel ${parcel.trackingNumber ?? parcel.id} of order ${input.number} is not waiting for pickup`);
  }
  if (!withdraw) {
    const carrier = bookingCarrierOf(deps, parcel);
    try {
      await carrier.cancel(parcel.trackingNumber!);
    } catch (err) {
      if (!isCarrierError(err)) throw err;
      deps.logger?.warn({ err, order: input.number, trackingNumber: parcel.trackingNumber }, 'carrier refused to cancel a booking');
      throw new AppError('PARCEL_NOT_CANCELLABLE', `${carrier.name}: ${err.message}`, { carrierCode: err.code, retryable: err.retryable });
    }
  }

  return withTransaction(db, async (tx) => {
    let locked = await lockOrder(tx, input.number);
    const current = await lockParcel(tx, locked, parcel.id);
    if (current.status === 'cancelled') return { order: locked, cancelled: current };
    if (withdraw && current.status !== parcelBooking) {
      throw new AppError('PARCEL_NOT_CANCELLABLE', `The booking of order ${input.number} went through meanwhile; cancel the booked parcel instead`);
    }
    const now = new Date();
    if (!withdraw) {
      await recordShipmentEvents(tx, current.id, [{ status: 'cancelled', at: now, description: `${current.carrier ?? ''}: cancelled before pickup`, rawCode: 'staff:cancel' }], 'staff');
    }
    const undone = await undoBooking(tx, locked, current, { actor: input.actor, at: now, shipped: !withdraw });
    locked = undone.order;
    const replanned = undone.replanned;
    return { order: locked, cancelled: { ...current, status: 'cancelled' as const }, replanned };
  });
}

/**
 * What a booking cancelled before pickup undoes, in the caller's transaction (a cancel from the order page,
 * or the carrier's own "cancelled" for a parcel it never picked up): the units that left with the parcel
 * (a split parcel's lines, or the whole order) come back on the shelf held for the order, the parcel is
 * cancelled (a split parcel planned again), and the order is packed again if the booking had shipped it.
 */
export async function undoBooking(
  tx: Tx,
  order: Order,
  parcel: Shipment,
  opts: { actor: string; at: Date; /** False for a failed booking withdrawn: nothing left the stock. */ shipped: boolean },
): Promise<{ order: Order; replanned: Shipment | undefined }> {
  const carrierName = parcel.carrier ?? '';
  if (opts.shipped) {
    const lines = await parcelLinesOf(tx, parcel.id);
    const units = lines.length > 0 ? lines : (await linesOf(tx, order.id)).map((l) => ({ orderLineId: l.id, qty: l.qty }));
    for (const u of units) {
      await unconsumeLine(tx, { orderId: order.id, orderLineId: u.orderLineId, qty: u.qty, preferWarehouseId: parcel.warehouseId, actor: opts.actor, note: `${carrierName} ${parcel.trackingNumber} cancelled` });
    }
  }
  const replanned = await cancelBookedParcel(tx, parcel, opts.at);
  const event = { kind: 'parcel.cancelled' as const, params: { carrier: carrierName, tracking: parcel.trackingNumber ?? parcel.outTradeNo ?? '' } };
  if (order.status === 'shipped') return { order: await unshipBeforePickup(tx, order, opts.actor, event), replanned };
  await appendOrderNote(tx, order, opts.actor, { event });
  return { order, replanned };
}

/**
 * Asks the carrier of the order's booked parcel to send a courier to the warehouse it leaves from, for
 * every parcel of that carrier waiting there (not only this order's). Noted on the order.
 */
export async function requestPickup(
  db: Db,
  deps: Pick<BookParcelDeps, 'carriers' | 'logger' | 'config'>,
  input: { number: string; actor: string },
): Promise<PickupResult & { parcels: number; carrier: string }> {
  const order = await findOrderByNumber(db, input.number);
  if (!order) throw new AppError('ORDER_NOT_FOUND', `Order ${input.number} does not exist`);
  const parcel = (await shipmentsOf(db, order.id)).find(awaitsPickup);
  if (!parcel) throw new AppError('PARCEL_NOT_FOUND', `Order ${input.number} has no booked parcel waiting for pickup`);
  const carrier = bookingCarrierOf(deps, parcel);
  if (!carrier.requestPickup) throw new AppError('CARRIER_CANNOT_BOOK', `${carrier.name} takes no pickup requests here`);
  const parcels = Math.max(1, await parcelsAwaitingPickup(db, { carrier: parcel.carrier!, warehouseId: parcel.warehouseId }));
  let result: PickupResult;
  try {
    result = await carrier.requestPickup({ from: await senderOf(db, deps, parcel.warehouseId), estimatedParcels: parcels });
  } catch (err) {
    if (!isCarrierError(err)) throw err;
    throw new AppError(err.retryable ? 'CARRIER_UNAVAILABLE' : 'CARRIER_REFUSED', `${carrier.name}: ${err.message}`, { carrierCode: err.code, retryable: err.retryable });
  }
  const courier = [result.courierName, result.courierPhone].filter(Boolean).join(' ') || undefined;
  await withTransaction(db, async (tx) => {
    const locked = await lockOrder(tx, input.number);
    await appendOrderNote(tx, locked, input.actor, { event: { kind: 'parcel.pickup', params: { carrier: carrier.name, parcels, reference: result.reference, courier } } });
  });
  return { ...result, parcels, carrier: carrier.name };
}

function bookingCarrierOf(deps: Pick<BookParcelDeps, 'carriers'>, parcel: Shipment): BookingCarrier {
  const carrier = parcel.carrier ? deps.carriers.resolve(parcel.carrier) : undefined;
  if (!carrier || !canBook(carrier)) throw new AppError('CARRIER_CANNOT_BOOK', `${parcel.carrier ?? 'This carrier'} is not connected: cancel the parcel with the carrier itself`);
  return carrier;
}
