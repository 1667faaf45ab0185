// Printing owns the documents of an order: picking lists, packing slips, receipts and shipping labels,
// the barcodes on them, and turning their HTML into PDF with a shared headless Chromium.
export * from './codes.ts';
export * from './documents.ts';
export * from './pdf.ts';
