/** Reading GET /v1/finance/verify/progress: how much of the replay is done, when that is known. */

export interface VerifyProgress {
  readonly phase: 'waiting-for-live' | 'replaying' | 'comparing';
  readonly eventsReplayed: number;
  readonly position: string;
  readonly target: string;
}

/**
 * Per mille of the replay done (positions are bigint strings: compared exactly), or undefined when
 * the phase reports no fraction — waiting for the live side, comparing rows, or not started.
 */
export function replayedPerMille(progress: VerifyProgress | null): number | undefined {
  if (progress === null || progress.phase !== 'replaying') return undefined;
  const target = BigInt(progress.target);
  if (target <= 0n) return undefined;
  const done = BigInt(progress.position);
  return Number(((done > target ? target : done) * 1000n) / target);
}
