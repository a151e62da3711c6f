import type { TestLedger } from '../../support/ledger-app';

/** 0 allowance units, 0.00075 credits a token: lines of it draw credits only. */
export const TOKENS = 'gpt-5.5:output_tokens';

/** Tokens that cost exactly `credits` (4000 tokens = 3 credits): whole multiples of 3 only. */
export function tokensFor(credits: number): number {
  if (credits % 3 !== 0) throw new Error(`${credits} credits is no whole number of tokens`);
  return (credits / 3) * 4000;
}

/** The requests of the holds suites, sent to `node()` (a getter: the ledger starts in beforeAll). */
export function holdRequests(node: () => TestLedger) {
  const service = () => node().as('service');
  return {
    /** The log's head as /health reports it. */
    head: async () => (await node().http().get('/health').expect(200)).body.position as string,
    /** Opens a plus account, with a purchase `p-<accountId>` of `credits` when given. */
    open: async (accountId: string, credits?: string) => {
      await service().post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
      if (credits === undefined) return;
      await service()
        .post(`/v1/accounts/${accountId}/credits/purchases`, {
          purchaseId: `p-${accountId}`,
          credits,
          amountPaid: { amountMinor: 100, currency: 'USD' },
        })
        .expect(201);
    },
    /** A hold of `credits` worth of tokens. */
    hold: (holdId: string, accountId: string, credits: number, over: Record<string, unknown> = {}) =>
      service().post('/v1/holds', {
        holdId,
        accountId,
        product: 'codex',
        lines: [{ operation: TOKENS, quantity: tokensFor(credits) }],
        ...over,
      }),
    settle: (holdId: string, usageId: string, credits: number) =>
      service().post(`/v1/holds/${holdId}/settlement`, {
        usageId,
        lines: [{ operation: TOKENS, quantity: tokensFor(credits) }],
      }),
    release: (holdId: string, reason = 'task cancelled') =>
      service().post(`/v1/holds/${holdId}/release`, { reason }),
  };
}
