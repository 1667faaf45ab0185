// Reports read sales from orders and their lines (they own no tables): by period, channel, product,
// category and payment method, average order value, new and returning customers, top customers, slow movers;
// money.ts is the one definition of the money figures (net sales, paid, refunds, awaiting, COD to collect).
export * from './csv.ts';
export * from './reports.repository.ts';
export * from './money.ts';
