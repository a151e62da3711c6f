import {
  accountStreamName,
  decide,
  decideOrganization,
  evolve,
  evolveOrganization,
  initialOrganizationState,
  initialState,
  memberPoolOf,
  organizationStreamName,
  type AccountEvent,
  type MemberPool,
  type OrganizationCommand,
  type OrganizationEvent,
  type OrganizationState,
} from '@ledger/domain';
import { randomUUID } from 'node:crypto';
import type { LedgerSimulation } from './ledger-simulation';

type OrgDataOf<T extends OrganizationCommand['type']> = Extract<OrganizationCommand, { type: T }>['data'];

/**
 * Drives the real organisation decider against the same event store as a LedgerSimulation (which
 * keeps the accounts), and the member usage steps the shell runs (org-design.md): reserve on the
 * pool, record the usage on the member's stream with the pool attached, settle. Keeps each
 * organisation's events, so tests can fold the log themselves.
 */
export class OrgSimulation {
  readonly states = new Map<string, OrganizationState>();
  readonly eventsByOrganization = new Map<string, OrganizationEvent[]>();

  constructor(readonly ledger: LedgerSimulation) {}

  /** Decides and appends; returns the events appended ([] for a replay); throws on a domain error. */
  async run<T extends OrganizationCommand['type']>(
    type: T,
    data: OrgDataOf<T>,
    now: number,
  ): Promise<OrganizationEvent[]> {
    const command = {
      type,
      data,
      metadata: { now, fingerprint: `fp:${JSON.stringify(data)}`, actor: 'tester' },
    } as OrganizationCommand;
    const organizationId = data.organizationId;
    const state = this.states.get(organizationId) ?? initialOrganizationState();
    const decision = decideOrganization(command, state, { rateCard: this.ledger.rateCard });
    if (decision.kind === 'error') throw new Error(`${type}: ${JSON.stringify(decision.error)}`);
    if (decision.kind !== 'events' || decision.events.length === 0) return [];
    const result = await this.ledger.store.appendToStream(
      organizationStreamName(organizationId),
      decision.events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data })),
      { expectedRevision: state.version === 0 ? 'no_stream' : BigInt(state.version - 1) },
    );
    this.ledger.lastPosition = result.position;
    this.states.set(organizationId, decision.events.reduce(evolveOrganization, state));
    this.eventsByOrganization.set(organizationId, [
      ...(this.eventsByOrganization.get(organizationId) ?? []),
      ...decision.events,
    ]);
    return [...decision.events];
  }

  /** AddMember on the pool's stream, then JoinOrganization on the member's (the shell's two steps). */
  async addMember(organizationId: string, accountId: string, group: string | undefined, now: number) {
    await this.run(
      'AddMember',
      { organizationId, accountId, ...(group === undefined ? {} : { group }) },
      now,
    );
    const plan = this.states.get(organizationId)?.plan ?? '';
    await this.ledger.run(
      'JoinOrganization',
      { accountId, organizationId, plan, ...(group === undefined ? {} : { group }) },
      now,
    );
  }

  /**
   * A member's usage whose overage the pool pays: reserve `credits` on the pool, record the usage
   * with the reservation attached, then settle what the usage charged. `settle: false` leaves the
   * reservation open (a crash between the steps). Returns the reservation's events.
   */
  async memberUsage(
    organizationId: string,
    accountId: string,
    usage: { usageId: string; operation: string; quantity: number; credits: string },
    now: number,
    settle = true,
  ): Promise<{ readonly reserved: OrganizationEvent; readonly usage?: AccountEvent }> {
    const holdId = `member-usage:${accountId}:${usage.usageId}`;
    const [reserved] = await this.run(
      'ReserveMemberSpend',
      {
        organizationId,
        accountId,
        usageId: usage.usageId,
        holdId,
        product: 'codex',
        credits: usage.credits,
        expiresAt: new Date(now + 600_000).toISOString(),
      },
      now,
    );
    if (reserved.type !== 'MemberSpendReserved' && reserved.type !== 'MemberSpendRejected')
      return { reserved };
    // What the shell attaches to the member's RecordUsage; a refusal is recorded there too (UsageRejected).
    const pool: MemberPool = memberPoolOf(reserved);
    if (reserved.type === 'MemberSpendRejected') {
      const [rejected] = await this.recordWithPool(accountId, usage, pool, now + 1);
      return { reserved, usage: rejected };
    }
    const [recorded] = await this.recordWithPool(accountId, usage, pool, now + 1);
    if (settle && recorded?.type === 'UsageRecorded')
      await this.run(
        'SettleMemberSpend',
        { organizationId, holdId, usageId: usage.usageId, credits: recorded.data.creditsCharged },
        now + 2,
      );
    return { reserved, usage: recorded };
  }

  private async recordWithPool(
    accountId: string,
    usage: { usageId: string; operation: string; quantity: number },
    pool: MemberPool,
    now: number,
  ): Promise<AccountEvent[]> {
    const sim = this.ledger;
    const data = {
      usageId: usage.usageId,
      accountId,
      product: 'codex',
      operation: usage.operation,
      quantity: usage.quantity,
    };
    const command = {
      type: 'RecordUsage' as const,
      data,
      pool,
      metadata: { now, fingerprint: `fp:${JSON.stringify(data)}`, actor: 'tester' },
    };
    const state = sim.states.get(accountId) ?? initialState();
    const decision = decide(command, state, {
      rateCard: sim.rateCard,
      resets: sim.resets,
      usageEventOf: (usageId) => sim.usageEventOf(accountId, usageId),
    });
    if (decision.kind !== 'events') throw new Error(`RecordUsage: ${JSON.stringify(decision)}`);
    const result = await sim.store.appendToStream(
      accountStreamName(accountId),
      decision.events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data })),
      { expectedRevision: BigInt(state.version - 1) },
    );
    sim.lastPosition = result.position;
    sim.states.set(accountId, decision.events.reduce(evolve, state));
    sim.eventsByAccount.set(accountId, [...(sim.eventsByAccount.get(accountId) ?? []), ...decision.events]);
    return [...decision.events];
  }
}
