import { organizationStreamName } from '@ledger/domain';
import { rateCard } from '@ledger/domain/testing/fixtures';
import { StreamQuarantinedError } from '@ledger/projections';
import { randomUUID } from 'node:crypto';
import { readSideFixture, type ReadSideFixture } from './support/read-side-fixture';
import { orgMonth, ORG_ID } from './support/org-month';
import { OrgSimulation } from './support/org-simulation';

/**
 * An organisation event the read side cannot apply (written straight to the log: a settlement of a
 * reservation that is not open, on a grant the pool never had) quarantines the organisation's
 * stream: its view, its timeline and its members' timelines (which carry its rows) answer
 * StreamQuarantinedError (503) instead of a stale answer, other accounts keep answering, and verify
 * is not ok.
 */
describe('an organisation stream the read side cannot apply', () => {
  let f: ReadSideFixture;

  beforeAll(async () => {
    f = readSideFixture();
    await orgMonth(new OrgSimulation(f.ledger));
    await f.ledger.run(
      'OpenAccount',
      { accountId: 'loner', plan: 'plus' },
      Date.parse('2026-11-03T12:00:00Z'),
    );
    const stream = organizationStreamName(ORG_ID);
    const events = await f.store.readStream(stream);
    const settled = events.find((e) => e.type === 'MemberSpendSettled');
    if (settled === undefined) throw new Error('no settlement to copy');
    const poison = {
      ...(settled.data as Record<string, unknown>),
      holdId: 'member-usage:alice:never-reserved',
      allocations: [{ grantId: 'no-such-grant', credits: '1' }],
    };
    const appended = await f.store.appendToStream(
      stream,
      [{ id: randomUUID(), type: 'MemberSpendSettled', data: poison, metadata: settled.metadata }],
      { expectedRevision: events[events.length - 1].revision },
    );
    expect(await f.readSide.waitForPosition(appended.position, 10_000)).toBe(true);
  });
  afterAll(() => f.close());

  it('answers StreamQuarantinedError for the organisation, its timeline and its members’ timelines', async () => {
    expect(() => f.readSide.organizations.organization(ORG_ID, Date.parse('2026-11-03T12:00:00Z'))).toThrow(
      StreamQuarantinedError,
    );
    await expect(f.readSide.organizationTimelines.timeline(ORG_ID, {})).rejects.toThrow(
      StreamQuarantinedError,
    );
    await expect(f.readSide.timelines.timeline('alice', {}, rateCard)).rejects.toThrow(
      StreamQuarantinedError,
    );
    // An account outside the organisation is not held back.
    const loner = await f.readSide.timelines.timeline('loner', {}, rateCard);
    expect(loner?.items.map((i) => i.type)).toEqual(['AccountOpened']);
  });

  it('is not verified while quarantined', async () => {
    const report = await f.readSide.verify();
    expect(report.ok).toBe(false);
    expect(report.quarantined?.map((q) => [q.projection, q.stream])).toEqual(
      expect.arrayContaining([
        ['organizations', organizationStreamName(ORG_ID)],
        ['timeline', organizationStreamName(ORG_ID)],
      ]),
    );
  });
});
