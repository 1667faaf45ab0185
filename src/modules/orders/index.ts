// Orders owns orders, their lines (price snapshots), the status history and API idempotency keys.
// Status changes go through setOrderStatus, which enforces the transition table in transitions.ts;
// policy.ts says what every status allows (edit, ship, cancel, receipt ...).
export * from './amendments.ts';
export * from './idempotency.ts';
export * from './order-number.ts';
export * from './orders.repository.ts';
export * from './orders.schemas.ts';
export * from './policy.ts';
export * from './transitions.ts';
export * from './unpaid-limits.ts';
