import { HttpException, type INestApplicationContext } from '@nestjs/common';
import {
  accountStreamName,
  organizationStreamName,
  type OrganizationEvent,
  type RateCard,
} from '@ledger/domain';
import { readStreamIfExists, type EventStore, type SnapshotStore } from '@ledger/event-store';
import { SNAPSHOT_STORE } from '../../../apps/ledger/src/store/store.tokens';
import { CLOCK, type Clock } from '../../../apps/ledger/src/clock/clock';
import type { AccountCommandsService } from '../../../apps/ledger/src/core/account-commands.service';
import type { CommandOutcome } from '../../../apps/ledger/src/core/command-outcome';
import { RATE_CARD } from '../../../apps/ledger/src/core/tokens';
import { LedgerMetrics } from '../../../apps/ledger/src/metrics/ledger-metrics';
import { MemberUsageService } from '../../../apps/ledger/src/organizations/member-usage.service';
import { MembershipService } from '../../../apps/ledger/src/organizations/membership.service';
import {
  OrganizationCommandsService,
  type OrganizationCommandInput,
} from '../../../apps/ledger/src/organizations/organization-commands.service';
import { orgBooksOf, type LoggedEvent } from '../support/org-load';
import { decimal } from './model-money';
import type { ReferenceOrgs } from './model-orgs';
import type { Outcome, SimOp, Summary } from './sim-types';

/**
 * The organisations side of the simulated ledger (SPEC §7): the shell's own services — the
 * organisation stream's command service, membership across the two streams, and a member's usage
 * through the pool (reserve → usage → settle) — built on the core context's store, clock and rate
 * card, as OrganizationsModule builds them for the HTTP server.
 */
export class SimulatedOrgs {
  readonly organizations: OrganizationCommandsService;
  readonly membership: MembershipService;
  readonly memberUsage: MemberUsageService;

  constructor(
    context: INestApplicationContext,
    accounts: AccountCommandsService,
    private readonly store: EventStore,
  ) {
    const clock = context.get<Clock>(CLOCK);
    this.organizations = new OrganizationCommandsService(
      store,
      context.get<SnapshotStore>(SNAPSHOT_STORE),
      clock,
      context.get<RateCard>(RATE_CARD),
      context.get(LedgerMetrics),
    );
    this.membership = new MembershipService(accounts, this.organizations);
    this.memberUsage = new MemberUsageService(accounts, this.organizations, clock);
  }

