import type { Config } from '#src/config.ts';
import type { Db, DbOrTx, Tx } from '#src/db/client.ts';
import { withTransaction } from '#src/db/client.ts';
import type { Order, Shipment } from '#src/db/schema/index.ts';
import { AppError } from '#src/errors.ts';
import type { Logger } from '#src/logger.ts';
import { defaultWarehouse, findWarehouse, heldByWarehouse } from '#src/modules/inventory/index.ts';
import { tellCustomer } from '#src/modules/notify/index.ts';
import { assertShippable, findOrderByNumber, isShipped, linesOf, lockOrder } from '#src/modules/orders/index.ts';
import { paidAmount } from '#src/modules/payments/index.ts';
import {
  canBook,
  findShipment,
  isCarrierError,
  isSplitOrder,
  lockParcel,
  markParcelBooked,
  parcelLinesOf,
  parcelOf,
  parcelPlanned,
  parseThaiAddress,
  pendingBookingOf,
  recordBookingError,
  recordShipmentEvents,
  reserveBooking,
  reservePlannedBooking,
  saveCarrierLabel,
  setLabelPath,
  shipmentsOf,
  type BookingCarrier,
  type BookingResult,
  type CarrierRegistry,
  type ParcelBooking,
  type ParcelParty,
} from '#src/modules/shipping/index.ts';
import { parcelLeaves } from '../orders/ship-order.ts';
import { transitionLockedOrder } from '../orders/transition-order.ts';

export interface BookParcelDeps {
  config: Pick<Config, 'shop' | 'dataDir'>;
  carriers: CarrierRegistry;
  logger?: Logger | undefined;
  /** Tries of one booking while the carrier's failure says it may pass (timeouts, outages); default 3. */
  attempts?: number | undefined;
  /** Pause before the second try, doubled after each; default 500 ms. */
  backoffMs?: number | undefined;
}

export interface BookParcelInput {
  number: string;
  /** A carrier code or name that books (flash); without it, the default carrier of the shipping warehouse (Settings). */
  carrier?: string | undefined;
  /** One parcel of a split order (its id); without it, the order's single parcel. */
  shipmentId?: number | undefined;
  actor: string;
}

