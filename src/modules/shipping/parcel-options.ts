/** How the shop books and follows parcels (Settings → carriers; the environment gives these defaults). */
export interface ParcelOptions {
  /** Which carrier news the customer hears in chat: the number and link at booking, out for delivery, delivered. */
  messages: { booked: boolean; outForDelivery: boolean; delivered: boolean };
  /** The weight sent for a parcel whose products have no weight. */
  defaultWeightGrams: number;
  /** The carrier each warehouse books with by default (warehouse id → carrier code); absent = the first carrier that books. */
  warehouseCarriers: Record<string, string>;
}

export const defaultParcelOptions: ParcelOptions = {
  messages: { booked: true, outForDelivery: true, delivered: true },
  defaultWeightGrams: 500,
  warehouseCarriers: {},
};
