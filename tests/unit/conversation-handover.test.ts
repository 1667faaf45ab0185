import { describe, expect, it } from 'vitest';
import { botQuiet, effectiveState, nextHandover, type HandoverState } from '#src/modules/conversations/index.ts';

const now = new Date('2026-12-06T07:00:00Z');
const later = (min: number) => new Date(now.getTime() + min * 60_000);
const bot: HandoverState = { state: 'bot', handoverUntil: null, assignedUserId: null };

describe('the hand-over state machine', () => {
  it('a customer asking for a person waits, with the bot quiet for the set minutes', () => {
    const s = nextHandover(bot, { type: 'customer_asked' }, now, 30);
    expect(s).toEqual({ state: 'waiting', handoverUntil: later(30), assignedUserId: null });
    expect(botQuiet(s, later(29))).toBe(true);
    expect(botQuiet(s, later(30))).toBe(false);
    expect(effectiveState(s, later(31))).toBe('bot');
  });

  it('staff answering a waiting customer take the conversation; each reply extends the silence', () => {
    const waiting = nextHandover(bot, { type: 'customer_asked' }, now, 60);
    const taken = nextHandover(waiting, { type: 'staff_replied', userId: 7 }, later(10), 60);
    expect(taken).toEqual({ state: 'person', handoverUntil: later(70), assignedUserId: 7 });
    // The customer asking again while a person has it changes nothing but the time.
    expect(nextHandover(taken, { type: 'customer_asked' }, later(20), 60).state).toBe('person');
  });

  it('a staff reply while the bot has the conversation does not silence the bot', () => {
    const s = nextHandover(bot, { type: 'staff_replied', userId: 3 }, now, 60);
    expect(s.state).toBe('bot');
    expect(botQuiet(s, now)).toBe(false);
  });

  it('take over, assign, hand back and the customer resuming', () => {
    const taken = nextHandover(bot, { type: 'take_over', userId: 2 }, now, 60);
    expect(taken).toEqual({ state: 'person', handoverUntil: later(60), assignedUserId: 2 });
    const reassigned = nextHandover(taken, { type: 'assign', userId: 5 }, now, 60);
    expect(reassigned).toMatchObject({ state: 'person', assignedUserId: 5 });
    const back = nextHandover(reassigned, { type: 'hand_back' }, now, 60);
    expect(back).toEqual({ state: 'bot', handoverUntil: null, assignedUserId: 5 });
    expect(nextHandover(taken, { type: 'customer_resumed' }, now, 60).state).toBe('bot');
  });

  it('an expired hand-over is the bot’s again, whatever was stored', () => {
    const expired: HandoverState = { state: 'person', handoverUntil: later(-1), assignedUserId: 2 };
    expect(effectiveState(expired, now)).toBe('bot');
    expect(nextHandover(expired, { type: 'staff_replied', userId: 2 }, now, 60).state).toBe('bot');
  });
});
