import { rateCard } from '@ledger/domain/testing/fixtures';
import type { EventStore } from '@ledger/event-store';
import { EsdbEventStore } from '@ledger/event-store/esdb';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { LedgerSimulation } from '../projections/support/ledger-simulation';
import { orgMonth } from '../projections/support/org-month';
import { OrgSimulation } from '../projections/support/org-simulation';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { ledger as runLedger, removeLedger } from './support/launch-ledger';

/**
 * `ledger org` (issue 18) for support, on a log written by the real deciders (the organisation's
 * month of test/projections/support/org-month.ts), on the embedded SQLite store and on EventStoreDB
 * (the protocol double), on a simulated clock set in November 2026.
 */
describe.each(['sqlite', 'eventstoredb'] as const)('ledger org (%s)', (engine) => {
  let dataDir: string;
  let double: EsdbDouble | undefined;
  let env: Record<string, string> = {};
  const ledger = (argv: readonly string[]) => runLedger(dataDir, argv, env);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-org-'));
    let store: EventStore;
    if (engine === 'eventstoredb') {
      double = await startEsdbDouble();
      store = new EsdbEventStore(double.connectionString);
      env = { EVENTSTORE_CONNECTION_STRING: double.connectionString };
    } else {
      store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
    }
    env = { ...env, LEDGER_CLOCK: 'simulated', LEDGER_CLOCK_START: '2026-11-03T12:00:00Z' };
    try {
      await orgMonth(new OrgSimulation(new LedgerSimulation(store, rateCard)));
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await double?.stop();
    removeLedger(dataDir);
  });

  it("prints the pool, the limits and each member's spend this month against its effective limit", async () => {
    const run = await ledger(['org', 'org-1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    const out = run.stdout;
    expect(out).toContain(
      'Organization org-1 "Acme" (plan pro); spend counted in 2026-11 (UTC, ledger clock)',
    );
    expect(out).toMatch(/balance\s+90 credits/);
    expect(out).toMatch(/held\s+5 credits \(open member reservations\)/);
    expect(out).toMatch(/grant org-g-1\s+promotional 20: 0 left, 20 used, 0 held, exhausted/);
    expect(out).toContain('default 30; group research 12');
    expect(out).toMatch(/alice\s+research\s+15\s+22\s+member\s+7/);
    expect(out).toMatch(/bob\s+—\s+15\s+30\s+default\s+15/);
    expect(out).toMatch(/r-1\s+alice asks 10 credits "deadline" .*: approved .*, limit 22 in 2026-11/);
    expect(out).toMatch(/r-2\s+bob asks 1 credits .*: pending/);
  });

  it('--json gives the organisation view of the API', async () => {
    const run = await ledger(['org', 'org-1', '--json']);
    const view = JSON.parse(run.stdout) as { credits: { balance: string }; members: { accountId: string }[] };
    expect(view.credits.balance).toBe('90');
    expect(view.members.map((m) => m.accountId)).toEqual(['alice', 'bob']);
  });

  it('an unknown organisation exits 3; a missing argument is a usage error', async () => {
    const unknown = await ledger(['org', 'org-nope']);
    expect(unknown.code).toBe(ExitCode.notFound);
    expect(unknown.stderr).toContain('no organization "org-nope"');
    expect((await ledger(['org'])).code).toBe(ExitCode.usage);
  });

  it('explains a member usage paid by the pool, and one refused at the member limit', async () => {
    const paid = await ledger(['explain', 'alice', 'a-1']);
    expect(paid.code).toBe(ExitCode.ok);
    // Alice's own credits did not move: the pool paid.
    expect(paid.stdout).toMatch(/balance\s+50 → 50 credits/);
    expect(paid.stdout).toContain(
      'paid by the pool of organization org-1 (reservation member-usage:alice:a-1): org-g-1 10',
    );
    // Alice had spent 10 of her group's 12 this month: 2 left open to her.
    expect(paid.stdout).toContain('(2 credits open to the member after;');
    const refused = await ledger(['explain', 'alice', 'a-2']);
    expect(refused.stdout).toContain(
      "Rejected (member_limit_reached): the overage of 5 credits would have passed the member's group spend limit of 12 credits this month in organization org-1.",
    );
    expect(refused.stdout).toContain(
      'with a higher limit (an approved credit request raises it for this month)',
    );
  });

  it("a member's timeline shows the pool charges it caused; verify is clean and the trial balance balances", async () => {
    const timeline = await ledger(['timeline', 'alice']);
    expect(timeline.code).toBe(ExitCode.ok);
    // The event column is 16 wide: MemberSpendReserved reads MemberSpendRese….
    expect(timeline.stdout).toMatch(/MemberSpendRese…\s+\[pool -10\]\s+50/);
    expect(timeline.stdout).toContain('pool of org-1 charged 10 credits for usage [a-1]');
    expect(timeline.stdout).toMatch(
      /pool of org-1 refuses usage \[a-2\]: member_limit_reached \(group limit 12\)/,
    );
    const verify = await ledger(['verify']);
    expect(verify.stdout).toContain('OK: the live read models are exactly what the log says.');
    const trial = await ledger(['trial-balance']);
    expect(trial.stdout).toContain('Balanced: debits equal credits.');
    expect(trial.stdout).toMatch(/organization pools \(1 organization\)\s+95 {2}debit/);
  });
});
