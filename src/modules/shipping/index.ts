// Shipping owns shipments: which parcels left for an order, with which carrier and tracking number, what
// the carrier said happened to each (shipment events), and the carriers themselves (carriers/).
export * from './shipping.repository.ts';
export * from './fees.ts';
export * from './parcel.ts';
export * from './parcel-options.ts';
export * from './events.repository.ts';
export * from './carriers/index.ts';
