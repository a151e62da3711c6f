import type { AccountCommand, RecordUsage } from '../account/commands';
import { accountDecider } from '../account/decide';
import type { Decision } from '../account/decision';
import type { AccountEvent, UsageRecorded } from '../account/events';
import { foldAccount, type AccountState } from '../account/state';
import { context } from '../testing/fixtures';
import {
  MAX_MEMBER_USAGE_ATTEMPTS,
  memberPoolOf,
  memberReservationOf,
  memberSettlementOf,
  memberUsageNeed,
} from '../membership/member-usage-need';
import type { OrganizationCommand } from './commands';
import { organizationDecider } from './decide';
import type { OrganizationDecision } from './decision';
import type { MemberSpendRejected, MemberSpendReserved, OrganizationEvent } from './events';
import {
  evolveOrganization,
  initialOrganizationState,
  memberReservationsDue,
  type OrganizationState,
} from './state';

/**
 * Test-only: a minimal shell over the two pure deciders — the member-usage workflow exactly as the
 * HTTP shell must drive it (membership/RULES.md "The shell's steps"), with crash points, and the
 * sweeper. Logs are arrays; every decision is taken on the fold of the log, as the shell would.
 */
export type CrashPoint = 'none' | 'afterReserve' | 'afterRecord';

export class MemberUsageWorld {
  readonly accounts = new Map<string, AccountEvent[]>();
  readonly org: OrganizationEvent[] = [];
  orgState: OrganizationState = initialOrganizationState();
  /** Every org event as appended, with the org state just before it (for the reference checks). */
  readonly appended: { event: OrganizationEvent; before: OrganizationState }[] = [];

  constructor(public now: number) {}

  meta(type: string, data: object) {
    return { now: this.now, fingerprint: `fp:${type}:${JSON.stringify(data)}`, actor: 'sim' };
  }

  accountState(accountId: string): AccountState {
    return foldAccount(this.accounts.get(accountId) ?? []);
  }

  account(
    accountId: string,
    type: AccountCommand['type'],
    data: object,
    pool?: RecordUsage['pool'],
  ): Decision {
    const log = this.accounts.get(accountId) ?? [];
    const command = {
      type,
      data,
      metadata: this.meta(type, data),
      ...(pool ? { pool } : {}),
    } as AccountCommand;
    const decision = accountDecider.decide(command, foldAccount(log), context);
    if (decision.kind === 'events') this.accounts.set(accountId, [...log, ...decision.events]);
    return decision;
  }

  organization(type: OrganizationCommand['type'], data: object): OrganizationDecision {
    const command = { type, data, metadata: this.meta(type, data) } as OrganizationCommand;
    const decision = organizationDecider.decide(command, this.orgState, { rateCard: context.rateCard });
    if (decision.kind === 'events') {
      for (const event of decision.events) {
        this.appended.push({ event, before: this.orgState });
        this.org.push(event);
        this.orgState = evolveOrganization(this.orgState, event);
      }
    }
    return decision;
  }

  /** The event a decision appended first, or the one a replay points at. */
  private orgEventOf(decision: OrganizationDecision): OrganizationEvent | null {
    if (decision.kind === 'events')
      return decision.events.find((e) => e.type.startsWith('MemberSpend')) ?? null;
    if (decision.kind === 'replay') return this.org[decision.revision];
    return null;
  }

  /** One usage request of a member, as the shell serves it; `crash` stops the shell between steps. */
  usage(accountId: string, usageId: string, quantity: number, crash: CrashPoint): void {
    const data = { usageId, accountId, product: 'codex', operation: 'local_message', quantity };
    for (let attempt = 1; attempt <= MAX_MEMBER_USAGE_ATTEMPTS; attempt += 1) {
      const command: RecordUsage = { type: 'RecordUsage', data, metadata: this.meta('RecordUsage', data) };
      const need = memberUsageNeed(command, this.accountState(accountId), context);
      if (need === null) {
        const decision = this.account(accountId, 'RecordUsage', data);
        // A retry of a usage the pool paid: settle its reservation if it is still open.
        const log = this.accounts.get(accountId) ?? [];
        const recorded =
          decision.kind === 'replay'
            ? log[decision.revision]
            : decision.kind === 'events'
              ? decision.events.at(-1)
              : undefined;
        if (recorded?.type === 'UsageRecorded') this.settleFor(recorded);
        return;
      }
      const reservation = memberReservationOf(need, attempt, this.now);
      const reserved = this.organization('ReserveMemberSpend', reservation);
      if (reserved.kind === 'error') {
        if (reserved.error.code === 'conflict' && reserved.error.reason === 'pool_reservation_closed')
          continue;
        return; // not a member of the organisation: a 409 to the caller
      }
      const event = this.orgEventOf(reserved) as MemberSpendReserved | MemberSpendRejected;
      if (crash === 'afterReserve') return;
      const decision = this.account(accountId, 'RecordUsage', data, memberPoolOf(event));
      if (decision.kind === 'error') {
        if (event.type === 'MemberSpendReserved') {
          this.organization('ReleaseMemberSpend', {
            organizationId: reservation.organizationId,
            holdId: reservation.holdId,
            reason: decision.error.code,
          });
        }
        if (decision.error.code === 'conflict' && decision.error.reason !== undefined) continue;
        return;
      }
      if (crash === 'afterRecord') return;
      if (decision.kind === 'events') {
        const recorded = decision.events.at(-1);
        if (recorded?.type === 'UsageRecorded') this.settleFor(recorded);
      }
      return;
    }
  }

  private settleFor(recorded: UsageRecorded): void {
    const settlement = memberSettlementOf(recorded);
    if (settlement === null) return;
    if (!this.orgState.reservations.has(settlement.holdId)) return; // settled already (or a replay)
    const d = this.organization('SettleMemberSpend', settlement);
    if (d.kind === 'error') throw new Error(`settle refused: ${JSON.stringify(d)}`);
  }

  /** The repair: every reservation past expiresAt is settled (usage found) or lapsed then expired. */
  sweep(): void {
    for (const r of memberReservationsDue(this.orgState, this.now)) {
      const log = this.accounts.get(r.accountId) ?? [];
      const used = log.find(
        (e): e is UsageRecorded => e.type === 'UsageRecorded' && e.data.paidBy?.holdId === r.holdId,
      );
      if (used !== undefined) {
        this.settleFor(used);
        continue;
      }
      const organizationId = this.orgState.organizationId as string;
      const lapse = this.account(r.accountId, 'LapsePoolReservation', {
        accountId: r.accountId,
        organizationId,
        usageId: r.usageId,
        holdId: r.holdId,
      });
      if (lapse.kind === 'error') throw new Error(`lapse refused: ${JSON.stringify(lapse)}`);
      const expired = this.organization('ExpireMemberSpend', { organizationId, holdId: r.holdId });
      if (expired.kind === 'error') throw new Error(`expiry refused: ${JSON.stringify(expired)}`);
    }
  }
}
