import {
  accountView,
  effectiveLimit,
  foldAccount,
  foldOrganization,
  formatCredits,
  memberSpentThisMonth,
  organizationView,
  organizationStreamName,
  type OrganizationEvent,
} from '@ledger/domain';
import { MINUTE, rateCard, T0 } from '@ledger/domain/testing/fixtures';
import type { EventStore } from '@ledger/event-store';
import { EsdbEventStore } from '@ledger/event-store/esdb';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { LedgerReadSide, type JournalEntryView } from '@ledger/projections';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { LedgerSimulation } from './support/ledger-simulation';
import { orgMonth, ORG_ID } from './support/org-month';
import { OrgSimulation } from './support/org-simulation';

const ORG = ORG_ID;
const ALICE = 'alice';
const BOB = 'bob';
const NOVEMBER = T0; // 2026-11-03T10:00Z
const DECEMBER = Date.parse('2026-12-01T00:00:00.000Z');

const ORG2 = 'org-2';
const CAROL = 'carol';
const EXPIRES = NOVEMBER + 60 * MINUTE;

/**
 * A pool grant that expires while a reservation holds part of it: the release after the expiry
 * gives the held credits back to an expired grant, which the decider writes off in the same append.
 */
async function poolGrantExpiresWhileReserved(org: OrgSimulation): Promise<void> {
  const t = NOVEMBER + 45 * MINUTE;
  await org.ledger.run('OpenAccount', { accountId: CAROL, plan: 'plus' }, t);
  await org.run('OpenOrganization', { organizationId: ORG2, plan: 'pro', name: 'Brief Co' }, t + 1);
  await org.run(
    'GrantOrgCredits',
    {
      grantId: 'short-1',
      organizationId: ORG2,
      credits: '10',
      reason: 'trial',
      expiresAt: new Date(EXPIRES).toISOString(),
    },
    t + 2,
  );
  await org.addMember(ORG2, CAROL, undefined, t + 3);
  await org.run(
    'ReserveMemberSpend',
    {
      organizationId: ORG2,
      accountId: CAROL,
      usageId: 'c-1',
      holdId: `member-usage:${CAROL}:c-1`,
      product: 'codex',
      credits: '4',
      expiresAt: new Date(t + 4 + 10 * MINUTE).toISOString(),
    },
    t + 4,
  );
  await org.run(
    'ReleaseMemberSpend',
    { organizationId: ORG2, holdId: `member-usage:${CAROL}:c-1`, reason: 'task failed' },
    EXPIRES + MINUTE,
  );
}

interface Engine {
  readonly store: EventStore;
  close(): Promise<void>;
}

const ENGINES: Record<string, (dir: string) => Promise<Engine>> = {
  sqlite: async (dir) => {
    const store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    return { store, close: () => store.close() };
  },
  eventstoredb: async () => {
    const double: EsdbDouble = await startEsdbDouble();
    const store = new EsdbEventStore(double.connectionString);
    return {
      store,
      close: async () => {
        await store.close();
        await double.stop();
      },
    };
  },
};

