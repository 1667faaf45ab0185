import type { Config } from '#src/config.ts';
import type { Db } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, Shipment } from '#src/db/schema/index.ts';
import type { Logger } from '#src/logger.ts';
import { notifyMerchant, tellCustomer } from '#src/modules/notify/index.ts';
import { isShipped, lockOrderById } from '#src/modules/orders/index.ts';
import {
  awaitsPickup,
  happenedAfter,
  latestParcelEvent,
  recordShipmentEvents,
  setParcelStatus,
  shipmentsByTracking,
  shipmentsOf,
  type CarrierEvent,
  type CarrierRegistry,
} from '#src/modules/shipping/index.ts';
import { transitionLockedOrder } from '../orders/transition-order.ts';
import { undoBooking } from './cancel-booking.ts';

export interface CarrierEventsDeps {
  config: Pick<Config, 'shop' | 'merchant' | 'line' | 'telegram'>;
  carriers: CarrierRegistry;
  logger?: Logger | undefined;
}

export interface AppliedEvents {
  /** Events not seen before, now on a parcel's timeline. */
  recorded: number;
  /** Tracking numbers no parcel of ours carries (logged, nothing changed). */
  unknown: string[];
}

/** Carrier news the merchant hears of: the parcel did not reach the customer. */
const merchantHears = new Set(['failed_attempt', 'returning', 'returned', 'exception'] as const);
type Problem = 'failed_attempt' | 'returning' | 'returned' | 'exception';

/**
 * Carrier events (a webhook, a tracking run) onto their parcels, each parcel in one short transaction:
 * an event already recorded changes nothing; the parcel's status is its latest event by the carrier's
 * time, so events arriving out of order end in the same place and a late, older one is only put on the
 * timeline. When the status moves: out for delivery is told to the customer once, delivered moves the
 * order to delivered once its every parcel is (the customer told by that move), a failed attempt or a
 * return alerts the merchant; each under its dedupe key, so a repeat tells nobody twice.
 */
export async function applyCarrierEvents(db: Db, deps: CarrierEventsDeps, events: readonly CarrierEvent[], source: 'webhook' | 'track'): Promise<AppliedEvents> {
  const byNumber = new Map<string, CarrierEvent[]>();
  for (const e of events) {
    const key = e.trackingNumber.toUpperCase();
    byNumber.set(key, [...(byNumber.get(key) ?? []), e]);
  }
  const parcels = await shipmentsByTracking(db, [...byNumber.keys()], events.map((e) => e.reference ?? ''));
  const result: AppliedEvents = { recorded: 0, unknown: [] };
  for (const [number, list] of byNumber) {
    const parcel =
      parcels.find((p) => p.trackingNumber?.toUpperCase() === number) ??
      parcels.find((p) => list.some((e) => e.reference !== undefined && e.reference === p.outTradeNo));
    if (!parcel) {
      result.unknown.push(number);
      continue;
    }
    result.recorded += await applyToParcel(db, deps, parcel, list, source);
  }
  if (result.unknown.length > 0) deps.logger?.info({ unknown: result.unknown.slice(0, 20), source }, 'carrier events for parcels we do not have');
  return result;
}

async function applyToParcel(db: Db, deps: CarrierEventsDeps, found: Shipment, events: CarrierEvent[], source: 'webhook' | 'track'): Promise<number> {
  return withTransaction(db, async (tx) => {
    // The order first, then its parcel: the same lock order as shipping, so the two never deadlock.
    let order = await lockOrderById(tx, found.orderId);
    const parcels = await shipmentsOf(tx, order.id);
    const parcel = parcels.find((p) => p.id === found.id)!;
    const before = await latestParcelEvent(tx, parcel.id);
    const recorded = await recordShipmentEvents(tx, parcel.id, events, source);
    if (recorded.length === 0) return 0;
    const latest = await latestParcelEvent(tx, parcel.id);
    const carrier = deps.carriers.describe(parcel.carrier ?? '');
    const trackingNumber = parcel.trackingNumber ?? events[0]!.trackingNumber;

    // The merchant hears of a problem newer than the parcel's status before these events.
    for (const e of recorded) {
      if (!merchantHears.has(e.status as Problem)) continue;
      const current = latest && latest.id !== e.id ? latest : undefined;
      if (current && happenedAfter(current, e)) continue;
      await notifyMerchant(
        tx,
        deps.config,
        { kind: 'merchant.parcel_problem', orderNumber: order.number, carrier: carrier.name, trackingNumber, status: e.status as Problem, description: e.description },
        `parcel:${parcel.id}:${e.status}:${e.at.toISOString()}`,
      );
    }

    if (!latest || (before && latest.id === before.id)) return recorded.length;
    // Cancelled at the carrier (its own app) before the courier took it: undone as a cancel from the order page.
    if (latest.status === 'cancelled' && awaitsPickup(parcel)) {
      await undoBooking(tx, order, parcel, { actor: `carrier:${carrier.name}`, at: latest.at, shipped: true });
      return recorded.length;
    }
    const moved = await setParcelStatus(tx, parcel.id, latest.status, latest.at);
    const messages = deps.config.shop.parcels.messages;
    if (latest.status === 'out_for_delivery' && messages.outForDelivery) {
      await tellCustomer(
        tx,
        order,
        { kind: 'order.out_for_delivery', carrier: carrier.name, trackingNumber, trackingUrl: carrier.trackingUrl(trackingNumber) },
        { once: String(parcel.id), fallbackLocale: deps.config.shop.locale },
      );
    }
    if (latest.status === 'delivered') order = await deliverWhenAllArrived(tx, deps, order, parcels.map((p) => (p.id === moved.id ? moved : p)), carrier.name);
    return recorded.length;
  });
}

/** The order is delivered when every parcel that left has arrived (cancelled ones aside); the customer hears it by the move. */
async function deliverWhenAllArrived(
  tx: Parameters<typeof transitionLockedOrder>[0],
  deps: CarrierEventsDeps,
  order: Order,
  parcels: readonly Shipment[],
  carrierName: string,
): Promise<Order> {
  if (!isShipped(order)) return order;
  const outstanding = parcels.filter((p) => p.status !== 'cancelled' && p.status !== 'returned');
  if (outstanding.length === 0 || outstanding.some((p) => p.status !== 'delivered')) return order;
  return transitionLockedOrder(tx, order, {
    to: 'delivered',
    actor: `carrier:${carrierName}`,
    note: `${carrierName}: delivered`,
    locale: deps.config.shop.locale,
    notify: deps.config.shop.parcels.messages.delivered,
  });
}
