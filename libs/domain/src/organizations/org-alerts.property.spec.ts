import fc from 'fast-check';
import { checkTopUps } from '../testing/top-up-reference';
import { formatCredits } from '../credits';
import { propertyOptions, T0 } from '../testing/fixtures';
import type { OrganizationCommand } from './commands';
import { organizationDecider } from './decide';
import type { OrganizationEvent } from './events';
import {
  addMember,
  expireOrgCredits,
  openOrg,
  orgContext,
  orgPurchase,
  orgTopUpFailure,
  release,
  reserve,
  setOrgAutoTopUp,
  settle,
} from './organizations.fixtures';
import { organizationSnapshotOf, organizationStateFromSnapshot } from './snapshot';
import { foldOrganization, initialOrganizationState, type OrganizationState } from './state';

/**
 * The account's auto top-up property (alerts/alerts.property.spec.ts) on an organisation's pool,
 * seeded (FC_SEED=<seed>): member reservations settled or released, pool purchases, fulfilled and
 * failed top-ups, setting changes, expiries and a clock that crosses UTC months, checked against
 * the log alone (`checkTopUps`): never past the monthly limit, never two requests open.
 */
type Step = (state: OrganizationState, now: number) => OrganizationCommand | null;

const credits = (max: number) => fc.integer({ min: 1, max }).map((n) => String(n));
const spend: fc.Arbitrary<Step> = fc
  .tuple(fc.integer({ min: 1, max: 40 }), fc.boolean())
  .map(([c, keep]) => (s, now) => {
    const open = [...s.reservations.values()];
    if (open.length > 0) {
      const r = open[0];
      return keep ? settle(r.holdId, formatCredits(r.credits), now, r.usageId) : release(r.holdId, now);
    }
    return reserve(`h-${s.version}`, 'a-1', String(c), { now });
  });
const buy: fc.Arbitrary<Step> = credits(300).map(
  (c) => (s, now) => orgPurchase(`p-${s.version}`, c, { now }),
);
const fulfil: Step = (s, now) => {
  const o = s.alerts.outstanding;
  return o === null ? null : orgPurchase(o.topUpId, formatCredits(o.credits), { now });
};
const fail: Step = (s, now) => {
  const o = s.alerts.outstanding;
  return o === null ? null : orgTopUpFailure(o.topUpId, now);
};
const change: fc.Arbitrary<Step> = fc.tuple(fc.boolean(), credits(100), credits(200), credits(600)).map(
  ([enabled, below, extra, limit]) =>
    (_s, now) =>
      setOrgAutoTopUp(below, String(Number(below) + Number(extra)), limit, enabled, now),
);
const arbStep: fc.Arbitrary<[number, Step]> = fc.tuple(
  fc.integer({ min: 0, max: 6 * 24 * 60 }),
  fc.oneof(
    { weight: 5, arbitrary: spend },
    { weight: 1, arbitrary: buy },
    { weight: 2, arbitrary: fc.constant(fulfil) },
    { weight: 4, arbitrary: fc.constant(fail) },
    { weight: 1, arbitrary: change },
    { weight: 1, arbitrary: fc.constant<Step>((_s, now) => expireOrgCredits(now)) },
  ),
);

describe('pool auto top-up — property: never past the monthly limit, never two requests open', () => {
  it('holds after every step, and the state is the fold of the log and survives a snapshot', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 5, maxLength: 60 }), (steps) => {
        let now = T0;
        let state = initialOrganizationState();
        const log: OrganizationEvent[] = [];
        const apply = (command: OrganizationCommand | null) => {
          if (command === null) return;
          const decision = organizationDecider.decide(command, state, orgContext);
          if (decision.kind !== 'events') return;
          for (const e of decision.events) {
            log.push(e);
            state = organizationDecider.evolve(state, e);
          }
        };
        apply(openOrg('pro', 'Acme', now));
        apply(addMember('a-1', undefined, now));
        apply(setOrgAutoTopUp('50', '150', '400', true, now));
        for (const [minutes, make] of steps) {
          now += minutes * 60_000;
          apply(make(state, now));
          checkTopUps(log);
        }
        for (const e of log) seen.add(e.type);
        expect(foldOrganization(log)).toEqual(state);
        expect(
          organizationStateFromSnapshot(JSON.parse(JSON.stringify(organizationSnapshotOf(state)))),
        ).toEqual(state);
      }),
      propertyOptions(200),
    );
    for (const type of ['TopUpRequested', 'TopUpFailed', 'AutoTopUpDisabled', 'OrgCreditsPurchased']) {
      expect(seen).toContain(type);
    }
  }, 60_000);
});
