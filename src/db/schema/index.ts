export * from './accounts.ts';
export * from './catalog.ts';
export * from './customers.ts';
export * from './inventory.ts';
export * from './notify.ts';
export * from './orders.ts';
export * from './payments.ts';
export * from './shipping.ts';
