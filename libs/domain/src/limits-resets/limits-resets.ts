import type { CommandMetadata } from '../account/commands';
import { conflict, invalid, type DomainError, type FieldFault } from '../errors';
import {
  checkIdempotency,
  idempotencyConflictMessage,
  idempotencyKeys,
  type IdempotencyEntry,
  type IdempotencyIndex,
} from '../idempotency';
import { isValidId } from '../ids';
import { planChoices, planOf, productChoices, productOf, type RateCard } from '../rate-card';
import { isoOf, msFromStored, type EpochMs } from '../time';

/**
 * The global resets stream (`limits-resets`): "reset everyone's limits" is one event here, O(1)
 * to write, and the account decider and projections void windows against it when they read.
 */
export const LIMITS_RESETS_STREAM = 'limits-resets';

export type ResetLimits = {
  readonly type: 'ResetLimits';
  readonly data: {
    readonly resetId: string;
    readonly scope: 'all' | 'plan';
    readonly plan?: string;
    readonly product?: string;
    readonly reason: string;
  };
  readonly metadata: CommandMetadata;
};

export type LimitsReset = {
  readonly type: 'LimitsReset';
  readonly data: {
    readonly resetId: string;
    readonly scope: 'all' | 'plan';
    readonly plan: string | null;
    readonly product: string | null;
    readonly reason: string;
    readonly resetAt: string;
    readonly fingerprint: string;
    readonly actor: string;
    readonly recordedAt: string;
    readonly rateCardVersion: string;
  };
};

/** What the account decider needs from a global reset. */
export interface GlobalLimitsReset {
  readonly resetId: string;
  readonly scope: 'all' | 'plan';
  readonly plan: string | null;
  readonly product: string | null;
  readonly resetAt: EpochMs;
}

export interface LimitsResetsState {
  /** Number of events folded: the revision the next event gets. */
  readonly version: number;
  readonly idempotency: IdempotencyIndex;
  /** Resets are rare admin actions, so the full list is small enough to keep and hand to deciders. */
  readonly resets: readonly GlobalLimitsReset[];
}

export type LimitsResetsDecision =
  | { readonly kind: 'events'; readonly events: readonly LimitsReset[] }
  | { readonly kind: 'replay'; readonly revision: number }
  | { readonly kind: 'error'; readonly error: DomainError };

export function initialLimitsResetsState(): LimitsResetsState {
  return { version: 0, idempotency: new Map(), resets: [] };
}

export function globalResetOf(event: LimitsReset): GlobalLimitsReset {
  const { resetId, scope, plan, product, resetAt } = event.data;
  return { resetId, scope, plan, product, resetAt: msFromStored(resetAt) };
}

export function evolveLimitsResets(state: LimitsResetsState, event: LimitsReset): LimitsResetsState {
  const idempotency = new Map(state.idempotency);
  idempotency.set(idempotencyKeys.reset(event.data.resetId), {
    fingerprint: event.data.fingerprint,
    revision: state.version,
  });
  return { version: state.version + 1, idempotency, resets: [...state.resets, globalResetOf(event)] };
}

export function decideLimitsReset(
  command: ResetLimits,
  state: LimitsResetsState,
  context: { readonly rateCard: RateCard },
): LimitsResetsDecision {
  const { data, metadata } = command;
  const key = idempotencyKeys.reset(data.resetId);
  const seen = checkIdempotency(state.idempotency, key, metadata.fingerprint);
  if (seen.kind === 'replay') return seen;
  if (seen.kind === 'conflict') return { kind: 'error', error: conflict(idempotencyConflictMessage(key)) };
  const faults = validate(data, context.rateCard);
  if (faults.length > 0) return { kind: 'error', error: invalid(faults) };
  const recordedAt = isoOf(metadata.now);
  const event: LimitsReset = {
    type: 'LimitsReset',
    data: {
      resetId: data.resetId,
      scope: data.scope,
      plan: data.scope === 'plan' ? (data.plan ?? null) : null,
      product: data.product ?? null,
      reason: data.reason,
      resetAt: recordedAt,
      fingerprint: metadata.fingerprint,
      actor: metadata.actor,
      recordedAt,
      rateCardVersion: context.rateCard.version,
    },
  };
  return { kind: 'events', events: [event] };
}

function validate(data: ResetLimits['data'], rateCard: RateCard): FieldFault[] {
  const faults: FieldFault[] = [];
  if (!isValidId(data.resetId))
    faults.push({ field: 'resetId', message: 'must be 1–128 chars of [A-Za-z0-9._:-]' });
  if (data.scope !== 'all' && data.scope !== 'plan')
    faults.push({ field: 'scope', message: 'must be "all" or "plan"' });
  if (data.scope === 'plan' && (data.plan === undefined || planOf(rateCard, data.plan) === undefined)) {
    faults.push({
      field: 'plan',
      message: data.plan === undefined ? 'is required when scope is "plan"' : planChoices(rateCard),
    });
  }
  if (data.scope === 'all' && data.plan !== undefined) {
    faults.push({ field: 'plan', message: 'only allowed when scope is "plan"' });
  }
  if (data.product !== undefined && productOf(rateCard, data.product) === undefined) {
    faults.push({ field: 'product', message: productChoices(rateCard) });
  }
  if (data.reason.trim() === '') faults.push({ field: 'reason', message: 'must not be empty' });
  return faults;
}

export const limitsResetsDecider = {
  initialState: initialLimitsResetsState,
  evolve: evolveLimitsResets,
  decide: decideLimitsReset,
} as const;

/** JSON-safe form of the global resets state, for the shell's snapshot store. */
export function limitsResetsSnapshotOf(state: LimitsResetsState): unknown {
  return { format: 1, version: state.version, resets: state.resets, idempotency: [...state.idempotency] };
}

export function limitsResetsStateFromSnapshot(json: unknown): LimitsResetsState {
  const s = json as {
    format?: unknown;
    version: number;
    resets: GlobalLimitsReset[];
    idempotency: [string, IdempotencyEntry][];
  };
  if (typeof s !== 'object' || s === null || s.format !== 1 || !Array.isArray(s.idempotency)) {
    throw new RangeError('not a limits-resets snapshot of format 1: fold the stream from revision 0');
  }
  return { version: s.version, resets: s.resets, idempotency: new Map(s.idempotency) };
}
