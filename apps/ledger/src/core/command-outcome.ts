import type { AccountEvent, DomainError, LimitsReset } from '@ledger/domain';

/** An event of a command's outcome, with where it sits in the log. */
export interface PositionedEvent<E = AccountEvent | LimitsReset> {
  readonly event: E;
  readonly revision: bigint;
  readonly position: bigint;
}

/**
 * What running a command came to, for the HTTP layer to turn into a status and a body:
 * `appended` (201), `replayed` (200 with Idempotent-Replayed, the original events), `unchanged`
 * (a no-op by value, e.g. setting the same plan: 200), or a domain error (400/404/409).
 */
export type CommandOutcome<E = AccountEvent | LimitsReset> =
  | { readonly kind: 'appended'; readonly events: readonly PositionedEvent<E>[] }
  | { readonly kind: 'replayed'; readonly events: readonly PositionedEvent<E>[] }
  | { readonly kind: 'unchanged'; readonly position: bigint }
  | { readonly kind: 'error'; readonly error: DomainError };