  async run(op: Extract<SimOp, { kind: 'org' }>): Promise<Outcome> {
    const data = op.data as Record<string, unknown>;
    const organizationId = data.organizationId as string;
    if (op.type !== 'AddMember' && op.type !== 'RemoveMember') {
      const input = { type: op.type, data } as OrganizationCommandInput;
      return observedOrg(await this.organizations.execute(input, 'sim'));
    }
    // Membership spans two streams (MembershipService): what it came to is what the organisation's stream
    // gained, so membership commands run one at a time (two copies sent at once follow each other).
    const type = op.type;
    const turn = this.membershipTurn.then(() => this.membershipCommand(type, organizationId, data));
    this.membershipTurn = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private membershipTurn: Promise<void> = Promise.resolve();

  private async membershipCommand(
    type: 'AddMember' | 'RemoveMember',
    organizationId: string,
    data: Record<string, unknown>,
  ): Promise<Outcome> {
    const before = (await this.orgEvents(organizationId)).length;
    try {
      if (type === 'AddMember') {
        const group = (data.group as string | undefined) ?? null;
        await this.membership.add(organizationId, data.accountId as string, group, 'sim');
      } else await this.membership.remove(organizationId, data.accountId as string, 'sim');
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      const status = error.getStatus();
      return { kind: 'error', code: status === 404 ? 'not_found' : status === 409 ? 'conflict' : 'invalid' };
    }
    const added = (await this.orgEvents(organizationId)).slice(before);
    return added.length === 0 ? { kind: 'unchanged' } : { kind: 'appended', events: added.map(orgSummaryOf) };
  }

  private async orgEvents(organizationId: string): Promise<OrganizationEvent[]> {
    const events = await readStreamIfExists(this.store, organizationStreamName(organizationId));
    return (events ?? []).map(({ type, data }) => ({ type, data }) as OrganizationEvent);
  }

  /**
   * Every organisation's books from the log (support/org-load.ts: pool never negative, no limit
   * passed, members' spend = pool consumed, nothing left open) and against the model: per grant
   * remaining, open reservations (none: the simulation never cuts a usage in two), each member's
   * spend this month.
   */
  async checkBooks(model: ReferenceOrgs, now: number): Promise<string[]> {
    const problems: string[] = [];
    const month = new Date(now).toISOString().slice(0, 7);
    for (const [organizationId, modelOrg] of model.orgs) {
      const events: LoggedEvent[] = (await this.orgEvents(organizationId)).map((e) => ({
        stream: organizationStreamName(organizationId),
        type: e.type,
        data: e.data as unknown as Record<string, unknown>,
      }));
      const members = new Set(
        events.filter((e) => e.type === 'MemberAdded').map((e) => e.data.accountId as string),
      );
      for (const accountId of members) {
        const stream = accountStreamName(accountId);
        for (const e of (await readStreamIfExists(this.store, stream)) ?? [])
          events.push({ stream, type: e.type, data: e.data as Record<string, unknown> });
      }
      const books = orgBooksOf(events, organizationId, now);
      problems.push(...books.problems.map((p) => `${organizationId}: ${p}`));
      const open = [...books.reservations.entries()].filter(([, r]) => r.status === 'open');
      if (open.length > 0)
        problems.push(`${organizationId}: reservations left open: ${open.map(([id]) => id).join(', ')}`);
      const state = (await this.organizations.load(organizationId)).state;
      for (const g of modelOrg.grants) {
        const theirs = state.grants.find((x) => x.grantId === g.id);
        if (theirs === undefined || theirs.remaining !== g.remaining)
          problems.push(
            `${organizationId} pool grant "${g.id}": model remaining ${decimal(g.remaining)}, ledger ${theirs === undefined ? 'missing' : decimal(theirs.remaining)}`,
          );
      }
      if (state.grants.length !== modelOrg.grants.length)
        problems.push(
          `${organizationId}: model has ${modelOrg.grants.length} pool grants, ledger ${state.grants.length}`,
        );
      for (const [monthKey, spent] of modelOrg.spent) {
        if (!monthKey.endsWith(`@${month}`)) continue;
        const theirs = books.spent.get(monthKey) ?? 0n;
        if (theirs !== spent)
          problems.push(
            `${organizationId} ${monthKey}: model spent ${decimal(spent)}, the log ${decimal(theirs)}`,
          );
      }
    }
    return problems;
  }
}

function observedOrg(outcome: CommandOutcome<OrganizationEvent>): Outcome {
  switch (outcome.kind) {
    case 'error':
      return { kind: 'error', code: outcome.error.code };
    case 'unchanged':
      return { kind: 'unchanged' };
    case 'replayed':
      return { kind: 'replayed', event: orgSummaryOf(outcome.events[outcome.events.length - 1].event) };
    case 'appended':
      return { kind: 'appended', events: outcome.events.map((e) => orgSummaryOf(e.event)) };
  }
}

/** The facts of an organisation event that the reference model predicts, in the model's shape. */
export function orgSummaryOf(event: OrganizationEvent): Summary {
  switch (event.type) {
    case 'OrganizationOpened':
      return { type: event.type, plan: event.data.plan, name: event.data.name };
    case 'MemberAdded':
    case 'MemberGroupChanged':
      return { type: event.type, accountId: event.data.accountId, group: event.data.group };
    case 'MemberRemoved':
      return { type: event.type, accountId: event.data.accountId };
    case 'OrgCreditsPurchased':
    case 'OrgCreditsGranted': {
      const d = event.data;
      return {
        type: event.type,
        id: event.type === 'OrgCreditsPurchased' ? event.data.purchaseId : event.data.grantId,
        credits: d.credits,
        expiresAt: d.expiresAt,
        products: d.products,
        priority: d.priority,
      };
    }
    case 'OrgCreditsExpired':
      return { type: event.type, grantId: event.data.grantId, credits: event.data.credits };
    case 'SpendLimitSet':
      return {
        type: event.type,
        level: event.data.level,
        key: event.data.key,
        creditsPerMonth: event.data.creditsPerMonth,
      };
    case 'CreditsRequested':
      return {
        type: event.type,
        requestId: event.data.requestId,
        accountId: event.data.accountId,
        credits: event.data.credits,
      };
    case 'CreditRequestApproved':
      return {
        type: event.type,
        requestId: event.data.requestId,
        accountId: event.data.accountId,
        month: event.data.month,
        limitBefore: event.data.limitBefore,
        override: event.data.override,
      };
    case 'CreditRequestDeclined':
      return { type: event.type, requestId: event.data.requestId };
    case 'MemberSpendReserved':
    case 'MemberSpendRejected':
    case 'MemberSpendSettled':
    case 'MemberSpendReleased':
    case 'MemberSpendExpired':
    case 'AlertsSet':
    case 'AutoTopUpSet':
    case 'TopUpRequested':
    case 'TopUpFailed':
    case 'AutoTopUpDisabled':
      // A member's usage answers with its account event; the pool's side is checked in checkBooks.
      // The simulation sets no pool alerts or auto top-up.
      throw new Error(`an organisation command of the simulation answered with ${event.type}`);
  }
}