describe.each(Object.keys(ENGINES))('organisations read model (%s)', (engineName) => {
  let dir: string;
  let engine: Engine;
  let readSide: LedgerReadSide;
  let org: OrgSimulation;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-org-read-'));
    engine = await ENGINES[engineName](dir);
    readSide = LedgerReadSide.open({ store: engine.store, databasePath: join(dir, 'read-models.sqlite') });
    readSide.start();
    org = new OrgSimulation(new LedgerSimulation(engine.store, rateCard));
    await orgMonth(org);
    await poolGrantExpiresWhileReserved(org);
    expect(await readSide.waitForPosition(org.ledger.lastPosition, 10_000)).toBe(true);
  });
  afterAll(async () => {
    await readSide.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // After every event above, still in November.
  const now = () => NOVEMBER + 2 * 60 * MINUTE;

  it('shows the pool, the limits, each member spent this month against its effective limit, and the requests', () => {
    const view = readSide.organizations.organization(ORG, now());
    expect(view).toMatchObject({
      organizationId: ORG,
      plan: 'pro',
      name: 'Acme',
      month: '2026-11',
      credits: { balance: '90', held: '5' },
      spendLimits: { default: '30', groups: { research: '12' }, members: {} },
      members: [
        {
          accountId: ALICE,
          group: 'research',
          spentThisMonth: '15',
          limit: '22',
          limitSource: 'member',
          remainingThisMonth: '7',
        },
        {
          accountId: BOB,
          group: null,
          spentThisMonth: '15',
          limit: '30',
          limitSource: 'default',
          remainingThisMonth: '15',
        },
      ],
    });
    expect(view?.credits.grants).toEqual([
      expect.objectContaining({
        grantId: 'org-p-1',
        kind: 'purchase',
        remaining: '90',
        held: '5',
        used: '5',
      }),
      expect.objectContaining({
        grantId: 'org-g-1',
        kind: 'promotional',
        remaining: '0',
        used: '20',
        status: 'exhausted',
      }),
    ]);
    expect(view?.creditRequests.map((r) => [r.requestId, r.status, r.override])).toEqual([
      ['r-1', 'approved', '22'],
      ['r-2', 'pending', null],
    ]);
    expect(readSide.organizations.organization('no-such-org', now())).toBeNull();
  });

  it('agrees with the decider folded from the log: spend and effective limit of every member', () => {
    const state = foldOrganization(org.eventsByOrganization.get(ORG) ?? []);
    const view = readSide.organizations.organization(ORG, now());
    for (const member of view?.members ?? []) {
      const limit = effectiveLimit(state, member.accountId, now());
      expect({
        spent: member.spentThisMonth,
        limit: member.limit,
        source: member.limitSource,
      }).toEqual({
        spent: formatCredits(memberSpentThisMonth(state, member.accountId, now())),
        limit: limit.limit === null ? null : formatCredits(limit.limit),
        source: limit.source,
      });
    }
  });

  it("renders a member's account from the read models exactly as the decider does: the organisation's plan, its id, its own credits", () => {
    for (const accountId of [ALICE, BOB]) {
      const folded = foldAccount(org.ledger.eventsByAccount.get(accountId) ?? []);
      const decided = accountView(folded, now(), { rateCard, resets: [] });
      expect(readSide.accounts.account(accountId, now(), rateCard)).toEqual(decided);
    }
    expect(readSide.accounts.account(ALICE, now(), rateCard)).toMatchObject({
      organizationId: ORG,
      plan: 'pro',
      credits: { balance: '50' },
    });
  });

  it("agrees with the decider's own organisation view at any time: pool, grants, members' spend and limits", () => {
    for (const [organizationId, at] of [
      [ORG, now()],
      [ORG, DECEMBER],
      [ORG2, EXPIRES - 1],
      [ORG2, EXPIRES + 2 * MINUTE],
    ] as const) {
      const decided = organizationView(
        foldOrganization(org.eventsByOrganization.get(organizationId) ?? []),
        at,
      );
      const read = readSide.organizations.organization(organizationId, at);
      const byId = <T extends { accountId: string }>(list: readonly T[]) =>
        [...list].sort((a, b) => a.accountId.localeCompare(b.accountId));
      expect({
        credits: {
          balance: read?.credits.balance,
          held: read?.credits.held,
          grants: read?.credits.grants.map(({ used: _used, ...g }) => g),
        },
        spendLimits: { default: read?.spendLimits.default, groups: read?.spendLimits.groups },
        members: byId(read?.members ?? []),
      }).toEqual({
        credits: decided?.credits,
        spendLimits: decided?.spendLimits,
        members: byId(decided?.members ?? []),
      });
    }
  });

  it('counts spend by the UTC month of the ledger clock: next month nothing is spent and the override is gone', () => {
    const view = readSide.organizations.organization(ORG, DECEMBER);
    expect(view?.month).toBe('2026-12');
    expect(view?.members.find((m) => m.accountId === ALICE)).toMatchObject({
      spentThisMonth: '0',
      limit: '12',
      limitSource: 'group',
    });
    // Bob's open reservation was made in November: it counts there, not in December.
    expect(view?.members.find((m) => m.accountId === BOB)?.spentThisMonth).toBe('0');
    expect(view?.creditRequests.map((r) => r.requestId)).toEqual(['r-2']);
  });

  it('lists the open reservation past its expiry for the sweeper, and nothing before', () => {
    expect(readSide.organizations.dueMemberReservations(NOVEMBER, 10)).toEqual([]);
    expect(readSide.organizations.dueMemberReservations(NOVEMBER + DAY_MS, 10)).toEqual([
      { organizationId: ORG, holdId: `member-usage:${BOB}:b-3`, accountId: BOB, usageId: 'b-3' },
    ]);
    expect(readSide.organizations.organizationOfMember(ALICE)).toBe(ORG);
  });

  it('journals pool money only from the organisation stream: balanced, the trial balance zero, nothing counted twice', () => {
    const trial = readSide.journals.trialBalance();
    expect(trial.total).toBe('0');
    expect(trial.ledgerAccounts).toMatchObject({
      [`organization:${ORG}:credits`]: '90',
      [`organization:${ORG}:held`]: '5',
      consumed: '25',
      [`customer:${ALICE}:credits`]: '50',
    });
    const orgJournal = readSide.journals.organizationJournal(ORG, { limit: 1000 });
    const items = orgJournal?.items ?? [];
    for (const entry of items) {
      expect(entry.organizationId).toBe(ORG);
      expect(sum(entry.postings.map((p) => p.amount))).toBe(0n);
    }
    // Starting and ending balances chain, and end at the pool's balance.
    let balance = 0n;
    for (const entry of items) {
      expect(micro(entry.startingBalance ?? '0')).toBe(balance);
      balance = micro(entry.endingBalance ?? '0');
    }
    expect(formatCredits(balance)).toBe('90');
    // A member's usage paid by the pool: an entry without postings; alice's own balance stays 50.
    const aliceUsage = (readSide.journals.journal(ALICE, { limit: 1000 })?.items ?? []).filter(
      (e: JournalEntryView) => e.type === 'UsageRecorded',
    );
    expect(aliceUsage.map((e) => [e.commandId, e.postings.length, e.endingBalance])).toEqual([
      ['a-1', 0, '50'],
      ['a-3', 0, '50'],
    ]);
    expect(readSide.accounts.grantBalances(ALICE, now())).toEqual([
      expect.objectContaining({ grantId: 'alice-own', used: '0', remaining: '50' }),
    ]);
  });

  it("keeps the organisation's timeline with its state after each event, and shows members the pool charges they caused", async () => {
    const page = await readSide.organizationTimelines.timeline(ORG, { limit: 1000 });
    const events = org.eventsByOrganization.get(ORG) ?? [];
    expect(page?.items.map((i) => i.type)).toEqual(events.map((e) => e.type));
    expect(page?.items.at(-1)?.stateAfter).toMatchObject({
      plan: 'pro',
      balance: '90',
      held: '5',
      openReservations: 1,
      pendingRequests: ['r-2'],
    });
    const alice = await readSide.timelines.timeline(ALICE, { limit: 1000 }, rateCard);
    const pool = (alice?.items ?? []).filter((i) => i.organizationId === ORG).map((i) => i.type);
    expect(pool).toEqual(
      expect.arrayContaining([
        'MemberSpendReserved',
        'MemberSpendSettled',
        'MemberSpendRejected',
        'CreditRequestApproved',
      ]),
    );
    expect(pool).toHaveLength(
      events.filter((e) => (e.data as { accountId?: string }).accountId === ALICE).length,
    );
    const settled = alice?.items.find((i) => i.type === 'MemberSpendSettled');
    expect(settled?.data).toMatchObject({ usageId: 'a-1', credits: '10' });
    expect(settled?.stateAfter).toMatchObject({ organizationId: ORG, plan: 'pro', balance: '50' });
    // Paged one item at a time, the member's timeline is the same.
    const oneByOne = [];
    let cursor: string | undefined;
    do {
      const next = await readSide.timelines.timeline(ALICE, { limit: 1, cursor }, rateCard);
      oneByOne.push(...(next?.items ?? []));
      cursor = next?.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(oneByOne).toEqual(alice?.items);
  });

  it('verifies clean, rebuilds to the same rows, and verify catches a tampered row', async () => {
    const before = readSide.organizations.organization(ORG, now());
    expect(await readSide.verify()).toMatchObject({ ok: true, mismatches: [] });
    await readSide.rebuild(['organizations', 'journal', 'timeline']);
    expect(await readSide.waitForPosition(org.ledger.lastPosition, 10_000)).toBe(true);
    expect(readSide.organizations.organization(ORG, now())).toEqual(before);
    expect(await readSide.verify()).toMatchObject({ ok: true, mismatches: [] });
    readSide.db.exec(`UPDATE org_member_spend SET settled = settled + 1 WHERE account_id = '${BOB}'`);
    const report = await readSide.verify();
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([
      expect.objectContaining({ projection: 'organizations', table: 'org_member_spend' }),
    ]);
  });

  it('writes off a pool grant that expired while reserved, and the credits released to it after', async () => {
    const types = (org.eventsByOrganization.get(ORG2) ?? []).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['OrgCreditsExpired', 'MemberSpendReleased', 'OrgCreditsExpired']);
    const view = readSide.organizations.organization(ORG2, EXPIRES + 2 * MINUTE);
    expect(view?.credits).toMatchObject({ balance: '0', held: '0' });
    expect(view?.credits.grants).toEqual([
      expect.objectContaining({ grantId: 'short-1', remaining: '0', held: '0', status: 'expired' }),
    ]);
    expect(view?.members).toEqual([expect.objectContaining({ accountId: CAROL, spentThisMonth: '0' })]);
    const row = readSide.db
      .prepare(`SELECT used, expired, held, remaining FROM org_grants WHERE organization_id = ?`)
      .get(ORG2);
    expect(row).toEqual({ used: 0, expired: 10_000_000, held: 0, remaining: 0 });
    const trial = readSide.journals.trialBalance();
    expect(trial.ledgerAccounts).toMatchObject({
      [`organization:${ORG2}:credits`]: '0',
      [`organization:${ORG2}:held`]: '0',
    });
    expect(readSide.organizations.organizationsWithExpiredCredits(EXPIRES + 2 * MINUTE, 10)).toEqual([]);
    const timeline = await readSide.organizationTimelines.timeline(ORG2, {});
    expect(timeline?.items.at(-1)?.stateAfter).toMatchObject({
      balance: '0',
      held: '0',
      openReservations: 0,
    });
    const carol = await readSide.timelines.timeline(CAROL, {}, rateCard);
    expect(carol?.items.filter((i) => i.organizationId === ORG2).map((i) => i.type)).toEqual([
      'MemberAdded',
      'MemberSpendReserved',
      'MemberSpendReleased',
    ]);
  });

  it('names an organisation whose pool holds credits past their expiry, for the expiry scheduler', () => {
    expect(readSide.organizations.organizationsWithExpiredCredits(NOVEMBER, 10)).toEqual([]);
    // org-1's purchase expires after the rate card's 30 days; nothing wrote it off yet.
    expect(readSide.organizations.organizationsWithExpiredCredits(DECEMBER + 30 * DAY_MS, 10)).toEqual([ORG]);
  });

  it('reads the organisation stream the projection followed', async () => {
    const events = await engine.store.readStream(organizationStreamName(ORG));
    expect(events.map((e) => e.type)).toEqual(
      (org.eventsByOrganization.get(ORG) ?? []).map((e: OrganizationEvent) => e.type),
    );
  });
});

const DAY_MS = 86_400_000;

function micro(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return negative ? -value : value;
}

function sum(amounts: readonly string[]): bigint {
  return amounts.reduce((s, a) => s + micro(a), 0n);
}
