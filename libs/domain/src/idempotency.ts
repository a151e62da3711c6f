/**
 * Idempotency index: per key (`usage:<id>`, `purchase:<id>`, …) the fingerprint of the payload
 * that first used it and the stream revision of the event that holds its outcome. That is all a
 * repeat needs: the shell reads the event at that revision to rebuild the original answer.
 */
export interface IdempotencyEntry {
  readonly fingerprint: string;
  readonly revision: number;
}

export type IdempotencyIndex = ReadonlyMap<string, IdempotencyEntry>;

export type IdempotencyCheck =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly revision: number }
  | { readonly kind: 'conflict' };

export function checkIdempotency(
  index: IdempotencyIndex,
  key: string,
  fingerprint: string,
): IdempotencyCheck {
  const entry = index.get(key);
  if (entry === undefined) return { kind: 'new' };
  return entry.fingerprint === fingerprint
    ? { kind: 'replay', revision: entry.revision }
    : { kind: 'conflict' };
}

export const idempotencyKeys = {
  usage: (usageId: string) => `usage:${usageId}`,
  purchase: (purchaseId: string) => `purchase:${purchaseId}`,
  grant: (grantId: string) => `grant:${grantId}`,
  refund: (refundId: string) => `refund:${refundId}`,
  reset: (resetId: string) => `reset:${resetId}`,
} as const;
