import { describe, expect, it } from 'vitest';
import { orderStatus } from '#src/db/schema/index.ts';
import { isAppError } from '#src/errors.ts';
import { allowedTransitions, assertTransition, transitions } from '#src/modules/orders/transitions.ts';

describe('order transitions', () => {
  it('follows the lifecycle of DESIGN.md', () => {
    const path = ['pending_payment', 'paid', 'confirmed', 'packed', 'shipped', 'delivered', 'completed'] as const;
    for (let i = 1; i < path.length; i++) expect(() => assertTransition(path[i - 1]!, path[i]!, 'promptpay')).not.toThrow();
    expect(() => assertTransition('pending_payment', 'payment_review', 'promptpay')).not.toThrow();
    expect(() => assertTransition('payment_review', 'pending_payment', 'promptpay')).not.toThrow();
  });

  it('refuses shipped → pending_payment with ILLEGAL_TRANSITION naming what is possible', () => {
    try {
      assertTransition('shipped', 'pending_payment', 'promptpay');
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'ILLEGAL_TRANSITION')).toBe(true);
      expect((err as Error).message).toContain('possible: delivered');
    }
  });

  it('lets only cash-on-delivery orders be confirmed before payment', () => {
    expect(() => assertTransition('pending_payment', 'confirmed', 'cod')).not.toThrow();
    expect(() => assertTransition('pending_payment', 'confirmed', 'transfer')).toThrow(/cash-on-delivery/);
    expect(allowedTransitions('pending_payment', 'promptpay')).not.toContain('confirmed');
  });

  it('has final states and covers every status', () => {
    expect(Object.keys(transitions).sort()).toEqual([...orderStatus.enumValues].sort());
    expect(transitions.completed).toEqual([]);
    expect(transitions.cancelled).toEqual([]);
    for (const to of orderStatus.enumValues) expect(() => assertTransition('cancelled', to, 'cod')).toThrow();
  });
});
