import fc from 'fast-check';
import type { AccountCommand } from '../account/commands';
import { accountDecider } from '../account/decide';
import type { AccountEvent } from '../account/events';
import { snapshotOf, stateFromSnapshot } from '../account/snapshot';
import { foldAccount, initialState, type AccountState } from '../account/state';
import { formatCredits } from '../credits';
import { context, open, propertyOptions, purchase, T0, usage, expire } from '../testing/fixtures';
import { setAutoTopUp, topUpFailure } from './alerts-commands.fixtures';
import { checkTopUps } from '../testing/top-up-reference';

/**
 * Seeded simulation (FC_SEED=<seed> to reproduce): usage, purchases, fulfilled and failed top-ups,
 * setting changes and a clock that crosses UTC months. Checked against the log alone (a reference
 * model, not the decider's state): in each UTC month the credits of requests that did not fail never
 * pass the monthly limit in force when each was made, and a request never opens while another is.
 */
type Step = (state: AccountState, now: number) => AccountCommand | null;

const credits = (max: number) => fc.integer({ min: 1, max }).map((n) => String(n));
const useCredits: fc.Arbitrary<Step> = fc
  .integer({ min: 1, max: 40 })
  .map((q) => (s, now) => usage(`u-${s.version}`, q, { now }));
const buyCredits: fc.Arbitrary<Step> = credits(300).map(
  (c) => (s, now) => purchase(`p-${s.version}`, c, { now }),
);
const fulfilTopUp: Step = (s, now) => {
  const o = s.alerts.outstanding;
  return o === null ? null : purchase(o.topUpId, formatCredits(o.credits), { now });
};
const failTopUp: Step = (s, now) => {
  const o = s.alerts.outstanding;
  return o === null ? null : topUpFailure(o.topUpId, now);
};
const changeSetting: fc.Arbitrary<Step> = fc
  .tuple(fc.boolean(), credits(100), credits(200), credits(600))
  .map(
    ([enabled, below, extra, limit]) =>
      (_s, now) =>
        setAutoTopUp(
          { enabled, below, target: String(Number(below) + Number(extra)), monthlyLimit: limit },
          now,
        ),
  );
const arbStep: fc.Arbitrary<[number, Step]> = fc.tuple(
  fc.integer({ min: 0, max: 6 * 24 * 60 }), // minutes: long runs cross a UTC month
  fc.oneof(
    { weight: 4, arbitrary: useCredits },
    { weight: 1, arbitrary: buyCredits },
    { weight: 2, arbitrary: fc.constant(fulfilTopUp) },
    // Failures weigh most: three in a row (with requests between) must happen in the runs.
    { weight: 4, arbitrary: fc.constant(failTopUp) },
    { weight: 1, arbitrary: changeSetting },
    { weight: 1, arbitrary: fc.constant<Step>((_s, now) => expire(now)) },
  ),
);

describe('auto top-up — property: never past the monthly limit, never two requests open', () => {
  it('holds after every step, and the state is the fold of the log and survives a snapshot', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 5, maxLength: 60 }), (steps) => {
        let now = T0;
        let state = initialState();
        const log: AccountEvent[] = [];
        const apply = (command: AccountCommand | null) => {
          if (command === null) return;
          const decision = accountDecider.decide(command, state, context);
          if (decision.kind !== 'events') return;
          for (const e of decision.events) {
            log.push(e);
            state = accountDecider.evolve(state, e);
          }
        };
        apply(open('plus', now));
        apply(setAutoTopUp({ below: '50', target: '150', monthlyLimit: '400' }, now));
        for (const [minutes, make] of steps) {
          now += minutes * 60_000;
          apply(make(state, now));
          checkTopUps(log);
        }
        for (const e of log) seen.add(e.type);
        expect(foldAccount(log)).toEqual(state);
        expect(stateFromSnapshot(JSON.parse(JSON.stringify(snapshotOf(state))))).toEqual(state);
      }),
      propertyOptions(300),
    );
    for (const type of ['TopUpRequested', 'TopUpFailed', 'AutoTopUpDisabled', 'CreditsPurchased']) {
      expect(seen).toContain(type);
    }
  }, 60_000);
});
