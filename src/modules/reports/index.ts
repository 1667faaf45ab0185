// Reports read sales from orders and their lines (they own no tables): by period, channel, product,
// category and payment method, average order value, new and returning customers, top customers, slow movers.
export * from './csv.ts';
export * from './reports.repository.ts';
