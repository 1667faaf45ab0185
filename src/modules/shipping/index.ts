// Shipping owns shipments: which parcels left for an order, with which carrier and tracking number.
export * from './carriers.ts';
export * from './shipping.repository.ts';
export * from './fees.ts';
export * from './parcel.ts';
export * from './carriers/index.ts';
