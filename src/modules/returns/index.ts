// Returns owns return requests and their lines: what a customer sends back, why, and what became of it.
// The rules (window, amounts) are pure functions in rules.ts; stock, money and orders move in src/workflows/returns.ts.
export * from './returns.repository.ts';
export * from './rules.ts';
