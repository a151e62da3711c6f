import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  usageOutcomeOf,
  type AccountEvent,
  type UsageOutcome,
  type UsageRecorded,
  type UsageRejected,
} from '@ledger/domain';
import { TooManyConflictsError } from '@ledger/event-store';
import { plainToInstance } from 'class-transformer';
import type { CommandOutcome, PositionedEvent } from '../core/command-outcome';
import { httpErrorOf, lastEvent } from '../http/command-response';
import { compiledDto } from '../http/compiled-validation';
import { STORAGE_RETRY_AFTER_S, storageFaultCode } from '../http/storage-faults';
import { invalidRequest, validateDto } from '../http/validation';
import { MemberUsageService } from '../organizations/member-usage.service';
import { RecordUsageDto } from './usage.dto';

export type PositionedUsageOutcome = UsageOutcome & { readonly position: string };

export class RecordUsageCommand {
  constructor(
    readonly usage: RecordUsageDto,
    readonly actor: string,
  ) {}
}

export class RecordUsageBatchCommand {
  constructor(
    readonly records: readonly unknown[],
    readonly actor: string,
  ) {}
}

/** One item of a batch answer: the status the record would have had alone, and its outcome or error. */
export type BatchItem =
  | ({ readonly status: number; readonly replayed?: true } & PositionedUsageOutcome)
  | {
      readonly status: number;
      readonly usageId: string | null;
      /** Set on a 503 item: when to resend it (the whole answer also carries `Retry-After`). */
      readonly retryAfterSeconds?: number;
      readonly error: unknown;
    };

export function usageBody(events: readonly PositionedEvent<AccountEvent>[]): PositionedUsageOutcome {
  const last = lastEvent(events);
  const event = last.event as UsageRecorded | UsageRejected;
  return { ...usageOutcomeOf(event), position: last.position.toString() };
}

/** 201 accepted, 402 rejected; a replay keeps the original status class (200 for accepted, 402 for rejected). */
export function usageStatus(body: PositionedUsageOutcome, replayed: boolean): number {
  if (body.outcome === 'rejected') return 402;
  return replayed ? 200 : 201;
}

@CommandHandler(RecordUsageCommand)
export class RecordUsageHandler implements ICommandHandler<RecordUsageCommand, CommandOutcome<AccountEvent>> {
  constructor(private readonly memberUsage: MemberUsageService) {}

  /** A member's overage goes through its organisation's pool (MemberUsageService); anyone else's as before. */
  execute({ usage, actor }: RecordUsageCommand): Promise<CommandOutcome<AccountEvent>> {
    return this.memberUsage.record({ ...usage }, actor);
  }
}

/**
 * Each record is validated and decided on its own, all concurrently (the store commits them in
 * shared transactions); one bad record never fails the others; results keep the input order.
 */
@CommandHandler(RecordUsageBatchCommand)
export class RecordUsageBatchHandler implements ICommandHandler<RecordUsageBatchCommand, BatchItem[]> {
  constructor(private readonly memberUsage: MemberUsageService) {}

  execute({ records, actor }: RecordUsageBatchCommand): Promise<BatchItem[]> {
    return Promise.all(records.map((record) => this.one(record, actor)));
  }

  private async one(record: unknown, actor: string): Promise<BatchItem> {
    const usageId = usageIdOf(record);
    let dto = compiledDto(RecordUsageDto, record);
    if (dto === undefined) {
      dto = plainToInstance(RecordUsageDto, record);
      const fields = await validateDto(dto);
      if (fields.length > 0) return { status: 400, usageId, error: invalidRequest(fields).getResponse() };
    }
    try {
      const outcome = await this.memberUsage.record({ ...dto }, actor);
      if (outcome.kind === 'error') {
        const http = httpErrorOf(outcome.error);
        return { status: http.getStatus(), usageId, error: http.getResponse() };
      }
      if (outcome.kind === 'unchanged') throw new Error('RecordUsage always appends or replays');
      const body = usageBody(outcome.events);
      const replayed = outcome.kind === 'replayed';
      return {
        status: usageStatus(body, replayed),
        ...(replayed ? { replayed: true as const } : {}),
        ...body,
      };
    } catch (error) {
      return batchItemFault(usageId, error);
    }
  }
}

const batchLogger = new Logger('UsageBatch');

/**
 * A record that failed for want of the store, never for its content: other writers won every bounded
 * attempt on its account (TooManyConflictsError), or the store is unavailable (a StoreUnavailableError,
 * known by name so this needs nothing from the adapters). Nothing was appended for it: 503 with
 * `retryAfterSeconds`, and the caller resends it with the same usageId. Anything else is a fault of
 * ours: 500 without its internal message (it is logged).
 */
export function batchItemFault(usageId: string | null, error: unknown): BatchItem {
  const retryable = retryableFault(error);
  if (retryable !== undefined) {
    batchLogger.warn(`${usageId ?? '(no usageId)'}: ${(error as Error).message}`);
    return {
      status: 503,
      usageId,
      retryAfterSeconds: retryable.retryAfterSeconds,
      error: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: `${retryable.why}: nothing was recorded for this record, retry it with the same usageId`,
      },
    };
  }
  batchLogger.error(`${usageId ?? '(no usageId)'}: ${String((error as Error)?.stack ?? error)}`);
  return { status: 500, usageId, error: { statusCode: 500, message: 'Internal server error' } };
}

function retryableFault(error: unknown): { why: string; retryAfterSeconds: number } | undefined {
  if (error instanceof TooManyConflictsError) {
    return { why: 'too many concurrent writes to this account', retryAfterSeconds: 1 };
  }
  const storage = storageFaultCode(error);
  if (storage !== undefined) {
    return { why: `the event store cannot write (${storage})`, retryAfterSeconds: STORAGE_RETRY_AFTER_S };
  }
  if (error instanceof Error && error.name === 'StoreUnavailableError') {
    const after = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return {
      why: 'the event store is unavailable',
      retryAfterSeconds: typeof after === 'number' && after > 0 ? after : 1,
    };
  }
  return undefined;
}

function usageIdOf(record: unknown): string | null {
  const id = (record as { usageId?: unknown } | null)?.usageId;
  return typeof id === 'string' ? id : null;
}