export interface BookedParcel {
  order: Order;
  shipment: Shipment;
  /** True when the order's parcel was booked before (a retry after a lost answer, a second click): nothing new was made. */
  alreadyBooked: boolean;
  /** True when this call recorded the booking (the order shipped, the customer told); false when an earlier call had. */
  recorded: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Books the order's parcel with a carrier, in three steps so no network call happens inside a
 * transaction: (1) a short transaction reserves the parcel and its outTradeNo (or finds the one a failed
 * try left); (2) the carrier is asked, retried while the failure may pass; (3) a short transaction records
 * the number, ships the order (stock deducted) and queues the customer's message with the number and
 * link. The outTradeNo is the idempotency key: however often this runs for an order, the carrier makes
 * one parcel. A refusal is kept on the parcel with the carrier's reason, for the merchant and a retry.
 */
export async function bookParcel(db: Db, deps: BookParcelDeps, input: BookParcelInput): Promise<BookedParcel> {
  const code = input.carrier ?? (await warehouseCarrierOf(db, deps, input.number, input.shipmentId));
  if (code === undefined) {
    throw new AppError('CARRIER_NOT_CHOSEN', `No carrier given and the shipping warehouse of order ${input.number} has no default carrier in Settings`);
  }
  const carrier = deps.carriers.resolve(code);
  if (!carrier || !canBook(carrier)) {
    throw new AppError('CARRIER_CANNOT_BOOK', `${code} does not book parcels here; connect it in Settings or type the tracking number`);
  }

  // (1) Reserve, or find what an earlier try reserved.
  const reserved = await withTransaction(db, async (tx) => {
    const order = await lockOrder(tx, input.number);
    if (input.shipmentId !== undefined) return reservePlanned(tx, deps, order, input.shipmentId, carrier.name);
    if (await isSplitOrder(tx, order.id)) {
      throw new AppError('SHIP_BY_PARCEL', `Order ${order.number} is split into parcels; ship each parcel on its own`);
    }
    const earlier = await pendingBookingOf(tx, order.id);
    if (earlier) return { order, parcel: earlier };
    const booked = (await shipmentsOf(tx, order.id)).find((s) => s.outTradeNo && s.trackingNumber && s.status !== 'cancelled');
    if (booked) return { order, parcel: booked, done: true as const };
    if (isShipped(order)) throw new AppError('ALREADY_SHIPPED', `Order ${order.number} has left already`);
    assertShippable(order);
    const weight = (await parcelOf(tx, await linesOf(tx, order.id))).weightGrams;
    const parcel = await reserveBooking(tx, {
      order,
      carrier: carrier.name,
      warehouseId: (await shippingWarehouseId(tx, order.id)) ?? undefined,
      codAmount: await codToCollect(tx, order),
      weightGrams: weight > 0 ? weight : deps.config.shop.parcels.defaultWeightGrams,
    });
    return { order, parcel };
  });
  if ('done' in reserved) return { order: reserved.order, shipment: reserved.parcel, alreadyBooked: true, recorded: false };

  // (2) Ask the carrier, outside any transaction.
  const booking = await bookingOf(db, deps, reserved.order, reserved.parcel);
  let result: BookingResult;
  try {
    result = await callWithRetries(carrier, booking, deps);
  } catch (err) {
    const reason = isCarrierError(err) ? err.message : 'the carrier could not be reached';
    await recordBookingError(db, reserved.parcel.id, reason);
    deps.logger?.warn({ err, order: reserved.order.number, outTradeNo: booking.outTradeNo }, 'carrier booking failed');
    if (isCarrierError(err)) {
      throw new AppError(err.retryable ? 'CARRIER_UNAVAILABLE' : 'CARRIER_REFUSED', `${carrier.name}: ${err.message}`, { carrierCode: err.code, retryable: err.retryable });
    }
    throw err;
  }

  // (3) Record it: the order ships and the customer hears the number once.
  const recorded = await withTransaction(db, async (tx) => {
    let order = await lockOrder(tx, input.number);
    const parcel = (await shipmentsOf(tx, order.id)).find((s) => s.id === reserved.parcel.id);
    // Another try got here first with the same parcel.
    if (!parcel || (parcel.status !== 'booking' && parcel.status !== 'cancelled')) return { order, shipment: parcel ?? reserved.parcel, alreadyBooked: true, recorded: false };
    // The failed booking was withdrawn while the carrier was asked: the parcel it made is not wanted.
    if (parcel.status === 'cancelled') return { withdrawn: true as const };
    const lines = await parcelLinesOf(tx, parcel.id);
    if (lines.length > 0) {
      assertShippable(order);
    } else if (!isShipped(order)) {
      assertShippable(order);
      order = await transitionLockedOrder(tx, order, { to: 'shipped', actor: input.actor, note: `${carrier.name} ${result.trackingNumber}`, notify: false });
    }
    const shipment = await markParcelBooked(tx, parcel.id, {
      carrier: carrier.name,
      trackingNumber: result.trackingNumber,
      sortCode: result.sortCode,
      sortingLineCode: result.sortingLineCode,
      destinationStore: result.destinationStore,
    });
    // A parcel of a split order: its units leave the stock, the order ships with its last parcel.
    if (lines.length > 0) order = await parcelLeaves(tx, order, { parcel, lines, carrier: carrier.name, trackingNumber: result.trackingNumber, actor: input.actor });
    await recordShipmentEvents(tx, shipment.id, [{ status: 'booked', at: shipment.shippedAt!, description: `${carrier.name} ${result.trackingNumber}`, rawCode: 'booked' }], 'booking');
    if (deps.config.shop.parcels.messages.booked) {
      await tellCustomer(
        tx,
        order,
        { kind: 'order.shipped', carrier: carrier.name, trackingNumber: result.trackingNumber, trackingUrl: carrier.trackingUrl(result.trackingNumber) },
        { once: String(shipment.id), fallbackLocale: deps.config.shop.locale },
      );
    }
    return { order, shipment, alreadyBooked: result.alreadyBooked, recorded: true };
  });

  if ('withdrawn' in recorded) {
    await carrier.cancel(result.trackingNumber).catch((err: unknown) => deps.logger?.warn({ err, trackingNumber: result.trackingNumber }, 'withdrawn booking not cancelled at the carrier'));
    throw new AppError('PARCEL_NOT_FOUND', `The booking of order ${input.number} was withdrawn while ${carrier.name} was asked`);
  }

  // The label is kept for printing; without it now, printing fetches it again.
  if (result.label && !recorded.shipment.labelPath) {
    try {
      const pdf = 'bytes' in result.label ? result.label.bytes : await result.label.fetch();
      const labelPath = await saveCarrierLabel(deps.config.dataDir, result.trackingNumber, pdf);
      await setLabelPath(db, recorded.shipment.id, labelPath);
      recorded.shipment = (await findShipment(db, recorded.shipment.id)) ?? recorded.shipment;
    } catch (err) {
      deps.logger?.warn({ err, trackingNumber: result.trackingNumber }, 'carrier label not fetched; printing will ask again');
    }
  }
  return recorded;
}

async function callWithRetries(carrier: BookingCarrier, booking: ParcelBooking, deps: BookParcelDeps): Promise<BookingResult> {
  const attempts = deps.attempts ?? 3;
  let pause = deps.backoffMs ?? 500;
  for (let i = 1; ; i++) {
    try {
      return await carrier.book(booking);
    } catch (err) {
      if (!isCarrierError(err) || !err.retryable || i >= attempts) throw err;
      await sleep(pause);
      pause *= 2;
    }
  }
}

/**
 * Books a planned parcel of a split order: its own reference, the weight of its lines. A retry finds it
 * reserved (or booked) already.
 */
async function reservePlanned(tx: Tx, deps: BookParcelDeps, order: Order, shipmentId: number, carrierName: string) {
  const parcel = await lockParcel(tx, order, shipmentId);
  if (parcel.status === 'booking') return { order, parcel };
  if (parcel.outTradeNo && parcel.trackingNumber && parcel.status !== 'cancelled') return { order, parcel, done: true as const };
  if (parcel.status !== parcelPlanned) throw new AppError('PARCEL_NOT_FOUND', `Order ${order.number} has no parcel ${shipmentId} waiting to ship`);
  assertShippable(order);
  const byId = new Map((await linesOf(tx, order.id)).map((l) => [l.id, l]));
  const lines = (await parcelLinesOf(tx, parcel.id)).flatMap((pl) => {
    const line = byId.get(pl.orderLineId);
    return line ? [{ variantId: line.variantId, qty: pl.qty, unitPrice: line.unitPrice }] : [];
  });
  const weight = (await parcelOf(tx, lines)).weightGrams;
  const booking = await reservePlannedBooking(tx, parcel, {
    order,
    carrier: carrierName,
    codAmount: await codToCollect(tx, order),
    weightGrams: weight > 0 ? weight : deps.config.shop.parcels.defaultWeightGrams,
  });
  return { order, parcel: booking };
}

/**
 * What the carrier collects with this parcel: what is still owed on a COD order, all of it with the first
 * parcel booked. A split order's later parcels carry none (the customer paid at the first door, and the
 * merchant sees a refused first parcel before booking the rest); a cancelled parcel gives its COD back.
 */
async function codToCollect(tx: Tx, order: Order): Promise<number> {
  if (order.paymentMethod !== 'cod') return 0;
  const parcels = await shipmentsOf(tx, order.id);
  if (parcels.some((p) => p.status !== 'cancelled' && (p.codAmount ?? 0) > 0)) return 0;
  return Math.max(0, order.total - (await paidAmount(tx, order.id)));
}

/** The default carrier (Settings) of the warehouse the order's parcel leaves from; a reserved booking keeps its carrier. */
async function warehouseCarrierOf(db: Db, deps: BookParcelDeps, number: string, shipmentId?: number): Promise<string | undefined> {
  const order = await findOrderByNumber(db, number);
  if (!order) throw new AppError('ORDER_NOT_FOUND', `Order ${number} does not exist`);
  const reserved = shipmentId === undefined ? await pendingBookingOf(db, order.id) : (await shipmentsOf(db, order.id)).find((s) => s.id === shipmentId);
  if (reserved?.carrier && reserved.status === 'booking') return reserved.carrier;
  const warehouseId = reserved?.warehouseId ?? (await shippingWarehouseId(db, order.id));
  return warehouseId === undefined ? undefined : deps.config.shop.parcels.warehouseCarriers[String(warehouseId)];
}

/** The warehouse the parcel leaves from: the one holding the order's stock, else the default one. */
async function shippingWarehouseId(db: DbOrTx, orderId: number): Promise<number | undefined> {
  const held = await heldByWarehouse(db, orderId);
  return held[0]?.warehouseId ?? (await defaultWarehouse(db))?.id;
}

function partyOf(name: string, phone: string, address: string, postcode?: string | undefined): ParcelParty {
  const parts = parseThaiAddress(address, postcode);
  return {
    name,
    phone,
    address: parts.detail,
    province: parts.province,
    district: parts.district,
    subdistrict: parts.subdistrict || undefined,
    postcode: parts.postcode,
  };
}

/** Who sends (and where a courier picks up): the warehouse's address and the shop's contact, else the shop's address. */
export async function senderOf(db: DbOrTx, deps: Pick<BookParcelDeps, 'config'>, warehouseId: number | null): Promise<ParcelParty> {
  const shop = deps.config.shop;
  const warehouse = warehouseId ? await findWarehouse(db, warehouseId) : undefined;
  const warehouseParty = warehouse?.address ? partyOf(shop.name, shop.phone, warehouse.address) : undefined;
  return warehouseParty && warehouseParty.province && warehouseParty.postcode ? warehouseParty : partyOf(shop.name, shop.phone, shop.address);
}

/** What the carrier is sent: sender = the shipping warehouse's address (else the shop's), receiver = the order's address. */
async function bookingOf(db: Db, deps: BookParcelDeps, order: Order, parcel: Shipment): Promise<ParcelBooking> {
  const shop = deps.config.shop;
  const sender = await senderOf(db, deps, parcel.warehouseId);
  const to = order.shippingAddress;
  const fresh = await findOrderByNumber(db, order.number);
  return {
    outTradeNo: parcel.outTradeNo!,
    sender,
    receiver: partyOf(to.name || order.customerName, to.phone || order.customerPhone || '', to.address, to.postcode),
    weightGrams: parcel.weightGrams ?? shop.parcels.defaultWeightGrams,
    codAmount: parcel.codAmount ?? 0,
    remark: fresh?.note?.slice(0, 200) || undefined,
    itemCategory: 'other',
  };
}
