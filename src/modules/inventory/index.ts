// Inventory owns warehouses, stock levels (on hand / reserved), reservations per order line and the stock ledger.
// Every change of a stock level goes through changeStock, which refuses to oversell and writes the ledger.
export * from './allocation.ts';
export * from './inventory.repository.ts';
export * from './inventory.schemas.ts';
export * from './low-stock.ts';
export * from './operations.ts';
export * from './reservations.ts';
export * from './stock-levels.ts';
