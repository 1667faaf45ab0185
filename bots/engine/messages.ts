// The abstract messages are a port of the core (the outbox stores them); the engine speaks them.
export * from '#src/ports/messages.ts';
