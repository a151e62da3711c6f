import type { CommandMetadata } from '../account/commands';
import { conflict, type DomainError } from '../errors';
import { checkIdempotency, type IdempotencyIndex } from '../idempotency';
import type { RateCard } from '../rate-card';
import { isoOf } from '../time';
import type { OrganizationEvent, OrganizationStamp } from './events';

/** What the organisation decider reads besides its stream. The account's DecisionContext fits. */
export interface OrganizationDecisionContext {
  readonly rateCard: RateCard;
}

export type OrganizationDecision =
  | { readonly kind: 'events'; readonly events: readonly OrganizationEvent[] }
  /** A repeat: append nothing, answer with the outcome held by the event at `revision`. */
  | { readonly kind: 'replay'; readonly revision: number }
  | { readonly kind: 'error'; readonly error: DomainError };

export const orgEvents = (...list: OrganizationEvent[]): OrganizationDecision => ({
  kind: 'events',
  events: list,
});
export const orgFailure = (error: DomainError): OrganizationDecision => ({ kind: 'error', error });

export function orgStamped<Fields extends object>(
  organizationId: string,
  metadata: CommandMetadata,
  context: OrganizationDecisionContext,
  fields: Fields,
): OrganizationStamp & Fields {
  const stamp: OrganizationStamp = {
    organizationId,
    recordedAt: isoOf(metadata.now),
    rateCardVersion: context.rateCard.version,
    actor: metadata.actor,
  };
  return Object.assign(stamp, fields);
}

/** The field a key came from, for a 409 in the caller's words. */
const FIELD_OF_KIND: Readonly<Record<string, string>> = {
  purchase: 'purchaseId',
  grant: 'grantId',
  request: 'requestId',
  decision: 'requestId',
  reserve: 'holdId',
  settle: 'holdId',
  release: 'holdId',
};

/** Replay or conflict for a keyed command; null when the key is new. */
export function orgRepeatOf(
  index: IdempotencyIndex,
  key: string,
  fingerprint: string,
): OrganizationDecision | null {
  const seen = checkIdempotency(index, key, fingerprint);
  if (seen.kind === 'replay') return seen;
  if (seen.kind === 'conflict') {
    const colon = key.indexOf(':');
    const field = FIELD_OF_KIND[key.slice(0, colon)] ?? 'id';
    return orgFailure(conflict(`${field} ${key.slice(colon + 1)} was already used with a different request`));
  }
  return null;
}
