import { expect } from '@jest/globals';

/**
 * Emmett-style given/when/then for deciders: given past events, when a command, then the events
 * it appends (or its error code, or a replay of an earlier revision). Test-only.
 */
type SpecDecision<E> =
  | { readonly kind: 'events'; readonly events: readonly E[] }
  | { readonly kind: 'replay'; readonly revision: number }
  | { readonly kind: 'error'; readonly error: { readonly code: string } };

export interface SpecDecider<C, E, S, X> {
  initialState(): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S, context: X): SpecDecision<E>;
}

export interface Then<E> {
  readonly decision: SpecDecision<E>;
  /** Exactly these events. */
  then(expected: readonly E[]): void;
  /** As many events as expected, each matching its partial shape (toMatchObject). */
  thenMatches(expected: readonly unknown[]): void;
  /** Decided, appending nothing. */
  thenNothing(): void;
  thenError(code: string, fields?: readonly string[]): void;
  thenReplay(revision: number): void;
}

export const DeciderSpecification = {
  for<C, E, S, X>(decider: SpecDecider<C, E, S, X>, context: X) {
    return {
      given(history: readonly E[]) {
        return {
          when(command: C): Then<E> {
            const state = history.reduce(decider.evolve, decider.initialState());
            const decision = decider.decide(command, state, context);
            const appended = (): readonly E[] => {
              expect(decision).toMatchObject({ kind: 'events' });
              return decision.kind === 'events' ? decision.events : [];
            };
            return {
              decision,
              then: (expected) => expect(appended()).toEqual(expected),
              thenMatches: (expected) => {
                const events = appended();
                expect(events).toHaveLength(expected.length);
                expect(events).toMatchObject(expected);
              },
              thenNothing: () => expect(appended()).toEqual([]),
              thenError: (code, fields) => {
                expect(decision).toMatchObject({ kind: 'error', error: { code } });
                if (fields !== undefined && decision.kind === 'error') {
                  const named = (decision.error as { fields?: { field: string }[] }).fields?.map(
                    (f) => f.field,
                  );
                  expect(named).toEqual(fields);
                }
              },
              thenReplay: (revision) => expect(decision).toEqual({ kind: 'replay', revision }),
            };
          },
        };
      },
    };
  },
};
