// Customers owns people who buy: contact, language, saved addresses, and their chat identities
// (one per channel account, unique per channel) that tie a LINE user or Telegram chat to a customer,
// and the reorder reminders sent to them.
export * from './chat-targets.ts';
export * from './customers.repository.ts';
export * from './reorder-prediction.ts';
export * from '../../lib/phone.ts';
