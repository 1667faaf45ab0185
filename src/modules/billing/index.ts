// Billing owns receipts and tax invoices: their gap-free numbering, their VAT, and when an order may have one.
// It reads an order's status and total but changes nothing outside its own tables.
export * from './invoices.ts';
export * from './receipts.ts';
export * from './defaults.ts';
export * from './accounting.ts';
