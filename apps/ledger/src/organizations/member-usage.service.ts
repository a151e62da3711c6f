import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  isoOf,
  MAX_MEMBER_USAGE_ATTEMPTS,
  MEMBER_RESERVATION_TTL_MS,
  memberPoolOf,
  memberUsageHoldId,
  type AccountEvent,
  type DomainError,
  type MemberPool,
  type MemberSpendRejected,
  type MemberSpendReserved,
  type RecordUsageData,
  type UsageRecorded,
} from '@ledger/domain';
import { TooManyConflictsError } from '@ledger/event-store';
import { CLOCK, type Clock } from '../clock/clock';
import { AccountCommandsService, type AccountCommandInput } from '../core/account-commands.service';
import type { CommandOutcome } from '../core/command-outcome';
import { lastEvent } from '../http/command-response';
import { OrganizationCommandsService } from './organization-commands.service';

type UsageOutcome = CommandOutcome<AccountEvent>;

/**
 * A member's usage (SPEC §7): its overage is paid from the organisation's pool, as a hold on the
 * pool's stream settled by the member's usage event.
 *
 *   1. RecordUsage as for anyone. A non-member, a member whose windows cover the usage, and every
 *      retry of a usage already recorded are answered right there (no pool involved, no extra read).
 *   2. The account decider refused it (`pool_reservation_short`) because it needs pool credits,
 *      and said how many. ReserveMemberSpend on the pool (holdId `memberUsageHoldId`, expiresAt
 *      now + 10 min). A pool rejection (limit, credits) is recorded on the account as UsageRejected
 *      with its reason, so a retry answers the same 402.
 *   3. RecordUsage with the reservation attached: UsageRecorded names the pool's grants and the
 *      hold. If the account now needs more than reserved (another usage of the member landed in
 *      between) the reservation is released and the next attempt reserves again (bounded).
 *   4. SettleMemberSpend. If this process dies before it, the sweeper settles (the usage is on the
 *      member stream) or expires (it is not: PoolReservationLapsed first, so it never can be) the
 *      reservation once it is past expiresAt; an idempotent retry of the usage settles it sooner.
 */
@Injectable()
export class MemberUsageService {
  private readonly logger = new Logger('MemberUsage');

