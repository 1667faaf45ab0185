// Conversations owns what chat needs between messages: the inbox of inbound events (stored once,
// processed after the webhook is answered), each identity's conversation state and cart, and the
// web chat's transcript.
export * from './conversations.repository.ts';
export * from './webchat-uploads.ts';
