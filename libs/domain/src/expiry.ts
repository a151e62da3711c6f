import type { GrantState } from './account/state';
import type { EpochMs } from './time';

/**
 * Credit expiry (SPEC §2 "Credits"). A grant is expired from its `expiresAt` on (inclusive): it
 * can no longer be drawn, and its remainder must be written off by a CreditsExpired event, never
 * silently — by the scheduler (ExpireCredits) or lazily before any other command.
 */
export function isExpired(grant: GrantState, now: EpochMs): boolean {
  return grant.expiresAt !== null && now >= grant.expiresAt;
}

/** Grants whose remainder is due to be written off at `now`, oldest expiry first (stable audit order). */
export function grantsToWriteOff(grants: readonly GrantState[], now: EpochMs): GrantState[] {
  return grants
    .filter((g) => g.status === 'open' && g.remaining > 0n && isExpired(g, now))
    .sort((a, b) => (a.expiresAt as number) - (b.expiresAt as number) || (a.grantId < b.grantId ? -1 : 1));
}
