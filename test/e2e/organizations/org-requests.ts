import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../../../apps/ledger/src/store/store.tokens';
import { KEYS, type TestLedger, type TestRole } from '../../support/ledger-app';

/** 0 allowance units, 0.00075 credits a token: usage of it is all overage (credits only). */
export const TOKENS = 'gpt-5.5:output_tokens';

/** Tokens that cost exactly `credits` (4000 tokens = 3 credits): whole multiples of 3 only. */
export function tokensFor(credits: number): number {
  if (credits % 3 !== 0) throw new Error(`${credits} credits is no whole number of tokens`);
  return (credits / 3) * 4000;
}

/** The requests of the organisation suites, sent to `node()` (a getter: the ledger starts in beforeAll). */
export function orgRequests(node: () => TestLedger) {
  const as = (role: TestRole) => node().as(role);
  const org = (orgId: string) => `/v1/organizations/${orgId}`;
  return {
    /** The log's head (the store's: this suite must not depend on the read side). */
    head: async () => (await node().app.get<EventStore>(EVENT_STORE).headPosition()).toString(),
    /** GET /v1/organizations/{orgId} once the read models have applied `position`. */
    view: async (orgId: string, position: string) =>
      (
        await as('support')
          .get(`${org(orgId)}?minPosition=${position}`)
          .expect(200)
      ).body,
    events: (stream: string) => node().app.get<EventStore>(EVENT_STORE).readStream(stream),
    openAccount: async (accountId: string, plan = 'plus') => {
      await as('service').post('/v1/accounts', { accountId, plan }).expect(201);
    },
    /** Opens a business organisation with a pool purchase `pp-<orgId>` of `credits` when given. */
    openOrg: async (orgId: string, credits?: string) => {
      await as('service')
        .post('/v1/organizations', { organizationId: orgId, plan: 'business', name: orgId })
        .expect(201);
      if (credits === undefined) return;
      await as('service')
        .post(`${org(orgId)}/credits/purchases`, {
          purchaseId: `pp-${orgId}`,
          credits,
          amountPaid: { amountMinor: 100, currency: 'USD' },
        })
        .expect(201);
    },
    addMember: (orgId: string, accountId: string, group?: string) =>
      as('service').put(`${org(orgId)}/members/${accountId}`, group === undefined ? {} : { group }),
    removeMember: (orgId: string, accountId: string) =>
      node()
        .http()
        .delete(`${org(orgId)}/members/${accountId}`)
        .set('authorization', `Bearer ${KEYS.service}`),
    limit: (orgId: string, level: string, creditsPerMonth: string | null) =>
      as('service').put(`${org(orgId)}/spend-limits/${level}`, { creditsPerMonth }),
    /** Usage of `credits` worth of tokens (all overage). */
    spend: (usageId: string, accountId: string, credits: number) =>
      as('service').post('/v1/usage', {
        usageId,
        accountId,
        product: 'codex',
        operation: TOKENS,
        quantity: tokensFor(credits),
      }),
    requestCredits: (orgId: string, requestId: string, accountId: string, credits: string) =>
      as('service').post(`${org(orgId)}/credit-requests`, { requestId, accountId, credits }),
    decide: (orgId: string, requestId: string, approve: boolean) =>
      as('admin').post(`${org(orgId)}/credit-requests/${requestId}/decision`, { approve }),
  };
}
