import { conflict, type DomainError } from '../errors';
import { checkIdempotency, idempotencyConflictMessage, type IdempotencyIndex } from '../idempotency';
import type { GlobalLimitsReset } from '../limits-resets/limits-resets';
import type { RateCard } from '../rate-card';
import { isoOf } from '../time';
import type { CommandMetadata } from './commands';
import type { AccountEvent, EventStamp } from './events';

/** What `decide` reads besides the account stream. */
export interface DecisionContext {
  readonly rateCard: RateCard;
  /** Global resets (scopes all and plan) from the `limits-resets` stream. */
  readonly resets: readonly GlobalLimitsReset[];
}

export type Decision =
  | { readonly kind: 'events'; readonly events: readonly AccountEvent[] }
  /** A repeat: append nothing, answer with the outcome held by the event at `revision`. */
  | { readonly kind: 'replay'; readonly revision: number }
  | { readonly kind: 'error'; readonly error: DomainError };

export const events = (...list: AccountEvent[]): Decision => ({ kind: 'events', events: list });
export const failure = (error: DomainError): Decision => ({ kind: 'error', error });

export function stampOf(accountId: string, metadata: CommandMetadata, context: DecisionContext): EventStamp {
  return {
    accountId,
    recordedAt: isoOf(metadata.now),
    rateCardVersion: context.rateCard.version,
    actor: metadata.actor,
  };
}

/** Replay or conflict for a keyed command; null when the key is new and the command must be decided. */
export function repeatOf(index: IdempotencyIndex, key: string, fingerprint: string): Decision | null {
  const seen = checkIdempotency(index, key, fingerprint);
  if (seen.kind === 'replay') return seen;
  if (seen.kind === 'conflict') {
    return failure(conflict(idempotencyConflictMessage(key)));
  }
  return null;
}
