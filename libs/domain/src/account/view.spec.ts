import {
  context,
  DAY,
  grant,
  history,
  HOUR,
  open,
  purchase,
  refund,
  spec,
  stateOf,
  T0,
  usage,
} from '../testing/fixtures';
import { isoOf } from '../time';
import { accountView, entitlement } from './view';

describe('accountView (GET /v1/accounts/{id})', () => {
  const state = stateOf(
    history([
      open(),
      purchase('p-1', '10'),
      purchase('p-2', '5'),
      grant('g-1', '2', { expiresAt: isoOf(T0 + DAY), priority: 1 }),
      grant('g-2', '1', { priority: 0 }),
      usage('u-1', 11),
      refund('r-1', 'p-2'),
    ]),
  );

  it('lists windows with usedPercent, balance, grants with status, and the spending cap', () => {
    expect(accountView(state, T0 + 2 * DAY, context)).toEqual({
      accountId: 'acct-1',
      plan: 'plus',
      windows: [
        {
          product: 'codex',
          window: '5h',
          used: 0,
          held: 0,
          limit: 10,
          remaining: 10,
          usedPercent: 0,
          startedAt: null,
          resetsAt: null,
        },
        {
          product: 'codex',
          window: 'weekly',
          used: 10,
          held: 0,
          limit: 30,
          remaining: 20,
          usedPercent: 33,
          startedAt: isoOf(T0),
          resetsAt: isoOf(T0 + 7 * DAY),
        },
      ],
      credits: {
        balance: '8',
        held: '0',
        grants: [
          {
            grantId: 'p-1',
            kind: 'purchase',
            credits: '10',
            remaining: '8',
            held: '0',
            expiresAt: isoOf(T0 + 30 * DAY),
            products: null,
            priority: 100,
            status: 'active',
          },
          {
            grantId: 'p-2',
            kind: 'purchase',
            credits: '5',
            remaining: '0',
            held: '0',
            expiresAt: isoOf(T0 + 30 * DAY),
            products: null,
            priority: 100,
            status: 'refunded',
          },
          {
            grantId: 'g-1',
            kind: 'promotional',
            credits: '2',
            remaining: '0',
            held: '0',
            expiresAt: isoOf(T0 + DAY),
            products: null,
            priority: 1,
            status: 'expired',
          },
          {
            grantId: 'g-2',
            kind: 'promotional',
            credits: '1',
            remaining: '0',
            held: '0',
            expiresAt: null,
            products: null,
            priority: 0,
            status: 'exhausted',
          },
        ],
      },
      spendingCap: { creditsPerMonth: null, spentThisMonth: '5' },
    });
  });

  it('is null for an account that is not open', () => {
    expect(accountView(stateOf([]), T0, context)).toBeNull();
  });
});

describe('entitlement (dry run, appends nothing)', () => {
  it('answers what RecordUsage would decide, without a usageId', () => {
    const given = history([open(), purchase('p-1', '100'), usage('u-1', 9)]);
    const state = stateOf(given);
    expect(
      entitlement(state, { product: 'codex', operation: 'local_message', quantity: 2 }, T0 + HOUR, context),
    ).toEqual({
      ok: true,
      entitlement: {
        allowed: true,
        outcome: 'accepted',
        reason: null,
        charged: { allowanceUnits: 1, credits: '5', allocations: [{ grantId: 'p-1', credits: '5' }] },
        requiredCredits: null,
        resetsAt: null,
      },
    });
    spec()
      .given(given)
      .when(usage('u-2', 2, { now: T0 + HOUR }))
      .thenMatches([{ data: { allowanceUnits: 1, creditsCharged: '5' } }]);
  });

  it('reports the rejection and invalid requests', () => {
    const state = stateOf(history([open()]));
    expect(
      entitlement(state, { product: 'codex', operation: 'local_message', quantity: 11 }, T0, context),
    ).toMatchObject({
      ok: true,
      entitlement: { allowed: false, reason: 'insufficient_credits', requiredCredits: '5', resetsAt: null },
    });
    expect(
      entitlement(state, { product: 'sora', operation: 'video_second', quantity: 1 }, T0, context),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
  });
});
