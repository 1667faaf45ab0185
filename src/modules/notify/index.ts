// Notify owns the outbox and what goes in it: typed notices to customers and the merchant, queued in the
// transaction of the change that causes them (tellCustomer, notifyMerchant) and delivered afterwards by
// the dispatcher, once each, in words the chat runtime renders.
export * from './notices.ts';
export { deadMessages, outboxFor, resendDeadMessage, skippedMessages } from './outbox.repository.ts';
export * from './tell.ts';
export * from './merchant-link.ts';
