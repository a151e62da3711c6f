import type { Allocation, EventStamp, RejectionReason, WindowSnapshot } from '../account/events';
import type { HoldLine } from './commands';

/**
 * Hold events, in the account stream. JSON-safe like every account event: credits as decimal
 * strings, times as ISO strings.
 */
interface Event<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
}

/** The window instance a hold's units are held in: identified by its start, so a new window is another. */
export interface HeldWindow {
  readonly window: string;
  readonly startedAt: string;
  readonly resetsAt: string;
}

/** What a release gives back: credits to grants still open, and the part whose grant expired meanwhile. */
export interface Released {
  readonly allowanceUnits: number;
  readonly credits: string;
  /** Back to the grants' remaining. */
  readonly allocations: readonly Allocation[];
  /** Held on a grant that expired while held: written off, as CreditsExpired would have. */
  readonly expired: readonly Allocation[];
}

export type HoldPlaced = Event<
  'HoldPlaced',
  EventStamp & {
    holdId: string;
    fingerprint: string;
    plan: string;
    product: string;
    lines: readonly HoldLine[];
    expiresAt: string;
    allowanceUnits: number;
    /** The window instances the units are held in (every window of the product when units > 0). */
    heldIn: readonly HeldWindow[];
    credits: string;
    /** Held credits in burn order: a settlement consumes them in this order. */
    allocations: readonly Allocation[];
    /** The product's windows after: `used` as it was, `held` including this hold. */
    windows: readonly WindowSnapshot[];
    balanceAfter: string;
    /** Credits held by all open holds after, this one included. */
    heldAfter: string;
  }
>;

export type HoldRejected = Event<
  'HoldRejected',
  EventStamp & {
    holdId: string;
    fingerprint: string;
    plan: string;
    product: string;
    lines: readonly HoldLine[];
    reason: RejectionReason;
    /** The overage of the lines up to and including the first that could not be covered. */
    requiredCredits: string;
    resetsAt: string | null;
    /** The product's windows before the hold (other open holds' units in `held`). */
    windows: readonly WindowSnapshot[];
    balanceAfter: string;
    heldAfter: string;
  }
>;

export type HoldSettled = Event<
  'HoldSettled',
  EventStamp & {
    holdId: string;
    /** The settlement is the usage: its id is a usage id (idempotency key `usage:<usageId>`). */
    usageId: string;
    fingerprint: string;
    plan: string;
    product: string;
    lines: readonly HoldLine[];
    units: number;
    /** The window instances the hold held its units in (the consumed units count there, if still live). */
    heldIn: readonly { readonly window: string; readonly startedAt: string }[];
    /** Taken from the hold: units first, then the held credits in their order. */
    consumed: { allowanceUnits: number; credits: string; allocations: readonly Allocation[] };
    /** Beyond the hold, charged like new usage at settle time. */
    charged: { allowanceUnits: number; credits: string; allocations: readonly Allocation[] };
    released: Released;
    /** The part that could not be paid (the work was done): posted to `uncollected`, never a negative balance. */
    uncollected: { credits: string; reason: RejectionReason | null };
    /** The product's windows after: `used` with this usage, `held` by the other open holds. */
    windows: readonly WindowSnapshot[];
    balanceAfter: string;
    /** Credits held by the other open holds after (this hold is closed). */
    heldAfter: string;
  }
>;

export type HoldReleased = Event<
  'HoldReleased',
  EventStamp & { holdId: string; fingerprint: string; reason: string; released: Released }
>;

export type HoldExpired = Event<
  'HoldExpired',
  EventStamp & { holdId: string; expiresAt: string; released: Released }
>;

export type HoldEvent = HoldPlaced | HoldRejected | HoldSettled | HoldReleased | HoldExpired;

export const HOLD_EVENT_TYPES: readonly HoldEvent['type'][] = [
  'HoldPlaced',
  'HoldRejected',
  'HoldSettled',
  'HoldReleased',
  'HoldExpired',
];
