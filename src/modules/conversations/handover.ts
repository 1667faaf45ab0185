/**
 * Who answers a conversation, as a state machine (pure): the bot; "waiting" when the customer asked
 * for a person and nobody answered yet; "person" once staff took it over or wrote. While it is not the
 * bot's, the bot stays quiet until `handoverUntil` (N minutes of silence from the last hand-over move,
 * set in Settings); staff hand it back, or the customer asks for the bot again.
 */
export type ConversationState = 'bot' | 'waiting' | 'person';

export interface HandoverState {
  state: ConversationState;
  handoverUntil: Date | null;
  assignedUserId: number | null;
}

export type HandoverEvent =
  /** The understanding layer's `human` intent. */
  | { type: 'customer_asked' }
  /** "คุยกับบอท": the customer wants the bot back. */
  | { type: 'customer_resumed' }
  | { type: 'take_over'; userId: number }
  | { type: 'staff_replied'; userId: number }
  | { type: 'hand_back' }
  | { type: 'assign'; userId: number | null };

/** A hand-over whose time ran out is the bot's again. */
export function effectiveState(s: Pick<HandoverState, 'state' | 'handoverUntil'>, now: Date): ConversationState {
  if (s.state === 'bot') return 'bot';
  return s.handoverUntil && s.handoverUntil.getTime() > now.getTime() ? s.state : 'bot';
}

/** The bot says nothing while a person has (or is asked to take) the conversation. */
export const botQuiet = (s: Pick<HandoverState, 'state' | 'handoverUntil'>, now: Date) => effectiveState(s, now) !== 'bot';

export function nextHandover(current: HandoverState, event: HandoverEvent, now: Date, minutes: number): HandoverState {
  const until = new Date(now.getTime() + minutes * 60_000);
  const state = effectiveState(current, now);
  switch (event.type) {
    case 'customer_asked':
      // Already with a person: they keep it, for longer.
      return state === 'person' ? { ...current, handoverUntil: until } : { ...current, state: 'waiting', handoverUntil: until };
    case 'take_over':
      return { state: 'person', handoverUntil: until, assignedUserId: event.userId };
    case 'staff_replied':
      // A reply while the bot has the conversation does not silence it; answering a waiting customer takes it.
      if (state === 'bot') return { ...current, state: 'bot', handoverUntil: null, assignedUserId: current.assignedUserId ?? event.userId };
      return { state: 'person', handoverUntil: until, assignedUserId: current.assignedUserId ?? event.userId };
    case 'customer_resumed':
    case 'hand_back':
      return { ...current, state: 'bot', handoverUntil: null };
    case 'assign':
      return { ...current, state, handoverUntil: state === 'bot' ? null : current.handoverUntil, assignedUserId: event.userId };
  }
}
