import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KEYS, startTestLedger, type TestLedger } from '../support/ledger-app';

// The build script is plain JS (it runs before anything is compiled): required, not imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildConsole } = require('../../apps/console/build.js') as {
  buildConsole(outDir: string): Promise<string>;
};

export const DEMO_ACCOUNT = 'demo-acct';
export const OVERAGE_USAGE = 'u-overage';
export const BROKE_ACCOUNT = 'demo-no-credits';
export const REFUSED_USAGE = 'u-refused';
const HOUR = 3_600_000;

export interface ConsoleLedger {
  readonly ledger: TestLedger;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The real ledger listening on a local port (SQLite in a temp dir, simulated clock), serving a
 * console freshly built from apps/console into a temp dir. The webhook dispatcher is off unless
 * `env` turns it on: its lease is an event in the log, renewed as the simulated clock moves, and the
 * screens these tests read name log positions.
 */
export async function startConsoleLedger(env: Record<string, string> = {}): Promise<ConsoleLedger> {
  const consoleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-console-'));
  await buildConsole(consoleDir);
  const previous = process.env.LEDGER_CONSOLE_DIR;
  process.env.LEDGER_CONSOLE_DIR = consoleDir;
  let ledger: TestLedger;
  try {
    // Named key ids (role@keyId:key): the header of every screenshot reads the same from run to run.
    ledger = await startTestLedger({
      LEDGER_WEBHOOK_DISPATCHER: 'off',
      ...env,
      LEDGER_API_KEYS: Object.entries(KEYS)
        .map(([role, key]) => `${role}@${role}-desk:${key}`)
        .join(','),
    });
  } finally {
    if (previous === undefined) delete process.env.LEDGER_CONSOLE_DIR;
    else process.env.LEDGER_CONSOLE_DIR = previous;
  }
  await ledger.app.listen({ port: 0, host: '127.0.0.1' });
  const url = (await ledger.app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    ledger,
    url,
    close: async () => {
      await ledger.close();
      fs.rmSync(ledger.dataDir, { recursive: true, force: true });
      fs.rmSync(consoleDir, { recursive: true, force: true });
    },
  };
}

/**
 * A demo account through the public API, as a service would make it: credits bought and granted,
 * the 5-hour window used up over a few hours, one usage that spills into credits, and more usage in
 * the next window — about 140 events, three timeline pages.
 */
export async function seedDemoAccount(ledger: TestLedger): Promise<void> {
  const service = ledger.as('service');
  await service.post('/v1/accounts', { accountId: DEMO_ACCOUNT, plan: 'plus' }).expect(201);
  await service
    .post(`/v1/accounts/${DEMO_ACCOUNT}/credits/purchases`, {
      purchaseId: 'p-1',
      credits: '100',
      amountPaid: { amountMinor: 4000, currency: 'USD' },
    })
    .expect(201);
  await ledger
    .as('admin')
    .post(`/v1/accounts/${DEMO_ACCOUNT}/credits/grants`, {
      grantId: 'g-welcome',
      credits: '20',
      reason: 'welcome credits',
    })
    .expect(201);
  for (let batch = 0; batch < 3; batch++) {
    await ledger.advanceClock(HOUR);
    const records = Array.from({ length: 40 }, (_, i) => ({
      usageId: `u-${batch}-${i}`,
      accountId: DEMO_ACCOUNT,
      product: 'codex',
      operation: 'local_message',
      quantity: 1,
    }));
    await service.post('/v1/usage/batch', { records }).expect(200);
  }
  await ledger.advanceClock(HOUR);
  // 120 of 150 units used: 30 come from the window, 10 spill over at 5 credits each.
  await service
    .post('/v1/usage', {
      usageId: OVERAGE_USAGE,
      accountId: DEMO_ACCOUNT,
      product: 'codex',
      operation: 'local_message',
      quantity: 40,
    })
    .expect(201);
  await ledger.advanceClock(5 * HOUR);
  const later = Array.from({ length: 12 }, (_, i) => ({
    usageId: `u-later-${i}`,
    accountId: DEMO_ACCOUNT,
    product: 'codex',
    operation: 'cloud_task',
    quantity: 1,
  }));
  await service.post('/v1/usage/batch', { records: later }).expect(200);
  await ledger.advanceClock(HOUR);
  // An account without credits: a usage past its allowance is refused whole, and recorded as refused.
  await service.post('/v1/accounts', { accountId: BROKE_ACCOUNT, plan: 'plus' }).expect(201);
  await service
    .post('/v1/usage', {
      usageId: REFUSED_USAGE,
      accountId: BROKE_ACCOUNT,
      product: 'codex',
      operation: 'local_message',
      quantity: 200,
    })
    .expect(402);
}

export const HOLDS_ACCOUNT = 'demo-holds';
export const OPEN_HOLD = 'h-open';
export const SETTLED_HOLD = 'h-settled';
export const SETTLE_USAGE = 'u-settle';
export const REVERSED_USAGE = 'u-reversed';
export const REVERSAL = 'rv-1';

/**
 * An account with holds, through the public API: 145 of the 5-hour window's 150 units used, then a
 * hold that stays open (10 messages: 5 units and 25 credits held), a hold of 2 messages (10 credits)
 * settled at 4 (10 credits consumed, 10 charged beyond it), and a 3-message usage (15 credits)
 * reversed by an admin. After: balance 100 − 25 − 20 = 55, 25 held, the window 145 used and 5 held.
 */
export async function seedHoldsAccount(ledger: TestLedger): Promise<void> {
  const service = ledger.as('service');
  await service.post('/v1/accounts', { accountId: HOLDS_ACCOUNT, plan: 'plus' }).expect(201);
  await service
    .post(`/v1/accounts/${HOLDS_ACCOUNT}/credits/purchases`, {
      purchaseId: 'p-holds',
      credits: '100',
      amountPaid: { amountMinor: 4000, currency: 'USD' },
    })
    .expect(201);
  const message = { product: 'codex', operation: 'local_message' };
  await service
    .post('/v1/usage', { usageId: 'u-fill', accountId: HOLDS_ACCOUNT, ...message, quantity: 145 })
    .expect(201);
  const hold = (holdId: string, quantity: number) =>
    service
      .post('/v1/holds', {
        holdId,
        accountId: HOLDS_ACCOUNT,
        product: 'codex',
        lines: [{ operation: 'local_message', quantity }],
        ttlSeconds: 86_400,
      })
      .expect(201);
  await hold(OPEN_HOLD, 10);
  await hold(SETTLED_HOLD, 2);
  await service
    .post(`/v1/holds/${SETTLED_HOLD}/settlement`, {
      usageId: SETTLE_USAGE,
      lines: [{ operation: 'local_message', quantity: 4 }],
    })
    .expect(201);
  await service
    .post('/v1/usage', { usageId: REVERSED_USAGE, accountId: HOLDS_ACCOUNT, ...message, quantity: 3 })
    .expect(201);
  await ledger
    .as('admin')
    .post(`/v1/usage/${REVERSED_USAGE}/reversals`, { reversalId: REVERSAL, reason: 'task failed' })
    .expect(201);
}

export const SHORT_ACCOUNT = 'demo-holds-short';
export const SHORT_HOLD = 'h-short';
export const SHORT_USAGE = 'u-short';

/**
 * An account without credits whose hold is settled beyond it: 145 units used, a hold of the last 5,
 * settled at 10 messages. 5 come from the hold; the 5 beyond it cost 25 credits it does not have,
 * so they are uncollected (insufficient_credits), never a negative balance.
 */
export async function seedShortSettlement(ledger: TestLedger): Promise<void> {
  const service = ledger.as('service');
  await service.post('/v1/accounts', { accountId: SHORT_ACCOUNT, plan: 'plus' }).expect(201);
  await service
    .post('/v1/usage', {
      usageId: 'u-short-fill',
      accountId: SHORT_ACCOUNT,
      product: 'codex',
      operation: 'local_message',
      quantity: 145,
    })
    .expect(201);
  await service
    .post('/v1/holds', {
      holdId: SHORT_HOLD,
      accountId: SHORT_ACCOUNT,
      product: 'codex',
      lines: [{ operation: 'local_message', quantity: 5 }],
      ttlSeconds: 86_400,
    })
    .expect(201);
  await service
    .post(`/v1/holds/${SHORT_HOLD}/settlement`, {
      usageId: SHORT_USAGE,
      lines: [{ operation: 'local_message', quantity: 10 }],
    })
    .expect(201);
}

export const ALERTS_ACCOUNT = 'demo-alerts';
export const EXPIRING_GRANT = 'g-expiring';
export const EXPIRED_HOLD = 'h-expired';
/** Refused usages of the alerts account: one credits.depleted notification each, two pages in all. */
export const DEPLETED_USAGES = 60;

/**
 * An account with notifications of most kinds (SPEC §8), through the public API: 100 credits bought
 * and a grant of 10 expiring in 3 days (credits.expiring, default 7 days ahead); alerts at 60 credits
 * and auto top-up below 50; the 5-hour window used up (window.threshold 80% and 100%); 13 messages over
 * it for 65 credits (balance 45: credits.low and topup.requested); the top-up failed (topup.failed);
 * a hold of 5 credits left to expire (its placement asks for a top-up again; hold.expired); then, an
 * hour later, 60 usages refused for lack of credits (credits.depleted each): 68 notifications.
 * Answers the instant the refusals were recorded at.
 */
export async function seedAlertsAccount(ledger: TestLedger): Promise<{ readonly refusedAt: string }> {
  const service = ledger.as('service');
  const base = `/v1/accounts/${ALERTS_ACCOUNT}`;
  await service.post('/v1/accounts', { accountId: ALERTS_ACCOUNT, plan: 'plus' }).expect(201);
  await service
    .post(`${base}/credits/purchases`, {
      purchaseId: 'p-alerts',
      credits: '100',
      amountPaid: { amountMinor: 4000, currency: 'USD' },
    })
    .expect(201);
  const now = (await ledger.as('support').get('/console/api/session').expect(200)).body.now as string;
  await ledger
    .as('admin')
    .post(`${base}/credits/grants`, {
      grantId: EXPIRING_GRANT,
      credits: '10',
      reason: 'trial credits',
      expiresAt: new Date(Date.parse(now) + 3 * 86_400_000).toISOString(),
    })
    .expect(201);
  await service.put(`${base}/alerts`, { creditsBelow: '60', expiringWithinDays: 7 }).expect(200);
  await service
    .put(`${base}/auto-top-up`, {
      enabled: true,
      belowCredits: '50',
      targetCredits: '150',
      monthlyLimitCredits: '500',
    })
    .expect(200);
  const message = { accountId: ALERTS_ACCOUNT, product: 'codex', operation: 'local_message' };
  await service.post('/v1/usage', { usageId: 'u-alerts-fill', ...message, quantity: 150 }).expect(201);
  const over = await service
    .post('/v1/usage', { usageId: 'u-alerts-over', ...message, quantity: 13 })
    .expect(201);
  // The read model at (or past) that usage's position: never a read that may lag it.
  const requested = await service
    .get(`${base}/notifications?limit=1000&minPosition=${over.body.position as string}`)
    .expect(200);
  const topUp = (requested.body.items as { kind: string; data: { topUpId: string } }[]).find(
    (n) => n.kind === 'topup.requested',
  );
  if (topUp === undefined) throw new Error('the seed expected a topup.requested notification');
  await service
    .post(`${base}/top-ups/${topUp.data.topUpId}/failure`, { reason: 'card declined' })
    .expect(201);
  await service
    .post('/v1/holds', {
      holdId: EXPIRED_HOLD,
      accountId: ALERTS_ACCOUNT,
      product: 'codex',
      lines: [{ operation: 'local_message', quantity: 1 }],
      ttlSeconds: 60,
    })
    .expect(201);
  await ledger.advanceClock(HOUR);
  const refusedAt = (await ledger.as('support').get('/console/api/session').expect(200)).body.now as string;
  const records = Array.from({ length: DEPLETED_USAGES }, (_, i) => ({
    usageId: `u-alerts-refused-${i}`,
    ...message,
    quantity: 100,
  }));
  await service.post('/v1/usage/batch', { records }).expect(200);
  return { refusedAt };
}

export const DEMO_ORG = 'demo-org';
export const ORG_MEMBERS = { ana: 'org-ana', ben: 'org-ben', cy: 'org-cy' } as const;

/** Usage of exactly `credits` credits, all overage: 4000 output tokens cost 3 credits, 0 allowance units. */
function tokenUsage(usageId: string, accountId: string, credits: number) {
  if (credits % 3 !== 0) throw new Error(`${credits} credits is no whole number of tokens`);
  return {
    usageId,
    accountId,
    product: 'codex',
    operation: 'gpt-5.5:output_tokens',
    quantity: (credits / 3) * 4000,
  };
}

/**
 * An organisation through the public API (SPEC §7): "Acme Research" on business with a pool of 500
 * credits; members org-ana and org-ben in group "eng", org-cy in none; default limit 100 a month, eng
 * 60; spent from the pool 30, 45 and 12 (pool 413); two pending credit requests: cr-ana-1 (20,
 * "release week") and cr-ben-1 (15).
 */
export async function seedOrganization(ledger: TestLedger): Promise<void> {
  const service = ledger.as('service');
  const org = `/v1/organizations/${DEMO_ORG}`;
  await service
    .post('/v1/organizations', { organizationId: DEMO_ORG, plan: 'business', name: 'Acme Research' })
    .expect(201);
  await service
    .post(`${org}/credits/purchases`, {
      purchaseId: 'pp-acme',
      credits: '500',
      amountPaid: { amountMinor: 20000, currency: 'USD' },
    })
    .expect(201);
  for (const [accountId, group] of [
    [ORG_MEMBERS.ana, 'eng'],
    [ORG_MEMBERS.ben, 'eng'],
    [ORG_MEMBERS.cy, undefined],
  ] as const) {
    await service.post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
    await service.put(`${org}/members/${accountId}`, group === undefined ? {} : { group }).expect(200);
  }
  await service.put(`${org}/spend-limits/default`, { creditsPerMonth: '100' }).expect(200);
  await service.put(`${org}/spend-limits/groups/eng`, { creditsPerMonth: '60' }).expect(200);
  await service.post('/v1/usage', tokenUsage('u-ana-1', ORG_MEMBERS.ana, 30)).expect(201);
  await service.post('/v1/usage', tokenUsage('u-ben-1', ORG_MEMBERS.ben, 45)).expect(201);
  await service.post('/v1/usage', tokenUsage('u-cy-1', ORG_MEMBERS.cy, 12)).expect(201);
  await service
    .post(`${org}/credit-requests`, {
      requestId: 'cr-ana-1',
      accountId: ORG_MEMBERS.ana,
      credits: '20',
      note: 'release week',
    })
    .expect(201);
  await service
    .post(`${org}/credit-requests`, { requestId: 'cr-ben-1', accountId: ORG_MEMBERS.ben, credits: '15' })
    .expect(201);
}
