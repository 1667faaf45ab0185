// Billing owns receipts, tax invoices, credit and debit notes: their gap-free numbering and their VAT (whether an order may
// have one is the orders policy's mayReceipt). It reads an order's total but changes nothing outside its own tables.
export * from './invoices.ts';
export * from './credit-notes.ts';
export * from './accounting.ts';
export * from './accounting-export.ts';
