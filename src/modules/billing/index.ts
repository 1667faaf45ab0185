export * from './invoices.ts';
