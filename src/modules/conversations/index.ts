// Conversations owns what chat needs between messages: the inbox of inbound events (stored once,
// processed after the webhook is answered), each identity's conversation state and cart, and the
// web chat's transcript.
export * from './conversations.repository.ts';
export * from './webchat-uploads.ts';
// The back office's inbox: a conversation per chat identity, its transcript and who answers it.
export * from './handover.ts';
export * from './inbox.repository.ts';
export * from './staff-photos.ts';
