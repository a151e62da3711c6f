import { rateCard } from '@ledger/domain/testing/fixtures';
import type { EventStore } from '@ledger/event-store';
import { EsdbEventStore } from '@ledger/event-store/esdb';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../support/ledger-app';
import { LedgerSimulation } from './support/ledger-simulation';
import { orgMonth } from './support/org-month';
import { OrgSimulation } from './support/org-simulation';

/**
 * The organisations' GET routes (API.md "Organisations") through the real HTTP server, on a log the
 * real deciders wrote (org-month.ts) before the server started, on both engines: the view, the
 * journal and the timeline, their roles, `?minPosition=`, 404 and 400.
 */
describe.each(ENGINES)('GET /v1/organizations/{orgId} (%s)', (engine) => {
  let dataDir: string;
  let double: EsdbDouble | undefined;
  let server: TestLedger;
  let head: bigint;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-org-views-'));
    let store: EventStore;
    if (engine === 'eventstoredb') {
      double = await startEsdbDouble();
      store = new EsdbEventStore(double.connectionString);
    } else {
      store = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
    }
    const sim = new LedgerSimulation(store, rateCard);
    try {
      await orgMonth(new OrgSimulation(sim));
      head = sim.lastPosition;
    } finally {
      await store.close();
    }
    server = await startTestLedger(
      double === undefined ? {} : { EVENTSTORE_CONNECTION_STRING: double.connectionString },
      { dataDir, engine, double },
    );
  });
  afterAll(async () => {
    await server.close();
    removeDir(dataDir);
  });

  it('answers the organisation view to every role once the read models reached the position', async () => {
    for (const role of ['service', 'admin', 'finance', 'support'] as const) {
      const res = await server.as(role).get(`/v1/organizations/org-1?minPosition=${head}`).expect(200);
      expect(res.body).toMatchObject({
        organizationId: 'org-1',
        plan: 'pro',
        name: 'Acme',
        credits: { balance: '90', held: '5' },
        spendLimits: { default: '30', groups: { research: '12' } },
      });
    }
    const res = await server.as('support').get(`/v1/organizations/org-1?minPosition=${head}`).expect(200);
    // The simulated clock continues from the log's time: still November 2026.
    expect(res.body.month).toBe('2026-11');
    expect(res.body.members).toEqual([
      expect.objectContaining({
        accountId: 'alice',
        spentThisMonth: '15',
        limit: '22',
        limitSource: 'member',
      }),
      expect.objectContaining({
        accountId: 'bob',
        spentThisMonth: '15',
        limit: '30',
        limitSource: 'default',
      }),
    ]);
  });

  it('pages the journal and the timeline for finance and support, and refuses the service role', async () => {
    const journal = await server
      .as('finance')
      .get(`/v1/organizations/org-1/journal?minPosition=${head}&limit=3`)
      .expect(200);
    expect(journal.body.items).toHaveLength(3);
    expect(journal.body.items[0]).toMatchObject({ type: 'OrganizationOpened', organizationId: 'org-1' });
    expect(journal.body.nextCursor).toBe(journal.body.items[2].position);
    const next = await server
      .as('support')
      .get(`/v1/organizations/org-1/journal?cursor=${journal.body.nextCursor}&limit=1000`)
      .expect(200);
    expect(next.body.items[0].position > journal.body.items[2].position).toBe(true);
    const timeline = await server.as('support').get('/v1/organizations/org-1/timeline').expect(200);
    expect(timeline.body.items.at(-1).stateAfter).toMatchObject({ balance: '90', held: '5' });
    await server.as('service').get('/v1/organizations/org-1/journal').expect(403);
    await server.as('service').get('/v1/organizations/org-1/timeline').expect(403);
  });

  it("shows a member's organizationId on GET /v1/accounts/{id}", async () => {
    const alice = await server.as('support').get('/v1/accounts/alice').expect(200);
    expect(alice.body.organizationId).toBe('org-1');
    expect(alice.body.plan).toBe('pro');
  });

  it('answers 404 for an unknown organisation and 400 for a bad id or cursor', async () => {
    await server.as('support').get('/v1/organizations/nobody').expect(404);
    await server.as('finance').get('/v1/organizations/nobody/journal').expect(404);
    await server.as('support').get('/v1/organizations/bad%20id').expect(400);
    const bad = await server.as('finance').get('/v1/organizations/org-1/journal?cursor=x').expect(400);
    expect(JSON.stringify(bad.body)).toContain('cursor');
  });
});
