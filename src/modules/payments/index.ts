// Payments owns money received against orders (payments, by PromptPay, transfer or cash on delivery)
// and money owed back (refunds). Slip reading and PromptPay payloads live here too.
export * from './approve.ts';
export * from './cod.ts';
export * from './payments.repository.ts';
export * from './refund-slips.ts';
export * from './refunds.ts';
export * from './slip-checks.ts';
export * from './slips.repository.ts';
