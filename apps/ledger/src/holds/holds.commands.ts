import { ConflictException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  holdOutcomeOf,
  idempotencyKeys,
  releaseOutcomeOf,
  settlementOutcomeOf,
  type AccountEvent,
  type HoldLine,
  type HoldOutcome,
  type ReleaseOutcome,
  type SettlementOutcome,
} from '@ledger/domain';
import { AccountCommandsService } from '../core/account-commands.service';
import type { CommandOutcome, PositionedEvent } from '../core/command-outcome';
import { lastEvent } from '../http/command-response';
import { AccountOf } from './account-of';
import type { HoldLineDto, PlaceHoldDto, ReleaseHoldDto, SettleHoldDto } from './holds.dto';

type Positioned<T> = T & { readonly position: string };
export type PositionedHoldOutcome = Positioned<HoldOutcome>;
export type PositionedSettlement = Positioned<SettlementOutcome>;
export type PositionedRelease = Positioned<ReleaseOutcome>;

export class PlaceHoldCommand {
  constructor(
    readonly hold: PlaceHoldDto,
    readonly actor: string,
  ) {}
}

export class SettleHoldCommand {
  constructor(
    readonly holdId: string,
    readonly settlement: SettleHoldDto,
    readonly actor: string,
  ) {}
}

export class ReleaseHoldCommand {
  constructor(
    readonly holdId: string,
    readonly release: ReleaseHoldDto,
    readonly actor: string,
  ) {}
}

/** Lines as plain data (the DTO's are class instances): what the command and its event carry. */
function linesOf(lines: readonly HoldLineDto[]): HoldLine[] {
  return lines.map((line) => ({ operation: line.operation, quantity: line.quantity }));
}

/** The event of the command's own outcome is the last (expired holds and credits come first). */
function ownEvent<T extends AccountEvent['type']>(
  events: readonly PositionedEvent<AccountEvent>[],
  ...types: readonly T[]
): { event: Extract<AccountEvent, { type: T }>; position: string } {
  const { event, position } = lastEvent(events);
  if (!(types as readonly string[]).includes(event.type))
    throw new Error(`expected ${types.join(' or ')}, the outcome is ${event.type}`);
  return { event: event as Extract<AccountEvent, { type: T }>, position: position.toString() };
}

export function holdBody(events: readonly PositionedEvent<AccountEvent>[]): PositionedHoldOutcome {
  const { event, position } = ownEvent(events, 'HoldPlaced', 'HoldRejected');
  return { ...holdOutcomeOf(event), position };
}

/** 201 held, 402 rejected; a replay keeps the class (200 for held, the same 402 for rejected). */
export function holdStatus(body: PositionedHoldOutcome, replayed: boolean): number {
  if (body.outcome === 'rejected') return 402;
  return replayed ? 200 : 201;
}

export function settlementBody(events: readonly PositionedEvent<AccountEvent>[]): PositionedSettlement {
  const { event, position } = ownEvent(events, 'HoldSettled');
  return { ...settlementOutcomeOf(event), position };
}

export function releaseBody(events: readonly PositionedEvent<AccountEvent>[]): PositionedRelease {
  const { event, position } = ownEvent(events, 'HoldReleased');
  return { ...releaseOutcomeOf(event), position };
}

@CommandHandler(PlaceHoldCommand)
export class PlaceHoldHandler implements ICommandHandler<PlaceHoldCommand, CommandOutcome<AccountEvent>> {
  constructor(
    private readonly accounts: AccountCommandsService,
    private readonly accountOf: AccountOf,
  ) {}

  async execute({ hold, actor }: PlaceHoldCommand): Promise<CommandOutcome<AccountEvent>> {
    const { holdId, accountId, product, lines, ttlSeconds } = hold;
    await this.refuseTakenId(holdId, accountId);
    const outcome = await this.accounts.execute(
      {
        type: 'PlaceHold',
        data: {
          holdId,
          accountId,
          product,
          lines: linesOf(lines),
          ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
        },
      },
      actor,
    );
    // Settles and releases sent to this process find the account without asking the read side. Only a
    // placed hold: a refused one holds nothing, and its id may be placed on another account later.
    if (
      (outcome.kind === 'appended' || outcome.kind === 'replayed') &&
      lastEvent(outcome.events).event.type === 'HoldPlaced'
    )
      this.accountOf.rememberHold(holdId, accountId);
    return outcome;
  }

  /**
   * A placement may not take a hold id another account already placed: settle and release name the
   * hold alone, so a second account's hold would make both unaddressable (409 on each settle, then
   * expiry: work done and never billed). Refused (409, nothing recorded) as far as this process and
   * its read models know now — two nodes placing one id for two accounts in the same instant can
   * still both succeed; their settles then answer 409 naming both (AccountOf.hold). A retry of this
   * account's own placement, placed or refused, is not refused: it replays its first answer.
   */
  private async refuseTakenId(holdId: string, accountId: string): Promise<void> {
    if (this.accountOf.otherHoldersOf(holdId, accountId).size === 0) return;
    if (await this.accounts.hasKey(accountId, idempotencyKeys.hold(holdId))) return;
    throw new ConflictException(
      `hold id "${holdId}" is already a hold of another account: settle and release name a hold by its id alone, so each hold needs an id of its own; choose another`,
    );
  }
}

@CommandHandler(SettleHoldCommand)
export class SettleHoldHandler implements ICommandHandler<SettleHoldCommand, CommandOutcome<AccountEvent>> {
  constructor(
    private readonly accounts: AccountCommandsService,
    private readonly accountOf: AccountOf,
  ) {}

  async execute({ holdId, settlement, actor }: SettleHoldCommand): Promise<CommandOutcome<AccountEvent>> {
    const accountId = await this.accountOf.hold(holdId);
    return this.accounts.execute(
      {
        type: 'SettleHold',
        data: { holdId, accountId, usageId: settlement.usageId, lines: linesOf(settlement.lines) },
      },
      actor,
    );
  }
}

@CommandHandler(ReleaseHoldCommand)
export class ReleaseHoldHandler implements ICommandHandler<ReleaseHoldCommand, CommandOutcome<AccountEvent>> {
  constructor(
    private readonly accounts: AccountCommandsService,
    private readonly accountOf: AccountOf,
  ) {}

  async execute({ holdId, release, actor }: ReleaseHoldCommand): Promise<CommandOutcome<AccountEvent>> {
    const accountId = await this.accountOf.hold(holdId);
    return this.accounts.execute(
      { type: 'ReleaseHold', data: { holdId, accountId, reason: release.reason } },
      actor,
    );
  }
}
