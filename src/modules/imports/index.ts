// Imports owns uploaded files (marketplace order exports, COD remittances): their runs and row results,
// the column mappings per marketplace and the seller-SKU aliases. Placing orders and recording money is the workflows' job.
export * from './imports.repository.ts';
export * from './marketplaces.ts';
export * from './parse.ts';
export * from './table.ts';
export * from './background.ts';
