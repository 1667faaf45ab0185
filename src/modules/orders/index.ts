// Orders owns orders, their lines (price snapshots), the status history and API idempotency keys.
// Status changes go through setOrderStatus, which enforces the transition table in transitions.ts.
export * from './order-number.ts';
export * from './orders.repository.ts';
export * from './orders.schemas.ts';
export * from './transitions.ts';