  constructor(
    private readonly accounts: AccountCommandsService,
    private readonly organizations: OrganizationCommandsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(usage: RecordUsageData, actor: string): Promise<UsageOutcome> {
    let outcome = await this.usage(usage, undefined, actor);
    for (let attempt = 0; attempt < MAX_MEMBER_USAGE_ATTEMPTS; attempt++) {
      const short = shortOf(outcome);
      if (short === undefined) break;
      outcome = await this.throughPool(usage, short, attempt, actor);
    }
    if (outcome.kind === 'replayed') await this.settleAfterReplay(outcome, actor);
    if (shortOf(outcome) === undefined) return outcome;
    // The member's other usages kept taking what was reserved: nothing is recorded, resend it (503).
    throw new TooManyConflictsError(
      `account-${usage.accountId} (pool reservations)`,
      MAX_MEMBER_USAGE_ATTEMPTS,
    );
  }

  /** One attempt: reserve what the account said it needs, record the usage with it, settle. */
  private async throughPool(
    usage: RecordUsageData,
    requiredCredits: string,
    attempt: number,
    actor: string,
  ): Promise<UsageOutcome> {
    const { membership } = await this.accounts.load(usage.accountId);
    const organizationId = membership.organizationId;
    // Left meanwhile: an ordinary usage again (its own credits pay).
    if (organizationId === null) return this.usage(usage, undefined, actor);
    const holdId = memberUsageHoldId(usage.accountId, usage.usageId, attempt + 1);
    const reserved = await this.organizations.execute(
      {
        type: 'ReserveMemberSpend',
        data: {
          organizationId,
          accountId: usage.accountId,
          usageId: usage.usageId,
          holdId,
          product: usage.product,
          credits: requiredCredits,
          expiresAt: isoOf(this.clock.now() + MEMBER_RESERVATION_TTL_MS),
        },
      },
      actor,
    );
    if (reserved.kind === 'error') {
      // This attempt's id is spent (an attempt that died left it, ended or with other content): take the next.
      if (isReservationIdSpent(reserved.error)) return shortAgain(requiredCredits);
      // Not a member on the pool's side (a membership request cut between its two steps): 409, resend it.
      return reserved;
    }
    if (reserved.kind === 'unchanged') throw new Error('ReserveMemberSpend always appends or replays');
    const answer = lastEvent(reserved.events).event as MemberSpendReserved | MemberSpendRejected;
    if (answer.data.accountId !== usage.accountId || answer.data.usageId !== usage.usageId)
      throw new Error(`reservation ${holdId} of ${organizationId} belongs to another usage`);
    // The pool's answer as the member's usage carries it (with what the pool still offers the member).
    const pool = memberPoolOf(answer);
    const outcome = await this.usage(usage, pool, actor);
    if (pool.outcome === 'rejected') return outcome;
    if (outcome.kind === 'appended') {
      await this.settle(organizationId, holdId, outcome, actor);
      return outcome;
    }
    // Recorded by a concurrent request with the same usageId — maybe with this very reservation (it
    // replayed to both): that one is settled, never released (`record` settles what the usage names).
    if (outcome.kind === 'replayed' && paidWith(outcome) === holdId) return outcome;
    // Not recorded with this reservation (recorded by a concurrent request, short, lapsed, left): give it back.
    if (!isReason(outcome, 'pool_reservation_lapsed'))
      await this.release(organizationId, holdId, 'the usage was not recorded with this reservation', actor);
    if (isReason(outcome, 'pool_reservation_lapsed') || isReason(outcome, 'pool_hold_used'))
      return shortAgain(requiredCredits);
    // Left (or moved to another organisation) meanwhile: decided afresh, as in step 1.
    if (isReason(outcome, 'not_a_member')) return this.usage(usage, undefined, actor);
    return outcome;
  }

  private usage(usage: RecordUsageData, pool: MemberPool | undefined, actor: string): Promise<UsageOutcome> {
    // `pool` rides beside `data`: the decider reads it, the fingerprint (of `data`) does not.
    const input = {
      type: 'RecordUsage',
      data: usage,
      ...(pool === undefined ? {} : { pool }),
    } as AccountCommandInput;
    return this.accounts.execute(input, actor);
  }

  /** An idempotent retry of a usage the pool paid: the reservation is settled if it is still open. */
  private async settleAfterReplay(outcome: UsageOutcome, actor: string): Promise<void> {
    if (outcome.kind !== 'replayed') return;
    const event = lastEvent(outcome.events).event;
    if (event.type !== 'UsageRecorded' || event.data.paidBy === undefined) return;
    await this.settle(event.data.paidBy.organizationId, event.data.paidBy.holdId, outcome, actor);
  }

  private async settle(
    organizationId: string,
    holdId: string,
    outcome: UsageOutcome,
    actor: string,
  ): Promise<void> {
    if (outcome.kind !== 'appended' && outcome.kind !== 'replayed') return;
    const recorded = lastEvent(outcome.events).event as UsageRecorded;
    try {
      const settled = await this.organizations.execute(
        {
          type: 'SettleMemberSpend',
          data: {
            organizationId,
            holdId,
            usageId: recorded.data.usageId,
            credits: recorded.data.creditsCharged,
          },
        },
        actor,
      );
      if (settled.kind === 'error' && settled.error.code !== 'conflict')
        this.logger.warn(`settling ${holdId} of ${organizationId}: ${describe(settled.error)}`);
    } catch (error) {
      // The usage is recorded; the sweeper settles the reservation once it is past its expiry.
      this.logger.warn(
        `settling ${holdId} of ${organizationId} left to the sweeper: ${(error as Error).message}`,
      );
    }
  }

  private async release(
    organizationId: string,
    holdId: string,
    reason: string,
    actor: string,
  ): Promise<void> {
    try {
      const released = await this.organizations.execute(
        { type: 'ReleaseMemberSpend', data: { organizationId, holdId, reason } },
        actor,
      );
      if (released.kind === 'error' && released.error.code !== 'conflict')
        this.logger.warn(`releasing ${holdId} of ${organizationId}: ${describe(released.error)}`);
    } catch (error) {
      this.logger.warn(
        `releasing ${holdId} of ${organizationId} left to the sweeper: ${(error as Error).message}`,
      );
    }
  }
}

/** The pool credits the account decider said a member usage needs, when that is why it refused it. */
function shortOf(outcome: UsageOutcome): string | undefined {
  if (!isReason(outcome, 'pool_reservation_short')) return undefined;
  const error = (outcome as { error: DomainError }).error;
  return error.code === 'conflict' ? error.requiredCredits : undefined;
}

/** The pool reservation a recorded usage was paid with, if any. */
function paidWith(outcome: UsageOutcome): string | undefined {
  if (outcome.kind !== 'appended' && outcome.kind !== 'replayed') return undefined;
  const event = lastEvent(outcome.events).event;
  return event.type === 'UsageRecorded' ? event.data.paidBy?.holdId : undefined;
}

function isReservationIdSpent(error: DomainError): boolean {
  if (error.code !== 'conflict') return false;
  return (
    error.reason === 'pool_reservation_closed' ||
    error.message.includes('already used with a different request')
  );
}

function isReason(outcome: UsageOutcome, reason: string): boolean {
  return outcome.kind === 'error' && outcome.error.code === 'conflict' && outcome.error.reason === reason;
}

/** "Try again with the next reservation id": the answer a short usage got, for `record`'s loop. */
function shortAgain(requiredCredits: string): UsageOutcome {
  return {
    kind: 'error',
    error: {
      code: 'conflict',
      reason: 'pool_reservation_short',
      requiredCredits,
      message: 'the pool reservation could not be used: reserve again',
    },
  };
}

function describe(error: DomainError): string {
  return error.code === 'invalid' ? JSON.stringify(error.fields) : error.message;
}
