/**
 * The carrier port: what Talad needs from a carrier, whoever it is. An adapter implements the parts its
 * carrier offers (Flash books, labels, tracks and pushes webhooks; Thailand Post only tracks; Kerry and
 * the rest only give a tracking link); callers test for an optional method before using it.
 */
import { z } from 'zod';
import { carrierEventStatus } from '#src/db/schema/index.ts';

/** A person and place on a parcel. Province, district (amphoe) and subdistrict (tambon) as parsed from the address. */
export interface ParcelParty {
  name: string;
  phone: string;
  /** The detail line: house number, village, street (without province, district and postcode). */
  address: string;
  province: string;
  district: string;
  subdistrict?: string | undefined;
  postcode: string;
}

/** What the parcel holds, in words every carrier's own list can be mapped from. */
export const itemCategories = ['documents', 'food', 'daily', 'electronics', 'clothing', 'books', 'cosmetics', 'household', 'other'] as const;
export type ItemCategory = (typeof itemCategories)[number];

/** One parcel to book. */
export interface ParcelBooking {
  /** Our parcel reference, unique per parcel: the carrier refuses it twice, which makes a retried booking safe. */
  outTradeNo: string;
  sender: ParcelParty;
  receiver: ParcelParty;
  weightGrams: number;
  /** Cash to collect on delivery, in satang; 0 for a prepaid parcel. */
  codAmount: number;
  remark?: string | undefined;
  itemCategory: ItemCategory;
}

const party = z.object({
  name: z.string().trim().min(1).max(100),
  phone: z.string().trim().regex(/^\+?[\d -]{9,15}$/, 'is not a phone number'),
  address: z.string().trim().min(1).max(500),
  province: z.string().trim().min(1).max(100),
  district: z.string().trim().min(1).max(100),
  subdistrict: z.string().trim().max(100).optional(),
  postcode: z.string().trim().regex(/^\d{5}$/, 'must be 5 digits'),
});

/** The booking as every adapter accepts it; callers may check with it before queueing a booking. */
export const parcelBookingSchema = z.object({
  outTradeNo: z.string().trim().min(1).max(64),
  sender: party,
  receiver: party,
  weightGrams: z.number().int().positive().max(100_000),
  codAmount: z.number().int().min(0),
  remark: z.string().max(200).optional(),
  itemCategory: z.enum(itemCategories),
}) satisfies z.ZodType<ParcelBooking>;

/** A carrier's label, as bytes already fetched or fetched when printed. */
export type CarrierLabel = { format: 'pdf'; bytes: Uint8Array } | { format: 'pdf'; fetch: () => Promise<Uint8Array> };

export interface BookingResult {
  /** The carrier's tracking number (Flash: pno). */
  trackingNumber: string;
  /** Our reference as the carrier holds it. */
  outTradeNo: string;
  /** What the carrier wants printed big on a label of our own (Flash: sortCode, sortingLineCode, dstStoreName). */
  sortCode?: string | undefined;
  sortingLineCode?: string | undefined;
  destinationStore?: string | undefined;
  label?: CarrierLabel | undefined;
  /** True when the carrier already had a parcel for this outTradeNo (a retried booking) and this is that parcel. */
  alreadyBooked: boolean;
}

export interface PickupRequest {
  /** Where the courier comes: the shipping warehouse or the shop. */
  from: ParcelParty;
  estimatedParcels: number;
  remark?: string | undefined;
}

export interface PickupResult {
  /** The carrier's reference for the pickup, when it gives one. */
  reference?: string | undefined;
  courierName?: string | undefined;
  courierPhone?: string | undefined;
}

/** A carrier event in our words; the database enum (schema/shipping.ts) is the one list. */
export const carrierEventStatuses = carrierEventStatus.enumValues;
export type CarrierEventStatus = (typeof carrierEventStatuses)[number];

/** One thing that happened to a parcel, in our words, with the carrier's own text and code kept. */
export interface CarrierEvent {
  trackingNumber: string;
  status: CarrierEventStatus;
  at: Date;
  /** The carrier's text, shown on the timeline as the carrier wrote it. */
  description: string;
  location?: string | undefined;
  /** The carrier's code (Flash: `state:5` or a route action such as DELIVERY_CONFIRM; Thailand Post: `501`). */
  rawCode: string;
  /** Our outTradeNo when the carrier sends it back (Flash webhooks). */
  reference?: string | undefined;
}

/** The parts of an inbound webhook an adapter needs: headers (lower-case names) and the body exactly as received. */
export interface InboundWebhook {
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
}

/** What the webhook route answers once the events are safely recorded (anything else makes Flash redeliver). */
export interface WebhookAck {
  status: number;
  contentType: string;
  body: string;
}

export type TrackingNumberCheck =
  | { valid: true; trackingNumber: string }
  | { valid: false; reason: 'format' | 'check_digit'; message: { th: string; en: string } };

export interface Carrier {
  readonly code: string;
  readonly name: string;
  /** The public tracking page for a number, or null when the carrier has none configured. */
  trackingUrl(trackingNumber: string): string | null;
  /** Normalises (upper case, no spaces) and checks a typed or scanned number. */
  validateTrackingNumber?(trackingNumber: string): TrackingNumberCheck;
  /** Books a parcel. A retry with the same outTradeNo returns the parcel booked before, never a second one. */
  book?(parcel: ParcelBooking): Promise<BookingResult>;
  /** The carrier's label for a booked parcel (again, for a reprint). */
  fetchLabel?(trackingNumber: string): Promise<Uint8Array>;
  /** Cancels a parcel the courier has not picked up yet. */
  cancel?(trackingNumber: string): Promise<void>;
  requestPickup?(request: PickupRequest): Promise<PickupResult>;
  /** Every known event of these parcels, oldest first per parcel; numbers the carrier does not know give none. */
  track?(trackingNumbers: readonly string[]): Promise<CarrierEvent[]>;
  /** True only for a webhook the carrier really sent (its signature checks out). */
  verifyWebhook?(request: InboundWebhook): boolean;
  /** The events in a verified webhook body. Throws CarrierError (BAD_WEBHOOK) when the body is not what the carrier sends. */
  parseWebhook?(rawBody: string): CarrierEvent[];
  readonly webhookAck?: WebhookAck;
}

/** A booked-parcel carrier: the parts the booking desk needs, present. */
export type BookingCarrier = Carrier & Required<Pick<Carrier, 'book' | 'cancel' | 'fetchLabel'>>;

export function canBook(carrier: Carrier): carrier is BookingCarrier {
  return carrier.book !== undefined && carrier.cancel !== undefined && carrier.fetchLabel !== undefined;
}

/**
 * A carrier call that failed. `retryable` says whether the same call may succeed later (timeouts, network,
 * 5xx, Flash code 0); `message` is the carrier's own reason, shown to the merchant next to the order.
 */
export class CarrierError extends Error {
  constructor(
    readonly carrier: string,
    /** The carrier's code (Flash `1002`) or ours for transport trouble: TIMEOUT, NETWORK, HTTP_<status>, BAD_RESPONSE, BAD_WEBHOOK, INVALID_PARCEL, ALREADY_BOOKED, UNAUTHORIZED. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'CarrierError';
  }
}

export function isCarrierError(err: unknown): err is CarrierError {
  return err instanceof CarrierError;
}
