// Accounts owns the shop's staff users (roles owner, admin, staff, packer; argon2 hashes) and their API keys.
export * from './accounts.repository.ts';
export * from './password-policy.ts';
