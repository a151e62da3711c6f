import { CLOCK, type SimulatedClock } from '../../apps/ledger/src/clock/clock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, startTestLedger, type TestLedger } from '../support/ledger-app';
import { SimulatedLedger } from './simulation/sim-harness';
import type { SimOp } from './simulation/sim-types';

// Bugs the reliability suite found, outside test/reliability (docs/RELIABILITY.md "Findings").
// Each was an `it.failing` reproduction; all are fixed (37af8aa, a27c8c0), so they are plain tests
// now and guard the fixes. An open bug gets `it.failing`: it turns red the day the bug is fixed.
describe('known bugs found by the reliability suite (in-process ledger)', () => {
  let ledger: TestLedger;
  beforeEach(async () => {
    ledger = await startTestLedger();
    expect((await ledger.as('service').post('/v1/accounts', { accountId: 'a1', plan: 'plus' })).status).toBe(
      201,
    );
  });
  afterEach(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  const head = async () => (await ledger.http().get('/health')).body.position as string;

  // Bug: class-transformer's recursive plainToInstance (ValidationPipe, transform: true) overflows
  // the stack on a body nested ~2,000 levels deep (≈ 4 KB, far under the 2 MiB body limit): 500.
  it('refuses a deeply nested body with a 4xx, not a 500', async () => {
    const deep = `{"accountId":"a2","plan":"plus","x":${'['.repeat(2_000)}${']'.repeat(2_000)}}`;
    const answer = await ledger
      .as('service')
      .post('/v1/accounts')
      .set('content-type', 'application/json')
      .send(deep);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  // Bug: a no-op PUT (same plan, same cap) on an account with an expired grant appends only the
  // CreditsExpired write-off, and the controllers build the answer from that event: plan "" and
  // previousPlan null; creditsPerMonth missing. (With the system clock, grants expire between two
  // sweeps of the expiry scheduler; the clock is moved here without the admin endpoint, which sweeps.)
  it('answers a same-value PUT with the account’s plan and cap, even when it wrote off expired credits', async () => {
    const purchase = {
      purchaseId: 'p1',
      credits: '10',
      amountPaid: { amountMinor: 100, currency: 'USD' },
      expiresAt: '2026-11-01T01:00:00Z',
    };
    const purchase2 = { ...purchase, purchaseId: 'p2', expiresAt: '2026-11-01T02:00:00Z' };
    for (const body of [purchase, purchase2]) {
      expect((await ledger.as('service').post('/v1/accounts/a1/credits/purchases', body)).status).toBe(201);
    }
    const clock = ledger.app.get<SimulatedClock>(CLOCK);
    clock.advanceBy(3_600_000);
    const plan = await ledger.as('service').put('/v1/accounts/a1/plan', { plan: 'plus' });
    expect(plan.body).toMatchObject({ accountId: 'a1', plan: 'plus', previousPlan: 'plus' });
    clock.advanceBy(3_600_000);
    const cap = await ledger.as('service').put('/v1/accounts/a1/spending-cap', { creditsPerMonth: null });
    expect(cap.body).toMatchObject({ accountId: 'a1', creditsPerMonth: null });
  });

  // Bug: API.md allows ids of 1–128 chars, but Fastify's default maxParamLength is 100: an account
  // opened with a 101–128-char id answers 414 on every /v1/accounts/{accountId}/… route.
  it('serves an account whose id is 128 characters long', async () => {
    const accountId = 'L'.repeat(128);
    expect((await ledger.as('service').post('/v1/accounts', { accountId, plan: 'plus' })).status).toBe(201);
    expect((await ledger.as('support').get(`/v1/accounts/${accountId}`)).status).toBe(200);
  });

  // Bug: the simulated clock accepts any time up to year 275760, but isoOf() writes years past
  // 9999 as "+010000-…" and msFromStored() refuses them: the purchase (default expiry one year
  // later) is appended and answered 500, and every later command on the account is a 500, even
  // after a restart — one admin call poisons the stream.
  it('never appends an event it cannot read back (clock near year 10000)', async () => {
    // The fix may refuse the clock move itself (4xx) or keep every later command sound.
    const moved = await ledger.as('admin').post('/v1/admin/clock', { now: '9999-12-31T00:00:00Z' });
    expect(moved.status).toBeLessThan(500);
    const before = await head();
    const purchase = { purchaseId: 'p9', credits: '10', amountPaid: { amountMinor: 100, currency: 'USD' } };
    const answer = await ledger.as('service').post('/v1/accounts/a1/credits/purchases', purchase);
    expect(answer.status === 201 || (answer.status < 500 && (await head()) === before)).toBe(true);
    const usage = {
      usageId: 'u1',
      accountId: 'a1',
      product: 'codex',
      operation: 'local_message',
      quantity: 1,
    };
    expect((await ledger.as('service').post('/v1/usage', usage)).status).toBeLessThan(500);
  });

  // Unknown fields named "__proto__", "constructor" or "prototype" are accepted and appended,
  // although API.md refuses unknown fields (400). class-transformer's plainToInstance (ValidationPipe,
  // transform: true) skips "__proto__" and "constructor" keys, so the whitelist never sees them;
  // Fastify's secure-json-parse used to refuse the first two, but 37af8aa replaced it with plain
  // JSON.parse (apps/ledger/src/http/json-body.ts). "prototype" is accepted too (found by the fuzz
  // run of 100,000 requests on /v1/usage and /v1/limits/resets). Fixed: the parser refuses all three.
  // The next long fuzz run (session 2) found the same with "toString" and "valueOf" on every command:
  // class-validator looks fields up in a plain object, so every name Object.prototype has passed.
  // The parser now refuses each of those names too.
  it.each([
    ['__proto__', '{"__proto__":{"isAdmin":true},'],
    ['constructor', '{"constructor":{"prototype":{"x":1}},'],
    ['prototype', '{"prototype":true,'],
    ['toString', '{"toString":null,'],
    ['valueOf', '{"valueOf":-4.2e-239,'],
    ['hasOwnProperty', '{"hasOwnProperty":[],'],
    ['toLocaleString', '{"toLocaleString":"x",'],
  ])('refuses a body with a "%s" key and appends nothing', async (_key, prefix) => {
    const before = await head();
    const body = JSON.stringify({ grantId: 'g-proto', credits: '5', reason: 'fuzz' }).replace(/^{/, prefix);
    const answer = await ledger
      .as('admin')
      .post('/v1/accounts/a1/credits/grants')
      .set('content-type', 'application/json')
      .send(body);
    expect({ status: answer.status, head: await head() }).toEqual({ status: 400, head: before });
  });

  // Same hole in query strings: GET …/entitlements?…&toString=x answered 200 (unknown query fields
  // are a 400 everywhere else). The query keys are checked against the same names before validation.
  it.each(['toString=x', 'valueOf=1', 'constructor=1', '__proto__=1', 'hasOwnProperty=1'])(
    'refuses a query naming "%s" with 400 naming the field',
    async (query) => {
      const entitlement = await ledger
        .as('service')
        .get(`/v1/accounts/a1/entitlements?product=codex&operation=local_message&quantity=1&${query}`);
      const timeline = await ledger.as('support').get(`/v1/accounts/a1/timeline?${query}`);
      for (const answer of [entitlement, timeline]) {
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ fields: [{ field: query.split('=')[0] }] });
      }
    },
  );
});

// Found by the seeded simulation with holds (seed 2, 5,000 operations, issue 17), through the command
// service; fixed in the domain (holds/state.ts `withoutLapsedWindows`), so a plain test guarding the fix.
describe('known bugs found by the reliability suite (command service, simulated clock)', () => {
  let dir: string;
  let ledger: SimulatedLedger;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-known-'));
    ledger = await SimulatedLedger.start(dir, Date.parse('2026-11-01T00:00:00.000Z'));
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = (type: string, data: Record<string, unknown>) =>
    ledger.run({ kind: 'account', type, data: { accountId: 'a1', ...data } } as SimOp);

  // Bug: a hold anchors the codex windows at t; an account reset at t removes them; usage at t opens
  // new windows — also started at t, so `snapshotsWithoutHeld` (holds/state.ts) takes them for the
  // held instances (name + startedAt) and subtracts the hold's 10 units from the new window's used:
  // UsageRecorded records `used: -7` (and the windows are folded with it). holds/RULES.md 1: after a
  // reset "the successor window starts full, nothing is held in it" — used 3, remaining 147.
  // The negative `used` in the log was the harm. Fixed: a window instance that leaves the account's
  // windows takes its held units with it, so the successor is never mistaken for it.
  it('records the real used of a window reset and reopened in the millisecond a hold anchored it', async () => {
    expect((await run('OpenAccount', { plan: 'plus' })).kind).toBe('appended');
    const lines = [{ operation: 'local_message', quantity: 10 }];
    expect(await run('PlaceHold', { holdId: 'h1', product: 'codex', lines })).toMatchObject({
      kind: 'appended',
      events: [{ type: 'HoldPlaced', allowanceUnits: 10 }],
    });
    expect((await run('ResetAccountLimits', { resetId: 'r1', reason: 'x', product: 'codex' })).kind).toBe(
      'appended',
    );
    const usage = await run('RecordUsage', {
      usageId: 'u1',
      product: 'codex',
      operation: 'local_message',
      quantity: 3,
    });
    expect(usage).toMatchObject({
      kind: 'appended',
      events: [
        {
          type: 'UsageRecorded',
          windows: [
            { window: '5h', used: 3, remaining: 147 },
            { window: 'weekly', used: 3 },
          ],
        },
      ],
    });
  });
});
