import { DeciderSpecification } from '../testing/decider-specification';
import { context, T0 } from '../testing/fixtures';
import { isoOf } from '../time';
import {
  globalResetOf,
  limitsResetsDecider,
  limitsResetsSnapshotOf,
  limitsResetsStateFromSnapshot,
  type LimitsReset,
  type ResetLimits,
} from './limits-resets';

const reset = (data: Partial<ResetLimits['data']> & { resetId: string }, now = T0): ResetLimits => {
  const full = { scope: 'all' as const, reason: 'incident', ...data };
  return {
    type: 'ResetLimits',
    data: full,
    metadata: { now, fingerprint: `fp:${JSON.stringify(full)}`, actor: 'admin' },
  };
};
const spec = () => DeciderSpecification.for(limitsResetsDecider, context);
const happened = (command: ResetLimits): LimitsReset[] => {
  const decision = limitsResetsDecider.decide(command, limitsResetsDecider.initialState(), context);
  return decision.kind === 'events' ? [...decision.events] : [];
};

describe('global resets (SPEC §2 Resets, stream limits-resets)', () => {
  it('resets everyone with one LimitsReset event (O(1) to write)', () => {
    spec()
      .given([])
      .when(reset({ resetId: 'r-1' }))
      .then([
        {
          type: 'LimitsReset',
          data: {
            resetId: 'r-1',
            scope: 'all',
            plan: null,
            product: null,
            reason: 'incident',
            resetAt: isoOf(T0),
            fingerprint: `fp:${JSON.stringify({ scope: 'all', reason: 'incident', resetId: 'r-1' })}`,
            actor: 'admin',
            recordedAt: isoOf(T0),
            rateCardVersion: 'test-1',
          },
        },
      ]);
  });

  it('replays the same resetId and payload; a different payload is a conflict', () => {
    const given = happened(reset({ resetId: 'r-1' }));
    spec()
      .given(given)
      .when(reset({ resetId: 'r-1' }, T0 + 1))
      .thenReplay(0);
    spec()
      .given(given)
      .when(reset({ resetId: 'r-1', product: 'codex' }))
      .thenError('conflict');
  });

  it('requires an existing plan for scope plan, and a known product', () => {
    spec()
      .given([])
      .when(reset({ resetId: 'r-1', scope: 'plan', plan: 'gold' }))
      .thenError('invalid', ['plan']);
    spec()
      .given([])
      .when(reset({ resetId: 'r-1', scope: 'plan' }))
      .thenError('invalid', ['plan']);
    spec()
      .given([])
      .when(reset({ resetId: 'r-1', product: 'dalle' }))
      .thenError('invalid', ['product']);
    spec()
      .given([])
      .when(reset({ resetId: 'r-1', scope: 'plan', plan: 'pro', product: 'codex' }))
      .thenMatches([{ data: { plan: 'pro', product: 'codex' } }]);
  });

  it('keeps what account deciders need as GlobalLimitsReset', () => {
    const [event] = happened(reset({ resetId: 'r-1', scope: 'plan', plan: 'plus' }));
    expect(globalResetOf(event)).toEqual({
      resetId: 'r-1',
      scope: 'plan',
      plan: 'plus',
      product: null,
      resetAt: T0,
    });
    expect(limitsResetsDecider.evolve(limitsResetsDecider.initialState(), event).resets).toEqual([
      globalResetOf(event),
    ]);
  });

  it('round-trips its state through a JSON snapshot', () => {
    const state = happened(reset({ resetId: 'r-1' })).reduce(
      limitsResetsDecider.evolve,
      limitsResetsDecider.initialState(),
    );
    expect(limitsResetsStateFromSnapshot(JSON.parse(JSON.stringify(limitsResetsSnapshotOf(state))))).toEqual(
      state,
    );
  });
});
