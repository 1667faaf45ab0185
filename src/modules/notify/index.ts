// Notify owns the outbox: messages to customers and merchants, queued in the transaction of the change
// that causes them and delivered afterwards by the dispatcher, once each.
export * from './outbox.repository.ts';
