import { conflict, type DomainError } from '../errors';
import { isoOf, msFromStored, type EpochMs } from '../time';

/**
 * One webhook dispatcher per deployment (SPEC §8): the lease is a stream of events, written with
 * the exact expected revision, so of two nodes deciding at once one append wins and the other sees
 * a version conflict. The holder renews it before half its time is gone; another node takes it only
 * once it has lapsed on the ledger clock (a simulated clock moves that too); a holder stopping cleanly
 * releases it so a successor need not wait.
 */
export const DISPATCH_LEASE_STREAM = 'webhook-dispatch-lease';

export interface AcquireDispatchLease {
  readonly type: 'AcquireDispatchLease';
  readonly data: { readonly holder: string; readonly ttlMs: number };
  readonly metadata: { readonly now: EpochMs };
}

export interface ReleaseDispatchLease {
  readonly type: 'ReleaseDispatchLease';
  readonly data: { readonly holder: string };
  readonly metadata: { readonly now: EpochMs };
}

export type DispatchLeaseCommand = AcquireDispatchLease | ReleaseDispatchLease;

export interface DispatchLeaseTaken {
  readonly type: 'DispatchLeaseTaken';
  readonly data: {
    readonly holder: string;
    readonly previousHolder: string | null;
    readonly takenAt: string;
    readonly leaseUntil: string;
    readonly recordedAt: string;
  };
}

export interface DispatchLeaseRenewed {
  readonly type: 'DispatchLeaseRenewed';
  readonly data: {
    readonly holder: string;
    readonly renewedAt: string;
    readonly leaseUntil: string;
    readonly recordedAt: string;
  };
}

export interface DispatchLeaseReleased {
  readonly type: 'DispatchLeaseReleased';
  readonly data: { readonly holder: string; readonly releasedAt: string; readonly recordedAt: string };
}

export type DispatchLeaseEvent = DispatchLeaseTaken | DispatchLeaseRenewed | DispatchLeaseReleased;

export interface DispatchLeaseState {
  readonly holder: string | null;
  readonly until: EpochMs;
}

export type DispatchLeaseDecision =
  | { readonly kind: 'events'; readonly events: readonly DispatchLeaseEvent[] }
  | { readonly kind: 'error'; readonly error: DomainError };

export const initialDispatchLeaseState = (): DispatchLeaseState => ({ holder: null, until: 0 });

export function evolveDispatchLease(
  state: DispatchLeaseState,
  event: DispatchLeaseEvent,
): DispatchLeaseState {
  switch (event.type) {
    case 'DispatchLeaseTaken':
    case 'DispatchLeaseRenewed':
      return { holder: event.data.holder, until: msFromStored(event.data.leaseUntil) };
    case 'DispatchLeaseReleased':
      return { holder: null, until: 0 };
  }
}

/** Whether `holder` holds the lease at `now`. */
export function holdsDispatchLease(state: DispatchLeaseState, holder: string, now: EpochMs): boolean {
  return state.holder === holder && state.until > now;
}

export function decideDispatchLease(
  command: DispatchLeaseCommand,
  state: DispatchLeaseState,
): DispatchLeaseDecision {
  const now = command.metadata.now;
  const { holder } = command.data;
  if (command.type === 'ReleaseDispatchLease') {
    if (!holdsDispatchLease(state, holder, now)) return { kind: 'events', events: [] };
    return {
      kind: 'events',
      events: [
        { type: 'DispatchLeaseReleased', data: { holder, releasedAt: isoOf(now), recordedAt: isoOf(now) } },
      ],
    };
  }
  const { ttlMs } = command.data;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError('ttlMs must be a positive integer');
  const leaseUntil = isoOf(now + ttlMs);
  if (holdsDispatchLease(state, holder, now)) {
    if (state.until - now > ttlMs / 2) return { kind: 'events', events: [] };
    return {
      kind: 'events',
      events: [
        {
          type: 'DispatchLeaseRenewed',
          data: { holder, renewedAt: isoOf(now), leaseUntil, recordedAt: isoOf(now) },
        },
      ],
    };
  }
  if (state.holder !== null && state.until > now)
    return {
      kind: 'error',
      error: conflict(`the dispatch lease is held by ${state.holder} until ${isoOf(state.until)}`),
    };
  return {
    kind: 'events',
    events: [
      {
        type: 'DispatchLeaseTaken',
        data: {
          holder,
          previousHolder: state.holder,
          takenAt: isoOf(now),
          leaseUntil,
          recordedAt: isoOf(now),
        },
      },
    ],
  };
}

export const dispatchLeaseDecider = {
  initialState: initialDispatchLeaseState,
  evolve: evolveDispatchLease,
  decide: (command: DispatchLeaseCommand, state: DispatchLeaseState, _context: unknown) =>
    decideDispatchLease(command, state),
};
